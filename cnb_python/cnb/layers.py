"""Layers: the directories a buildpack hands to the lifecycle, and whether to trust old ones.

A cached layer is data (its `[types]`) plus two decisions, as in libcnb.rs: what to do with
restored metadata we cannot read (discard the layer), and whether a readable one still fits this
build (a pure `invalidation_reasons` function that names every difference). Rules from the
lifecycle (contract §3.4, §3.5):

- the lifecycle restores `<name>.toml` *without* `[types]`, so every kept layer gets its types
  rewritten on every build, or it is silently dropped;
- metadata round-trips through JSON, turning integers into floats, so metadata is strings only;
- after a cache read failure a `<name>.toml` may come back without its directory: that layer is
  absent, not reusable;
- `<name>.toml` is written last, atomically, after the contents are complete, and removed first
  when a layer is rebuilt, so a build killed half-way never leaves a layer the next build trusts;
- a launch layer's contents are made readable by every user just before (`cnb.modes`): the app
  may run as another user than the build.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from cnb_python.cnb import tomlio
from cnb_python.cnb.modes import make_readable

RESERVED_NAMES = frozenset({"build", "launch", "store"})
_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
_TEMPORARY = re.compile(r"^\.[^/]+\.tmp$")


class LayerMetadata(BaseModel):
    """Base of every layer's metadata model: its cache key.

    Strict and closed: a value of the wrong type (an integer restored as a float) or a key from
    another version of this buildpack makes the metadata unreadable, and the layer is rebuilt.
    Every field must be a `str` (enforced when a subclass is defined).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        for name, info in cls.model_fields.items():
            if info.annotation is not str:
                msg = f"{cls.__name__}.{name} must be a str: the lifecycle does not keep types"
                raise TypeError(msg)


M = TypeVar("M", bound=LayerMetadata)


@dataclass(frozen=True)
class LayerTypes:
    launch: bool = False
    build: bool = False
    cache: bool = False

    def to_toml(self) -> dict[str, bool]:
        return {"launch": self.launch, "build": self.build, "cache": self.cache}


def validate_layer_name(name: str) -> None:
    """Names the lifecycle handles correctly: no dots (SBOM files are matched on the first
    dot), none of the reserved names, nothing ending in `.ignore`. Layer names are ours, never
    the user's, so a bad one is a programming error."""
    if name in RESERVED_NAMES:
        msg = f"invalid layer name {name!r}: build, launch and store are reserved"
        raise ValueError(msg)
    if not _NAME.match(name):
        msg = f"invalid layer name {name!r}: use only letters, digits, '_' and '-'"
        raise ValueError(msg)


@dataclass(frozen=True)
class Restored(Generic[M]):
    """A restored layer whose metadata fits this build: its contents are reused as they are."""

    metadata: M


@dataclass(frozen=True)
class Empty:
    """A layer that starts empty this build, and why.

    `cause` is "absent" (nothing restored: first build, cleared cache), "unreadable" (restored
    metadata we cannot parse or that another version of the buildpack wrote) or "invalidated"
    (readable, but it no longer fits: `reasons` names every difference, `previous` holds it).
    """

    cause: Literal["absent", "unreadable", "invalidated"]
    reasons: tuple[str, ...] = ()
    # The restored metadata that no longer fits ("invalidated" only), for the log to name it.
    previous: LayerMetadata | None = field(default=None, compare=False)


def _remove_layer_files(layers_dir: Path, name: str) -> None:
    # The toml goes first: if we are killed in between, the directory alone is invisible to
    # the lifecycle and absent to us.
    (layers_dir / f"{name}.toml").unlink(missing_ok=True)
    for sbom in layers_dir.glob(f"{name}.sbom.*"):
        sbom.unlink(missing_ok=True)
    path = layers_dir / name
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path)


def write_layer_toml(
    layers_dir: Path, name: str, types: LayerTypes, metadata: BaseModel | None
) -> None:
    """Declare the layer's contents complete: a launch layer's files are made readable by
    every user first (a restored one too: an older release may have written env files 0600),
    then `<name>.toml` is written."""
    if types.launch:
        make_readable(layers_dir / name)
    content: dict[str, Any] = {"types": types.to_toml()}
    if metadata is not None:
        content["metadata"] = metadata.model_dump(mode="json")
    tomlio.write_atomic(layers_dir / f"{name}.toml", content)


def read_restored_metadata(layers_dir: Path, name: str) -> dict[str, Any] | None:
    """The `[metadata]` table of a restored layer, or None when there is no usable layer.

    Never raises: used to peek at a previous build (e.g. which Python series it used) before
    the layer itself is opened.
    """
    toml_path = layers_dir / f"{name}.toml"
    if not toml_path.is_file() or not (layers_dir / name).is_dir():
        return None
    try:
        data = tomlio.load(toml_path)
    except (OSError, UnicodeDecodeError, tomlio.TOMLDecodeError):
        return None
    metadata = data.get("metadata")
    return metadata if isinstance(metadata, dict) else None


class CachedLayer(Generic[M]):
    """A layer whose contents may be reused from a previous build.

    Open it with `cached_layer()`. When `state` is `Restored`, its `[types]` have already been
    rewritten and the contents can be used as they are (opened `updating`: it has no toml until
    `finish(metadata)`). When `state` is `Empty`, the directory exists and is empty: fill it,
    then call `finish(metadata)`.
    """

    unreadable_reason: ClassVar[str] = (
        "its metadata could not be read (damaged, or written by another buildpack version)"
    )

    def __init__(
        self, layers_dir: Path, name: str, types: LayerTypes, state: Restored[M] | Empty
    ) -> None:
        self.layers_dir = layers_dir
        self.name = name
        self.types = types
        self.state = state

    @property
    def path(self) -> Path:
        return self.layers_dir / self.name

    def keep(self) -> None:
        """Rewrite `[types]` (and the same metadata) for a restored layer."""
        if not isinstance(self.state, Restored):
            msg = f"layer {self.name} was not restored; call finish() instead"
            raise TypeError(msg)
        write_layer_toml(self.layers_dir, self.name, self.types, self.state.metadata)

    def begin_update(self) -> None:
        """Make a restored layer untrusted while its contents change (an incremental update):
        a build killed before `finish()` leaves no metadata, so the next build starts over."""
        (self.layers_dir / f"{self.name}.toml").unlink(missing_ok=True)

    def reset(self) -> None:
        """Delete everything of this layer and recreate an empty directory."""
        _remove_layer_files(self.layers_dir, self.name)
        self.path.mkdir(parents=True)
        if isinstance(self.state, Restored):
            self.state = Empty("absent")

    def finish(self, metadata: M) -> None:
        """Declare the contents complete: write `<name>.toml` last."""
        if not self.path.is_dir():
            msg = f"layer {self.name} has no directory; the lifecycle would fail to export it"
            raise ValueError(msg)
        write_layer_toml(self.layers_dir, self.name, self.types, metadata)
        self.state = Restored(metadata)


def cached_layer(
    layers_dir: Path,
    name: str,
    types: LayerTypes,
    model: type[M],
    invalidation_reasons: Callable[[M], list[str]],
    *,
    updating: bool = False,
) -> CachedLayer[M]:
    """Open a cached layer: reuse what was restored if it still fits, otherwise start empty.

    `updating`: a restored layer is about to change in place, so it is not kept as it is but
    left untrusted (`begin_update`) until `finish()`. That also makes `finish()` the one walk
    of a launch layer's files this build (`write_layer_toml`): a venv has thousands.
    """
    validate_layer_name(name)
    state = _restored_state(layers_dir, name, model, invalidation_reasons)
    layer = CachedLayer(layers_dir, name, types, state)
    if isinstance(state, Restored):
        if updating:
            layer.begin_update()
        else:
            layer.keep()
    else:
        _remove_layer_files(layers_dir, name)
        layer.path.mkdir(parents=True)
    return layer


def _restored_state(
    layers_dir: Path,
    name: str,
    model: type[M],
    invalidation_reasons: Callable[[M], list[str]],
) -> Restored[M] | Empty:
    toml_path = layers_dir / f"{name}.toml"
    if not toml_path.exists() or not (layers_dir / name).is_dir():
        # A toml without its directory is what a failed cache read leaves (lifecycle PR #1381).
        return Empty("absent")
    try:
        data = tomlio.load(toml_path)
        metadata = model.model_validate(data.get("metadata", {}))
    except (OSError, UnicodeDecodeError, tomlio.TOMLDecodeError, ValidationError):
        return Empty("unreadable", (CachedLayer.unreadable_reason,))
    reasons = invalidation_reasons(metadata)
    if reasons:
        return Empty("invalidated", tuple(reasons), metadata)
    return Restored(metadata)


def fresh_layer(layers_dir: Path, name: str) -> Path:
    """An uncached layer: whatever was there is removed and an empty directory is returned.
    Call `write_layer_toml` once its contents are complete."""
    validate_layer_name(name)
    _remove_layer_files(layers_dir, name)
    path = layers_dir / name
    path.mkdir(parents=True)
    return path


def remove_layer(layers_dir: Path, name: str) -> None:
    """Drop a layer (for example one a previous build made that this build no longer needs)."""
    validate_layer_name(name)
    _remove_layer_files(layers_dir, name)


def present_layer_names(layers_dir: Path) -> set[str]:
    """The names of every layer in `layers_dir`, complete or not: anything with a
    `<name>.toml`, a `<name>/` directory or a `<name>.sbom.*` file. Not layers: the reserved
    `build`, `launch` and `store` files, and names no layer can have (the `<name>.ignore`
    directories the lifecycle renames ignored layers to)."""
    if not layers_dir.is_dir():
        return set()
    names = set()
    for entry in layers_dir.iterdir():
        if ".sbom." in entry.name:
            name = entry.name.partition(".sbom.")[0]
        elif entry.name.endswith(".toml") and not entry.is_dir():
            name = entry.name.removesuffix(".toml")
        elif entry.is_dir():
            name = entry.name
        else:
            continue
        if name not in RESERVED_NAMES and _NAME.match(name):
            names.add(name)
    return names


def remove_stale_temporaries(layers_dir: Path) -> list[str]:
    """Remove the temporary files a killed build left beside the layers; returns their names.

    Every file we write there (`<layer>.toml`, `launch.toml`, SBOMs) is written as
    `.<name>.<random>.tmp` and renamed into place (`tomlio.write_bytes_atomic`); a build killed
    in between leaves the temporary file. No layer or lifecycle file has such a name.
    """
    if not layers_dir.is_dir():
        return []
    removed = []
    for entry in layers_dir.iterdir():
        if _TEMPORARY.match(entry.name) and entry.is_file() and not entry.is_symlink():
            entry.unlink(missing_ok=True)
            removed.append(entry.name)
    return sorted(removed)


def remove_layers_except(layers_dir: Path, known: Collection[str]) -> list[str]:
    """Remove every layer whose name is not in `known`; returns the removed names, sorted.

    For the layers another version of the buildpack wrote under names this one never uses.
    The spec (Buildpack API 0.10 to 0.12, "Reusing Layers") says what happens to a restored
    layer a buildpack leaves alone: "If the buildpack does not set `launch`, `build`, or
    `cache` under `[types]` in the restored `<layers>/<layer>.toml` the layer SHALL be
    ignored", and the lifecycle renames its directory to `<name>.ignore` after the build (lc
    `buildpack/build.go`, `renameLayerDirIfNeeded`). So such a layer is not exported or cached
    again, but the build still pays for it: a cached one is restored whole (disk and time), a
    launch one brings back metadata nobody reads, and nothing in the log says it is gone.
    Removing it at the start of the build frees the space before anything is installed and
    lets the caller name it in the log.
    """
    removed = sorted(present_layer_names(layers_dir) - set(known))
    for name in removed:
        _remove_layer_files(layers_dir, name)
    return removed
