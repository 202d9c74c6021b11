"""Dependencies: the tool layers a manager needs, their caches, then the venv layer.

Called from `build.py` after the Python layer. Tools are layers of their own (build-only,
cached), so the launch image gets the dependencies and none of what installed them. A tool
layer a previous build made and this one does not need (uv after switching back to pip) is
removed, so it is neither kept in the cache nor seen by later buildpacks.
"""

from __future__ import annotations

import time

from cnb_python.cnb.context import BuildContext
from cnb_python.cnb.layers import remove_layer
from cnb_python.layers import pip as pip_layer
from cnb_python.layers import pip_cache, uv_cache, venv
from cnb_python.layers import uv as uv_layer
from cnb_python.managers.base import PackageManager, Tool
from cnb_python.output import Output
from cnb_python.resolve import Resolution

# Tool layer -> its cache layer, for clean-up of layers this build does not use.
TOOL_LAYERS = {uv_layer.LAYER_NAME: uv_cache.LAYER_NAME}


def install(
    ctx: BuildContext,
    resolution: Resolution,
    manager: PackageManager,
    env: dict[str, str],
    output: Output,
) -> None:
    """Install the manager's tools and the app's dependencies; update `env` for later steps
    (the venv's `bin` first on PATH, VIRTUAL_ENV)."""
    output.header("Installing dependencies")
    started = time.monotonic()
    needed = manager.tools()
    tools: dict[str, Tool] = {}
    # pip is always needed: it installs the other tools from their wheels.
    pip_cache_dir = pip_cache.pip_cache(ctx, output)
    tools["pip"] = pip_layer.install_pip(ctx, resolution, env, output, cache_dir=pip_cache_dir)
    if "uv" in needed:
        uv_cache_dir = uv_cache.uv_cache(ctx, output)
        tools["uv"] = uv_layer.install_uv(ctx, tools["pip"], env, output, cache_dir=uv_cache_dir)
    for tool, cache in TOOL_LAYERS.items():
        if tool not in needed:
            remove_layer(ctx.layers_dir, tool)
            remove_layer(ctx.layers_dir, cache)
    venv.install_venv(ctx, resolution, manager, tools, env, output=output)
    output.step(f"Dependencies ready in {time.monotonic() - started:.1f}s")
