"""Cache-only layers for the installers' download and wheel caches (`pip-cache`, `uv-cache`).

`HOME` and `/tmp` do not survive a build, so without these every rebuild of the venv would
download (and build from sdists) everything again. The caches are neither exported nor seen by
later buildpacks. Their key is only what makes a cached wheel wrong: the arch and the distro
(wheels built from sdists link against its libraries); the caches key everything else
(interpreter tags, versions) themselves. Nothing is pruned: pip cannot clean its own cache
(pypa/pip#6956), and a cleared build cache starts it over.
"""

from __future__ import annotations

from pathlib import Path

from cnb_python.cnb.context import BuildContext
from cnb_python.cnb.layers import Empty, LayerMetadata, LayerTypes, Restored, cached_layer
from cnb_python.layers.target_key import target_reasons
from cnb_python.output import Output

LAYER_NAME = "pip-cache"
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


def open_cache(ctx: BuildContext, name: str, what: str, output: Output) -> Path:
    """Reuse or start the cache layer `name`; returns its directory. It is complete as soon
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
        name,
        TYPES,
        CacheLayerMetadata,
        lambda cached: invalidation_reasons(cached, new),
    )
    if isinstance(layer.state, Restored):
        output.using_cached(what)
    elif isinstance(layer.state, Empty) and layer.state.cause != "absent":
        output.discarding(what, list(layer.state.reasons))
    layer.finish(new)
    return layer.path


def pip_cache(ctx: BuildContext, output: Output) -> Path:
    return open_cache(ctx, LAYER_NAME, "pip download and wheel cache", output)
