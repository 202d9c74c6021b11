"""The one reuse-or-install decision of the build-only tool layers (pip, uv, Pipenv, Poetry).

A restored tool layer whose key fits and whose program is present is used as it is. Otherwise
the reasons are logged, the layer starts empty, the tool is installed, and the metadata is
written last; a failed install removes the layer, so no later build trusts half a tool.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from cnb_python.cnb.layers import CachedLayer, Empty, M, Restored, remove_layer
from cnb_python.output import Output


def reuse_or_install(
    layer: CachedLayer[M],
    new: M,
    *,
    what: str,
    complete: Callable[[Path], bool],
    install: Callable[[Path], None],
    output: Output,
) -> None:
    """`what` names the tool and version in the log (`pip 26.3`); `complete` says whether a
    restored layer still holds the program; `install` fills the empty layer directory."""
    state = layer.state
    if isinstance(state, Restored) and complete(layer.path):
        output.using_cached(what)
        return
    if isinstance(state, Empty) and state.cause != "absent":
        output.discarding(layer.name, list(state.reasons))
    if isinstance(state, Restored):
        layer.reset()
    output.step(f"Installing {what}")
    try:
        install(layer.path)
    except BaseException:
        remove_layer(layer.layers_dir, layer.name)
        raise
    layer.finish(new)
