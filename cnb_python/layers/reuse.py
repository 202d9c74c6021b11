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

The layers differ in their declaration (`layers.declared`: name, types, key model, reasons,
completeness, how a discarded one is named) and in how this build installs or refreshes them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from cnb_python.cnb.layers import (
    CachedLayer,
    Empty,
    M,
    Restored,
    cached_layer,
    remove_layer,
)
from cnb_python.layers.declared import CachedLayerDecl
from cnb_python.output import Output

INCOMPLETE = "some of its files are missing"


def reuse_or_install(
    layers_dir: Path,
    layer_decl: CachedLayerDecl[M],
    new: M,
    *,
    what: str,
    install: Callable[[Path], None],
    output: Output,
    announce: bool = True,
    refresh: Callable[[Path, M], None] | None = None,
) -> Path:
    """Open the declared layer with `new` as its key, reuse or (re)install it; returns its path.

    `what` names this build's layer in the log (`pip 26.3`, `Python 3.12.13`); the
    declaration's `previous` names the discarded one, by default the layer name. `install`
    fills the empty layer directory, after an "Installing <what>" line unless `announce` is
    false (the layer logs its own steps). `refresh` updates a reused layer in place, given the
    restored metadata.
    """
    name = layer_decl.name
    layer = cached_layer(
        layers_dir,
        name,
        layer_decl.types,
        layer_decl.model,
        lambda cached: layer_decl.invalidation_reasons(cached, new),
        # Untrusted while it changes: a build killed half-way leaves no metadata.
        updating=refresh is not None,
    )
    state = layer.state
    if isinstance(state, Restored) and layer_decl.complete(layer.path, state.metadata):
        output.using_cached(what)
        if refresh is not None:
            kept = state.metadata
            _filling(layer, new, lambda path: refresh(path, kept))
        return layer.path

    label = layer_decl.previous or (lambda _: name)
    if isinstance(state, Restored):
        output.discarding(label(state.metadata), [INCOMPLETE])
        layer.reset()
    elif isinstance(state, Empty) and state.cause != "absent":
        previous = state.previous if isinstance(state.previous, layer_decl.model) else None
        output.discarding(label(previous), list(state.reasons))
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
