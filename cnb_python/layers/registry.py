"""Every layer this version of the buildpack can write: the declarations of the modules that
fill them (`layers.declared`).

At the start of a build, every other layer in the layers dir was left by another version of
the buildpack (a renamed or retired layer) and is removed (`cnb.layers.remove_layers_except`).
A layer written only sometimes (the uv, Pipenv and Poetry tool layers and their caches) is
still declared: a build that does not need it removes it itself, and a build that does must
find it. A module that writes a layer declares it and lists it here; the integration builds
check that no build leaves a layer outside this set (`tests/support/devbuild.py`).
"""

from __future__ import annotations

from typing import Any

from cnb_python import web_concurrency
from cnb_python.layers import pip, pip_cache, python, tool_venv, uv, uv_cache, venv
from cnb_python.layers.declared import CachedLayerDecl, UncachedLayerDecl

DECLARED: tuple[CachedLayerDecl[Any] | UncachedLayerDecl, ...] = (
    python.LAYER,
    pip.LAYER,
    pip_cache.LAYER,
    uv.LAYER,
    uv_cache.LAYER,
    venv.LAYER,
    venv.SYNCED_LAYER,
    *tool_venv.LAYERS.values(),
    pip_cache.POETRY_CACHE,
    web_concurrency.LAYER,
)

KNOWN_LAYER_NAMES: frozenset[str] = frozenset(layer.name for layer in DECLARED)
