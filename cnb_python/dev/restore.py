"""The rebuild simulator: what the lifecycle's analyzer and restorer leave before `bin/build`.

Contract §3.5, from lc `internal/layer/metadata_restorer.go` and `phase/restorer.go`, by the
types a layer had in the previous build:

| previous types            | `<name>.toml`                      | `<name>/`                  |
|---------------------------|------------------------------------|----------------------------|
| launch only               | from the image (if there is one)   | no                         |
| launch + build, no cache  | no                                 | no                         |
| launch + cache (± build)  | from the image, if also cached*    | from the cache             |
| cache (± build)           | from the cache                     | from the cache             |
| build only / nothing      | no                                 | no                         |

(*) With Platform API >= 0.14 a launch+cache layer missing from the image (no previous image)
gets its metadata from the cache; kpack's Platform API 0.9 does not. A layer whose image and
cache digests differ is removed ("wrong sha").

Restored tomls hold only `[metadata]`, never `[types]`, and the metadata went through JSON, so
integers come back as floats. `store.toml` comes only from the image. `launch.toml`,
`build.toml`, `launch.sbom.*` and `build.sbom.*` are never restored; layer SBOMs are, from the
image for launch layers and from the cache for cached layers.
"""

from __future__ import annotations

import shutil
import stat
from pathlib import Path
from typing import Any

from cnb_python.cnb import tomlio
from cnb_python.dev import image as image_store
from cnb_python.dev.image import Record
from cnb_python.dev.workdir import WorkDir, every_path, link_tree, set_mtimes
from cnb_python.output import Output


def ints_to_floats(value: Any) -> Any:
    """Go decodes JSON numbers as float64, and the TOML encoder writes them back as `5.0`."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return float(value)
    if isinstance(value, dict):
        return {key: ints_to_floats(item) for key, item in value.items()}
    if isinstance(value, list):
        return [ints_to_floats(item) for item in value]
    return value


def platform_api_at_least(platform_api: str, minimum: str) -> bool:
    def parse(text: str) -> tuple[int, ...]:
        return tuple(int(part) for part in text.split("."))

    return parse(platform_api) >= parse(minimum)


def _write_metadata(layers_dir: Path, name: str, data: Any) -> None:
    # The lifecycle's encoder writes only the metadata table (lc `layermetadata.go`, Encode).
    content: dict[str, Any] = {} if data is None else {"metadata": ints_to_floats(data)}
    tomlio.write_atomic(layers_dir / f"{name}.toml", content)


def _copy_sboms(source: Path, names: set[str], layers_dir: Path) -> None:
    if not source.is_dir():
        return
    for path in sorted(source.glob("*.sbom.*")):
        owner = path.name.partition(".sbom.")[0]
        if owner in names and owner not in {"launch", "build"}:
            shutil.copy2(path, layers_dir / path.name)


def restore(
    layers_dir: Path,
    *,
    buildpack_id: str,
    image: Record | None,
    image_sbom_dir: Path,
    cache: Record | None,
    cache_layers_dir: Path,
    platform_api: str,
    output: Output,
) -> dict[str, str]:
    """Fill an empty `layers_dir` as the lifecycle would; returns the restored layers by name,
    each with where its data came from ("image" metadata only, or "cache")."""
    layers_dir.mkdir(parents=True, exist_ok=True)
    cached = {name: layer for name, layer in (cache.layers if cache else {}).items() if layer.cache}
    written: dict[str, str] = {}  # layer name -> digest its metadata came with

    if image is not None:
        if image.store is not None:
            tomlio.write_atomic(
                layers_dir / "store.toml", {"metadata": ints_to_floats(image.store)}
            )
        for name, layer in sorted(image.layers.items()):
            if not layer.launch or (layer.build and not layer.cache):
                continue
            if layer.cache and name not in cached:
                continue
            output.detail(f'Restoring metadata for "{buildpack_id}:{name}" from app image')
            _write_metadata(layers_dir, name, layer.data)
            written[name] = layer.sha

    in_image = image.layers if image is not None else {}
    for name, layer in sorted(cached.items()):
        if layer.launch and (name in in_image or not platform_api_at_least(platform_api, "0.14")):
            continue
        output.detail(f'Restoring metadata for "{buildpack_id}:{name}" from cache')
        _write_metadata(layers_dir, name, layer.data)
        written[name] = layer.sha

    restored: dict[str, str] = {}
    for name, sha in sorted(written.items()):
        if name not in cached:
            restored[name] = "image"
            continue
        if sha != cached[name].sha:
            output.detail(f'Removing "{buildpack_id}:{name}", wrong sha')
            (layers_dir / f"{name}.toml").unlink()
            continue
        source = cache_layers_dir / name
        if not source.is_dir():
            # What the lifecycle does when it cannot read a layer from its cache.
            output.warning(f'Failed to restore data for "{buildpack_id}:{name}": not in the cache')
            continue
        output.detail(f'Restoring data for "{buildpack_id}:{name}" from cache')
        # Linked, not copied: `untrust_rewritten` drops from the cache a layer whose shared
        # files a failed build rewrote in place.
        link_tree(source, layers_dir / name)
        set_mtimes(layers_dir / name, None)
        restored[name] = "cache"

    if image is not None:
        _copy_sboms(image_sbom_dir, set(image.layers), layers_dir)
    _copy_sboms(cache_layers_dir, set(cached), layers_dir)
    return restored


def prepare_rebuild(
    work: WorkDir,
    buildpack_id: str,
    *,
    clear_cache: bool,
    no_previous_image: bool,
    platform_api: str,
    output: Output,
) -> Record | None:
    """Analyze and restore: move the last image aside, empty the layers dir, and restore it
    from the image and cache records. Returns the previous image the export may reuse."""
    image_store.unmount_image(work, buildpack_id)
    previous = None
    if no_previous_image:
        output.step("No previous image (--no-previous-image)")
    else:
        previous = Record.load(image_store.image_record_path(work), buildpack_id)
        output.step("Previous image found" if previous else "No previous image")
    cache = None
    if clear_cache:
        output.step("Skipping the layer cache (--clear-cache)")
    else:
        cache = Record.load(image_store.cache_record_path(work), buildpack_id)
        output.step("Layer cache found" if cache else "Layer cache not found")
    work.discard(work.layers)
    restore(
        work.buildpack_layers(buildpack_id),
        buildpack_id=buildpack_id,
        image=previous,
        image_sbom_dir=work.image / "sbom",
        cache=cache,
        cache_layers_dir=work.cache / "layers",
        platform_api=platform_api,
        output=output,
    )
    return previous


def untrust_rewritten(work: WorkDir, buildpack_id: str, since_ns: int, output: Output) -> list[str]:
    """After a failed build: drop from the cache every layer whose files the build rewrote in
    place. Restored layers share their files with the cache (hard links); a successful build
    writes a new cache from what it left, but a failed one leaves the old cache, which must
    not hold what the build half-changed. A shared file (more than one link) whose inode
    changed after `since_ns` (when bin/build started) was written through; a file replaced,
    added or removed leaves the cache's own copy alone. Returns the dropped layers."""
    record_path = image_store.cache_record_path(work)
    cache = Record.load(record_path, buildpack_id)
    if cache is None:
        return []
    layers_dir = work.buildpack_layers(buildpack_id)
    dropped = []
    for name in sorted(cache.layers):
        live = layers_dir / name
        if live.is_dir() and any(_rewritten(path, since_ns) for path in every_path(live)):
            dropped.append(name)
    for name in dropped:
        output.detail(f'Dropping "{buildpack_id}:{name}" from the cache: the build changed it')
        del cache.layers[name]
        work.discard(work.cache / "layers" / name)
    if dropped:
        cache.save(record_path)
    return dropped


def _rewritten(path: Path, since_ns: int) -> bool:
    info = path.lstat()
    return stat.S_ISREG(info.st_mode) and info.st_nlink > 1 and info.st_ctime_ns > since_ns
