"""The one reuse-or-install decision of every cached layer we fill (python, venv, the tools).

Each layer's metadata is its cache key, and a pure `invalidation_reasons(cached, new)` names
every difference. What happens with that verdict is the same for every layer, so it lives here
once rather than drifting apart in each module:

- restored, the key fits, the contents look complete: "Using cached <what>", and the layer is
  used as it is, or changed in place by the layer's `refresh` (the venv: local packages,
  incremental syncs), during which it holds no metadata;
- otherwise: "Discarding cached <previous>: <every reason>" unless nothing was restored (a first
  build says nothing), then the layer starts empty and is installed;
- the metadata is written last, and a failure while the contents change removes the layer, so
  no later build trusts half of one.

The layers differ only in what they are called in the log, how their completeness is checked,
and how they are installed or refreshed: those are the parameters.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from cnb_python.cnb.layers import (
    CachedLayer,
    Empty,
    LayerTypes,
    M,
    Restored,
    cached_layer,
    remove_layer,
)
from cnb_python.output import Output

INCOMPLETE = "some of its files are missing"


def reuse_or_install(
    layers_dir: Path,
    name: str,
    types: LayerTypes,
    new: M,
    invalidation_reasons: Callable[[M, M], list[str]],
    *,
    what: str,
    complete: Callable[[Path], bool],
    install: Callable[[Path], None],
    output: Output,
    previous: Callable[[M | None], str] | None = None,
    announce: bool = True,
    refresh: Callable[[Path, M], None] | None = None,
) -> Path:
    """Open the layer `name` with `new` as its key, reuse or (re)install it; returns its path.

    `what` names this build's layer in the log (`pip 26.3`, `Python 3.12.13`); `previous` names
    the discarded one from its metadata (None when unreadable), by default the layer name.
    `complete` says whether a restored layer's contents are all there; `install` fills the empty
    layer directory, after an "Installing <what>" line unless `announce` is false (the layer
    logs its own steps). `refresh` updates a reused layer in place, given the restored metadata.
    """
    restored: list[M] = []

    def reasons(cached: M) -> list[str]:
        restored.append(cached)
        return invalidation_reasons(cached, new)

    layer = cached_layer(layers_dir, name, types, type(new), reasons)
    state = layer.state
    if isinstance(state, Restored) and complete(layer.path):
        output.using_cached(what)
        if refresh is not None:
            kept = state.metadata
            # Untrusted while it changes: a build killed half-way leaves no metadata.
            layer.begin_update()
            _filling(layer, new, lambda path: refresh(path, kept))
        return layer.path

    label = previous or (lambda _: name)
    if isinstance(state, Restored):
        output.discarding(label(state.metadata), [INCOMPLETE])
        layer.reset()
    elif isinstance(state, Empty) and state.cause != "absent":
        output.discarding(label(restored[0] if restored else None), list(state.reasons))
    if announce:
        output.step(f"Installing {what}")
    _filling(layer, new, install)
    return layer.path


def _filling(layer: CachedLayer[M], new: M, change: Callable[[Path], None]) -> None:
    """Run `change` on the layer's contents, then declare them complete with `new`."""
    try:
        change(layer.path)
    except BaseException:
        remove_layer(layer.layers_dir, layer.name)
        raise
    layer.finish(new)
