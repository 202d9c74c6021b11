"""Cache-only layers for the installers' download and wheel caches (`pip-cache`, `uv-cache`).

`HOME` and `/tmp` do not survive a build, so without these every rebuild of the venv would
download (and build from sdists) everything again. The caches are neither exported nor seen by
later buildpacks. Their key is only what makes a cached wheel wrong: the arch and the distro
(wheels built from sdists link against its libraries); the caches key everything else
(interpreter tags, versions) themselves. Nothing is pruned: pip cannot clean its own cache
(pypa/pip#6956), and a cleared build cache starts it over.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

from cnb_python.cnb.context import BuildContext
from cnb_python.cnb.layers import Empty, LayerMetadata, LayerTypes, Restored, cached_layer
from cnb_python.layers.declared import CachedLayerDecl
from cnb_python.layers.target_key import target_reasons
from cnb_python.output import Output

LAYER_NAME = "pip-cache"
SETTINGS_KEY_FILE = ".cnb-python-settings-key"
LAYER_VERSION = "1"
TYPES = LayerTypes(cache=True)


class CacheLayerMetadata(LayerMetadata):
    layer_version: str
    arch: str
    distro_name: str
    distro_version: str
    stack_id: str


def invalidation_reasons(cached: CacheLayerMetadata, new: CacheLayerMetadata) -> list[str]:
    reasons = []
    if cached.layer_version != new.layer_version:
        reasons.append("the buildpack now lays out the cache differently")
    reasons.extend(target_reasons(cached, new, stacks=(cached.stack_id, new.stack_id)))
    return reasons


def declare_cache(name: str, what: str) -> CachedLayerDecl[CacheLayerMetadata]:
    """A cache layer: complete as soon as it exists (a half-written cache entry is the
    installer's to ignore). `what` names it in the log."""
    return CachedLayerDecl(
        name=name,
        types=TYPES,
        model=CacheLayerMetadata,
        invalidation_reasons=invalidation_reasons,
        complete=lambda _path, _key: True,
        previous=lambda _: what,
    )


LAYER = declare_cache(LAYER_NAME, "pip download and wheel cache")
# Poetry's own download cache (poetry.lock apps), keyed like pip's.
POETRY_CACHE = declare_cache("poetry-cache", "Poetry cache")


def open_cache(
    ctx: BuildContext, declared: CachedLayerDecl[CacheLayerMetadata], output: Output
) -> Path:
    """Reuse or start the declared cache layer; returns its directory. It is complete as soon
    as it exists (a half-written cache entry is the installer's to ignore), so the metadata is
    written at once."""
    target = ctx.target
    new = CacheLayerMetadata(
        layer_version=LAYER_VERSION,
        arch=target.arch,
        distro_name=target.distro_name,
        distro_version=target.distro_version,
        stack_id=target.stack_id,
    )
    layer = cached_layer(
        ctx.layers_dir,
        declared.name,
        declared.types,
        declared.model,
        lambda cached: declared.invalidation_reasons(cached, new),
    )
    what = declared.previous(None) if declared.previous else declared.name
    if isinstance(layer.state, Restored):
        output.using_cached(what)
    elif isinstance(layer.state, Empty) and layer.state.cause != "absent":
        output.discarding(what, list(layer.state.reasons))
    layer.finish(new)
    return layer.path


def pip_cache(ctx: BuildContext, output: Output) -> Path:
    return open_cache(ctx, LAYER, output)


def settings_key(cache_dir: Path) -> bytes:
    """The secret that keys the digest of the index settings in the venv's key
    (`managers.base.settings_digest`): 32 random bytes made on first use and kept in this
    layer, which is cache-only, so never part of an image, and readable by the build's user
    only. A new one (a cleared cache) changes the digest, which only rebuilds a venv whose
    cache went with it anyway."""
    path = cache_dir / SETTINGS_KEY_FILE
    try:
        key = bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (OSError, ValueError, UnicodeDecodeError):
        key = b""
    if len(key) == 32:
        return key
    for stale in cache_dir.glob(f".{SETTINGS_KEY_FILE}.*.tmp"):
        stale.unlink(missing_ok=True)
    key = secrets.token_bytes(32)
    fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=f".{SETTINGS_KEY_FILE}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key.hex())
    Path(tmp).replace(path)
    return key
