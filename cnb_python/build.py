"""Build: the table of contents of a Python app's build.

Every check that can refuse the build (forbidden env vars, the Python version the app asks for)
runs before the first download or layer change, so a mistake costs seconds, not a full build.
Each step lives in its own module; this one only orders them and owns the in-process `env`
that each new layer updates (the lifecycle does not apply our own layers to our own build).
"""

from __future__ import annotations

from cnb_python import (
    checks,
    dependencies,
    django,
    hooks,
    limits,
    managers,
    processes,
    procfile_checks,
    trust,
    web_concurrency,
)
from cnb_python.cnb.context import BuildContext
from cnb_python.cnb.launch import Launch
from cnb_python.cnb.layers import remove_layers_except, remove_stale_temporaries
from cnb_python.layers import python as python_layer
from cnb_python.layers import venv as venv_layer
from cnb_python.layers.registry import KNOWN_LAYER_NAMES
from cnb_python.output import Output
from cnb_python.resolve import load_catalog, resolve_python

STALE_LAYER_REASON = "this version of the buildpack does not use it (another version made it)"


def build(ctx: BuildContext, env: dict[str, str], output: Output) -> None:
    # Layers another release left under names this one never writes. Safe before the checks:
    # the lifecycle drops them after this build whatever it does (cnb.layers docstring).
    for name in remove_layers_except(ctx.layers_dir, KNOWN_LAYER_NAMES):
        output.discarding(f"layer {name}", [STALE_LAYER_REASON])
    # What a killed build left half-written beside the layers; never read, so no log line.
    remove_stale_temporaries(ctx.layers_dir)
    for env_warning in checks.check_environment(ctx.platform_env, env):
        output.warning(env_warning.title, env_warning.lines)
    limits.check_settings(ctx.platform_env)
    # One CA bundle for every tool we run, or the one a CA setting names (refused if missing).
    env.update(trust.tool_settings(trust.read_trust(env), env))
    app_file_limit = limits.MAX_APP_FILE_MIB.read(ctx.platform_env) * limits.MIB
    hooks.run_hook(ctx, "pre_compile", env, output)
    # After the hook, which may be what made it: a committed venv is refused before any download.
    for notice in checks.check_app_source(ctx.app_dir, ctx.platform_env):
        output.warning(notice.title, notice.lines)
    # A mistake in the Procfile is refused now, not after the install (processes.from_app).
    processes.read_procfile(ctx.app_dir, max_bytes=app_file_limit)

    output.header("Determining the Python version")
    catalog = load_catalog(ctx.platform_env, env)
    previous_series = python_layer.read_previous_series(ctx.layers_dir)
    resolution = resolve_python(ctx.app_dir, ctx.platform_env, ctx.target, catalog, previous_series)
    if resolution.stack_note:
        output.step(resolution.stack_note)
    output.step(resolution.summary())
    for warning in resolution.warnings:
        output.warning(warning.title, warning.lines)
    manager = managers.choose(ctx.app_dir, ctx.platform_env, output, resolution.version)

    output.header("Installing Python")
    python_layer.install_python(ctx, resolution, env, output, download_env=env)
    dependencies.install(ctx, resolution, manager, env, output)
    django.collectstatic(ctx, env, output)
    hooks.run_hook(ctx, "post_compile", env, output)

    output.header("Configuring how the app starts")
    web_concurrency.write_layer(ctx.layers_dir)
    launch = Launch(
        processes=processes.from_app(ctx.app_dir, env, output, max_bytes=app_file_limit)
    )
    launch.write(ctx.layers_dir)
    at_launch = (venv_layer.LAYER_NAME, python_layer.LAYER_NAME)
    for notice in procfile_checks.for_app(
        ctx.app_dir, env, ctx.layers_dir, at_launch, max_bytes=app_file_limit
    ):
        output.warning(notice.title, notice.lines)
