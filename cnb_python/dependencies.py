"""Dependencies: the tool layers a manager needs, their caches, then the venv layer.

Called from `build.py` after the Python layer. Tools are layers of their own (build-only,
cached), so the launch image gets the dependencies and none of what installed them. A tool
layer a previous build made and this one does not need (uv after switching back to pip) is
removed, so it is neither kept in the cache nor seen by later buildpacks. uv (its static
binary) serves both `BP_PYTHON_INSTALLER=uv` and uv.lock apps, which get no pip layer; pip
installs pip apps' dependencies, and Pipenv and Poetry, each in a venv of its own
(`layers/tool_venv.py`).
"""

from __future__ import annotations

import time

from cnb_python.cnb.context import BuildContext
from cnb_python.cnb.layers import remove_layer
from cnb_python.decide import BuildDecisions
from cnb_python.layers import pip as pip_layer
from cnb_python.layers import pip_cache, tool_venv, uv_cache, venv
from cnb_python.layers import uv as uv_layer
from cnb_python.layers.python import InstalledPython
from cnb_python.managers.base import Tool
from cnb_python.output import Output
from cnb_python.sbom import write_venv_sbom

# Tool layer -> its cache layers, for clean-up of layers this build does not use.
TOOL_LAYERS: dict[str, tuple[str, ...]] = {
    pip_layer.LAYER_NAME: (),  # the pip cache stays: it holds the index settings' key
    uv_layer.LAYER_NAME: (uv_cache.LAYER_NAME,),
    "pipenv": (),
    "poetry": (pip_cache.POETRY_CACHE.name,),
}


def install(
    ctx: BuildContext,
    decided: BuildDecisions,
    runtime: InstalledPython,
    env: dict[str, str],
    output: Output,
) -> None:
    """Install the manager's tools and the app's dependencies; update `env` for later steps
    (the venv's `bin` first on PATH, VIRTUAL_ENV)."""
    output.header("Installing dependencies")
    started = time.monotonic()
    manager, pins = decided.manager, decided.tools
    needed = manager.tools()
    tools: dict[str, Tool] = {}
    pip_cache_dir = pip_cache.pip_cache(ctx, output)
    if "pip" in needed:
        tools["pip"] = pip_layer.install_pip(
            ctx, runtime, pins["pip"], env, output, cache_dir=pip_cache_dir
        )
    if "uv" in needed:
        uv_cache_dir = uv_cache.uv_cache(ctx, output)
        tools["uv"] = uv_layer.install_uv(
            ctx, runtime, pins["uv"], env=env, output=output, cache_dir=uv_cache_dir,
            pip_cache_dir=pip_cache_dir,
        )  # fmt: skip
    if "pipenv" in needed:
        pipenv_env = {
            **tools["pip"].env,
            "PIPENV_VERBOSITY": "-1",
            "PIPENV_NOSPIN": "1",
            "PIPENV_YES": "1",
            # Its messages are wrapped at 80 columns when the output is not a terminal.
            "COLUMNS": "200",
        }
        tools["pipenv"] = tool_venv.install_tool(
            ctx, runtime, pins["pipenv"], tools["pip"], env, output=output, tool_env=pipenv_env
        )
    if "poetry" in needed:
        poetry_cache = pip_cache.open_cache(ctx, pip_cache.POETRY_CACHE, output)
        poetry_env = {
            "POETRY_CACHE_DIR": str(poetry_cache),
            # Poetry installs into the venv VIRTUAL_ENV names, never a venv of its own.
            "POETRY_VIRTUALENVS_CREATE": "false",
            "POETRY_NO_INTERACTION": "1",
            # No keyring prompt or desktop service in a build container.
            "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
        }
        tools["poetry"] = tool_venv.install_tool(
            ctx, runtime, pins["poetry"], tools["pip"], env, output=output, tool_env=poetry_env
        )
    for tool, caches in TOOL_LAYERS.items():
        if tool not in needed:
            remove_layer(ctx.layers_dir, tool)
            for cache in caches:
                remove_layer(ctx.layers_dir, cache)
    venv.install_venv(
        ctx,
        runtime,
        manager,
        decided.key_inputs,
        tools,
        env=env,
        output=output,
        settings_key=pip_cache.settings_key(pip_cache_dir),
    )
    # The standard library compiled while the tools and dependencies installed: done before
    # anything runs the app's code (collectstatic, hooks).
    runtime.finish(output)
    write_venv_sbom(ctx.layers_dir, venv.LAYER_NAME)
    output.step(f"Dependencies ready in {time.monotonic() - started:.1f}s")
