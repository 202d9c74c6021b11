"""A layer this buildpack writes, declared once as a value by the module that fills it.

A cached layer's declaration holds everything about it that does not depend on one build: its
name, its `[types]`, its metadata model (the cache key), the pure `invalidation_reasons`
naming every difference between a restored key and this build's, how to tell that restored
contents are complete, and how the log names a discarded one. What a build adds is the new
key and how to install (or refresh) the contents, which need this build's runtime and env
(`layers.reuse.reuse_or_install`). An uncached layer declares its name and types.

`layers.registry` collects the declarations, so the set of names a build may find in its
layers dir is exactly what the modules declare.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic

from cnb_python.cnb.layers import LayerTypes, M


@dataclass(frozen=True, kw_only=True)
class CachedLayerDecl(Generic[M]):
    name: str
    types: LayerTypes
    model: type[M]
    invalidation_reasons: Callable[[M, M], list[str]]
    # Whether restored contents are all there, given the restored (and fitting) key.
    complete: Callable[[Path, M], bool]
    # How the log names a discarded layer from its metadata (None when unreadable).
    previous: Callable[[M | None], str] | None = None


@dataclass(frozen=True, kw_only=True)
class UncachedLayerDecl:
    name: str
    types: LayerTypes
