"""Build: the table of contents of a Python app's build.

Every check that can refuse the build (forbidden env vars, the Python version the app asks for)
runs before the first download or layer change, so a mistake costs seconds, not a full build.
Each step lives in its own module; this one only orders them and owns the in-process `env`
that each new layer updates (the lifecycle does not apply our own layers to our own build).
"""

from __future__ import annotations

from cnb_python import checks, processes
from cnb_python.cnb.context import BuildContext
from cnb_python.cnb.launch import Launch
from cnb_python.layers import python as python_layer
from cnb_python.output import Output
from cnb_python.resolve import load_catalog, resolve_python


def build(ctx: BuildContext, env: dict[str, str], output: Output) -> None:
    for env_warning in checks.check_environment(ctx.platform_env, env):
        output.warning(env_warning.title, env_warning.lines)

    output.header("Determining the Python version")
    catalog = load_catalog(ctx.platform_env)
    previous_series = python_layer.read_previous_series(ctx.layers_dir)
    resolution = resolve_python(ctx.app_dir, ctx.platform_env, ctx.target, catalog, previous_series)
    output.step(resolution.summary())
    for warning in resolution.warnings:
        output.warning(warning.title, warning.lines)

    output.header("Installing Python")
    python_layer.install_python(ctx, resolution, env, output, download_env=env)

    output.header("Configuring how the app starts")
    launch = Launch(processes=processes.from_app(ctx.app_dir, output))
    launch.write(ctx.layers_dir)
