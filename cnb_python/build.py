"""Build: the table of contents of a Python app's build, in two phases.

1. `decide` (`decide.py`) reads the app and the settings and returns one frozen
   `BuildDecisions`: the Python, the package manager and its key inputs, the tool pins, the
   Procfile, the hooks, collectstatic. Every refusal a user can cause happens there, before the
   first download or layer change, so a mistake costs seconds.
2. `act` installs and configures, using only those decisions (and what installing reveals:
   whether Django is in the venv, the `web` process to infer).

Before both come the housekeeping that is safe whatever the build does (layers another
release left, half-written temporaries), the checks of the build env and the limits, and the
app's own `bin/pre_compile`, which may write the files the decisions read (as on Heroku).
Each step lives in its own module; this one only orders them and owns the in-process `env`
that each new layer updates (the lifecycle does not apply our own layers to our own build).
`effects` replaces the subprocess runner and the downloader (`effects.py`): unit tests run a
whole build in-process with recorders.
"""

from __future__ import annotations

from cnb_python import (
    checks,
    dependencies,
    django,
    effects,
    hooks,
    limits,
    processes,
    procfile_checks,
    trust,
    web_concurrency,
)
from cnb_python.cnb.context import BuildContext
from cnb_python.cnb.launch import Launch
from cnb_python.cnb.layers import remove_layers_except, remove_stale_temporaries
from cnb_python.decide import BuildDecisions, decide
from cnb_python.layers import python as python_layer
from cnb_python.layers import venv as venv_layer
from cnb_python.layers.registry import KNOWN_LAYER_NAMES
from cnb_python.output import Output

STALE_LAYER_REASON = "this version of the buildpack does not use it (another version made it)"


def build(
    ctx: BuildContext,
    env: dict[str, str],
    output: Output,
    *,
    effects_: effects.Effects | None = None,
) -> None:
    with effects.using(effects_):
        # Layers another release left under names this one never writes. Safe before the
        # checks: the lifecycle drops them after this build whatever it does (cnb.layers).
        for name in remove_layers_except(ctx.layers_dir, KNOWN_LAYER_NAMES):
            output.discarding(f"layer {name}", [STALE_LAYER_REASON])
        # What a killed build left half-written beside the layers; never read, so no log line.
        remove_stale_temporaries(ctx.layers_dir)
        for env_warning in checks.check_environment(ctx.platform_env, env):
            output.warn(env_warning)
        limits.check_settings(ctx.platform_env)
        # One CA bundle for every tool we run, or the one a CA setting names (refused if
        # missing, before anything runs): the env every later step, hooks included, sees.
        env.update(trust.tool_settings(trust.read_trust(env), env))
        hooks.run_hook(ctx, "pre_compile", env, output)
        decided = decide(ctx, env, output)
        act(ctx, decided, env, output)


def act(ctx: BuildContext, decided: BuildDecisions, env: dict[str, str], output: Output) -> None:
    output.header("Installing Python")
    runtime = python_layer.install_python(ctx, decided.resolution, env, output, download_env=env)
    dependencies.install(ctx, decided, runtime, env, output)
    django.collectstatic(ctx, env, output, enabled=decided.collectstatic)
    hooks.run_hook(ctx, "post_compile", env, output)

    output.header("Configuring how the app starts")
    web_concurrency.write_layer(ctx.layers_dir)
    declared = decided.procfile
    if "post_compile" in decided.hooks:
        # bin/post_compile may have written or changed the Procfile: read it again.
        declared = processes.read_procfile(ctx.app_dir, max_bytes=decided.app_file_limit)
    launch = Launch(processes=processes.launch_processes(ctx.app_dir, env, output, declared))
    launch.write(ctx.layers_dir)
    # Mistakes that would only show when the app starts: a misspelt `web`, a missing program.
    at_launch = (venv_layer.LAYER_NAME, python_layer.LAYER_NAME)
    for warning in procfile_checks.for_app(
        ctx.app_dir, env, ctx.layers_dir, at_launch, max_bytes=decided.app_file_limit
    ):
        output.warn(warning)
