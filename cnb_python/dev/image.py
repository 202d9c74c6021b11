"""The local platform's stand-ins for the app image and the layer cache.

After a successful build the lifecycle's exporter writes the launch layers into the app image,
with their metadata, the processes and `store.toml` in the image label, and the cacher writes
`cache = true` layers into the cache. Both are what the next build is restored from (§3.5).

Here the "image" is a record (`image/metadata.json`, `image/launch.toml`, layer SBOMs) plus the
launch layers' directories, which stay at the absolute path they were built at: Python venvs,
console-script shebangs and env files hold absolute paths into the layers directory, exactly as
they do in a real image, where layers keep their build-time path. While the image is "mounted"
its layers sit in `<work>/layers/<id>/` and its app in `<work>/workspace/`; a new build first
moves them aside to `image/layers/` and `image/workspace/` ("stored"), and `dev launch` moves
them back. The "cache" is a record plus copies of the cached layer directories.
"""

from __future__ import annotations

import json
import shutil
import uuid
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from cnb_python.cnb import tomlio
from cnb_python.dev.validate import LayerTypes, read_layer_types
from cnb_python.dev.workdir import WorkDir, escape_id, link_tree, set_mtimes
from cnb_python.errors import DevExportFailed, DevNotBuilt
from cnb_python.output import Output

# 1980-01-01T00:00:01Z, the lifecycle's mtime for every file of an exported layer.
NORMALISED_MTIME = 315532801


@dataclass
class LayerRecord:
    """One layer as the lifecycle's image label or cache metadata remembers it."""

    launch: bool
    build: bool
    cache: bool
    data: Any = None  # the `[metadata]` table, already passed through JSON
    sha: str = ""


@dataclass
class Record:
    """`image/metadata.json` or `cache/metadata.json`."""

    buildpack_id: str
    layers: dict[str, LayerRecord] = field(default_factory=dict)
    store: dict[str, Any] | None = None

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(self), indent=2, sort_keys=True), encoding="utf-8")

    @classmethod
    def load(cls, path: Path, buildpack_id: str | None) -> Record | None:
        """None when absent, unreadable, or another buildpack's: no previous image/cache."""
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            record = cls(
                buildpack_id=raw["buildpack_id"],
                layers={name: LayerRecord(**layer) for name, layer in raw["layers"].items()},
                store=raw.get("store"),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return record if buildpack_id in (None, record.buildpack_id) else None


def _json_default(value: object) -> str:
    # TOML datetimes come back from the lifecycle's JSON labels as RFC 3339 strings.
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def to_json(value: Any) -> Any:
    """What survives the trip through the image label / cache metadata (JSON)."""
    return json.loads(json.dumps(value, default=_json_default))


def image_record_path(work: WorkDir) -> Path:
    return work.image / "metadata.json"


def cache_record_path(work: WorkDir) -> Path:
    return work.cache / "metadata.json"


def stored_layers(work: WorkDir, buildpack_id: str) -> Path:
    return work.image / "layers" / escape_id(buildpack_id)


def unmount_image(work: WorkDir, buildpack_id: str) -> None:
    """Move the current image's layers and app aside before a build reuses their paths."""
    if not image_record_path(work).exists() or (work.image / "layers").exists():
        return
    live = work.buildpack_layers(buildpack_id)
    target = stored_layers(work, buildpack_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    if live.is_dir():
        live.rename(target)
    else:
        target.mkdir()
    if work.workspace.is_dir():
        work.workspace.rename(work.image / "workspace")


def mount_image(work: WorkDir, app_dir: Path) -> Record:
    """Put the last exported image's layers and app back where they were built."""
    record = Record.load(image_record_path(work), None)
    if record is None:
        raise DevNotBuilt(app_dir, work.root)
    buildpack_id = record.buildpack_id
    stored = stored_layers(work, buildpack_id)
    if stored.is_dir():
        work.discard(work.layers)
        work.discard(work.workspace)
        work.layers.mkdir(parents=True)
        stored.rename(work.buildpack_layers(buildpack_id))
        if (work.image / "workspace").is_dir():
            (work.image / "workspace").rename(work.workspace)
        work.discard(work.image / "layers")
    return record


def _layer_data(layers_dir: Path, name: str) -> Any:
    _, metadata, _ = read_layer_types(layers_dir / f"{name}.toml")
    return to_json(metadata)


def _copy_sboms(source: Path, names: set[str], destination: Path) -> None:
    destination.mkdir(parents=True, exist_ok=True)
    for path in source.glob("*.sbom.*"):
        if path.name.partition(".sbom.")[0] in names:
            shutil.copy2(path, destination / path.name)


def _image_record(
    layers_dir: Path,
    buildpack_id: str,
    *,
    layers: dict[str, LayerTypes],
    previous: Record | None,
    previous_dirs: Path,
    token: str,
) -> tuple[Record, list[str]]:
    """The new image's label, and the launch layers it reuses from the previous image."""
    record = Record(buildpack_id)
    reused: list[str] = []
    for name, types in sorted(layers.items()):
        if not types.launch:
            continue
        sha = f"sha256:{token}-{name}"
        if not (layers_dir / name).is_dir():
            old = previous.layers.get(name) if previous else None
            if old is None or not (previous_dirs / name).is_dir():
                raise DevExportFailed(
                    f"cannot reuse '{buildpack_id}:{name}', previous image has no metadata for "
                    f"layer '{buildpack_id}:{name}' (a launch layer without a directory is only "
                    "valid when the previous image has it)"
                )
            reused.append(name)
            sha = old.sha
        record.layers[name] = LayerRecord(
            types.launch, types.build, types.cache, _layer_data(layers_dir, name), sha
        )
    store = layers_dir / "store.toml"
    if store.exists():
        record.store = to_json(tomlio.load(store).get("metadata", {}))
    return record, reused


def _write_cache(
    work: WorkDir,
    layers_dir: Path,
    layers: dict[str, LayerTypes],
    image: Record,
    token: str,
) -> None:
    """The cacher: `cache = true` layers with contents (launch ones stay for the image)."""
    cache = Record(image.buildpack_id)
    new_cache = work.root / "cache.new"
    work.discard(new_cache)
    (new_cache / "layers").mkdir(parents=True)
    for name, types in sorted(layers.items()):
        source = layers_dir / name
        if not types.cache or not source.is_dir():
            continue  # validation already warned about a cache layer without contents
        sha = image.layers[name].sha if name in image.layers else f"sha256:{token}-{name}"
        cache.layers[name] = LayerRecord(
            types.launch, types.build, types.cache, _layer_data(layers_dir, name), sha
        )
        if types.launch:
            # The image keeps this directory: the cache gets the same files, linked.
            link_tree(source, new_cache / "layers" / name)
        else:
            source.rename(new_cache / "layers" / name)
    _copy_sboms(layers_dir, set(cache.layers), new_cache / "layers")
    cache.save(new_cache / "metadata.json")
    # Old cache out, new cache in: a kill in between leaves no cache, never half of one.
    work.discard(work.cache)
    new_cache.rename(work.cache)


def export(
    work: WorkDir,
    buildpack_id: str,
    layers: dict[str, LayerTypes],
    previous: Record | None,
    output: Output,
) -> None:
    """Write the new image and cache from a validated layers dir, and leave the image mounted.

    Mirrors the exporter (lc `phase/exporter.go`, `addBuildpackLayers`) and the cacher: a
    launch layer without a directory reuses the previous image's layer, or export fails.
    """
    layers_dir = work.buildpack_layers(buildpack_id)
    previous_dirs = stored_layers(work, buildpack_id)
    token = uuid.uuid4().hex[:12]
    image, reused = _image_record(
        layers_dir,
        buildpack_id,
        layers=layers,
        previous=previous,
        previous_dirs=previous_dirs,
        token=token,
    )
    _write_cache(work, layers_dir, layers, image, token)
    for name in reused:
        (previous_dirs / name).rename(layers_dir / name)
        output.detail(f"Reusing layer '{buildpack_id}:{name}' from the previous image")

    new_image = work.root / "image.new"
    work.discard(new_image)
    new_image.mkdir()
    _copy_sboms(layers_dir, set(image.layers) | {"launch"}, new_image / "sbom")
    if (layers_dir / "launch.toml").exists():
        shutil.copy2(layers_dir / "launch.toml", new_image / "launch.toml")
    image.save(new_image / "metadata.json")
    work.discard(work.image)
    new_image.rename(work.image)

    # What is left in the layers dir is now exactly the image's filesystem: launch layers.
    for entry in list(layers_dir.iterdir()):
        if entry.is_dir() and not entry.is_symlink():
            if entry.name not in image.layers:
                work.discard(entry)
        else:
            entry.unlink()
    # The image's files carry the exporter's normalised timestamp, the app's too.
    for top in (*(layers_dir / name for name in image.layers), work.workspace):
        if top.is_dir():
            set_mtimes(top, NORMALISED_MTIME)
