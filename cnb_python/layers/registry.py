"""Every layer name this version of the buildpack can write, from the modules that write them.

At the start of a build, every other layer in the layers dir was left by another version of
the buildpack (a renamed or retired layer) and is removed (`cnb.layers.remove_layers_except`).
A layer written only sometimes (the uv, Pipenv and Poetry tool layers and their caches) is
still known: a build that does not need it removes it itself, and a build that does must find
it. The names are each module's own constants, never spelled out here, so renaming a layer
cannot leave this set stale; `tests/unit/test_layer_registry.py` fails when a module writes a
layer whose name is missing.
"""

from __future__ import annotations

from cnb_python import dependencies, web_concurrency
from cnb_python.layers import pip, pip_cache, python, tool_venv, uv, uv_cache, venv

KNOWN_LAYER_NAMES: frozenset[str] = frozenset(
    {
        python.LAYER_NAME,
        pip.LAYER_NAME,
        pip_cache.LAYER_NAME,
        uv.LAYER_NAME,
        uv_cache.LAYER_NAME,
        venv.LAYER_NAME,
        *tool_venv.TOOLS,
        dependencies.POETRY_CACHE,
        web_concurrency.LAYER_NAME,
    }
)
