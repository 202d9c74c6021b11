"""The decision phase of a build: everything the build will do, decided before it does any of it.

`decide` reads the app and the settings and returns one frozen `BuildDecisions`; every
refusal a user can cause (a bad setting, a Python version the catalog lacks, a missing `-r`
include, a malformed Procfile, a tool that cannot serve the app's Python series) is raised
while making it, so a mistake costs seconds and leaves no layer changed and nothing
downloaded. The one input it may fetch is an operator's remote catalog (`BP_PYTHON_CATALOG`),
without which nothing can be decided. The acting phase (`build.act`) only uses the value.

What is *not* decided here is what can only be known after installing: whether Django is in
the venv (collectstatic needs both `manage.py` and Django) and the inferred `web` process.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cnb_python import checks, django, hooks, limits, managers, pins, processes
from cnb_python.cnb.context import BuildContext
from cnb_python.cnb.launch import Process
from cnb_python.layers import python as python_layer
from cnb_python.managers.base import KeyInputs, PackageManager, requested_groups
from cnb_python.output import Output
from cnb_python.pins import Pin
from cnb_python.resolve import Resolution, load_catalog, resolve_python


@dataclass(frozen=True, kw_only=True)
class BuildDecisions:
    """What this build installs and how the app starts, as far as it can be known up front."""

    resolution: Resolution  # the Python, its archive, and why that version
    manager: PackageManager  # with its installer and groups
    key_inputs: KeyInputs  # the manager's files (requirements includes followed) and settings
    tools: Mapping[str, Pin]  # each packaging tool's pin for this series, in install order
    procfile: tuple[Process, ...] | None  # None: no Procfile, infer `web` after the install
    hooks: frozenset[hooks.HookName]  # the app's bin/ hooks present
    collectstatic: bool  # False when DISABLE_COLLECTSTATIC turns it off
    groups: tuple[str, ...]  # BP_PYTHON_GROUPS (for uv, Poetry and Pipenv apps)
    app_file_limit: int  # the largest app file read, in bytes

    @property
    def installer(self) -> str:
        """pip, or uv for BP_PYTHON_INSTALLER=uv (the manager's own tool for locked apps)."""
        return self.manager.installer


def decide(ctx: BuildContext, env: Mapping[str, str], output: Output) -> BuildDecisions:
    """Make every decision of the build, logging them; raise the first refusal."""
    app_file_limit = limits.MAX_APP_FILE_MIB.read(ctx.platform_env) * limits.MIB
    # A venv committed with the app (or one bin/pre_compile made) is refused, or kept on request.
    for kept in checks.check_app_source(ctx.app_dir, ctx.platform_env):
        output.warn(kept)
    procfile = processes.read_procfile(ctx.app_dir, max_bytes=app_file_limit)

    output.header("Determining the Python version")
    catalog = load_catalog(ctx.platform_env, env)
    previous_series = python_layer.read_previous_series(ctx.layers_dir)
    resolution = resolve_python(ctx.app_dir, ctx.platform_env, ctx.target, catalog, previous_series)
    if resolution.stack_note:
        output.step(resolution.stack_note)
    output.step(resolution.summary())
    for warning in resolution.warnings:
        output.warn(warning)
    manager = managers.choose(ctx.app_dir, ctx.platform_env, output, resolution.version)
    tools = {tool: pins.pin_for(tool, resolution.version) for tool in manager.tools()}

    return BuildDecisions(
        resolution=resolution,
        manager=manager,
        key_inputs=manager.key_inputs(env),
        tools=tools,
        procfile=procfile,
        hooks=frozenset(name for name in hooks.HOOKS if hooks.present(ctx.app_dir, name)),
        collectstatic=not django.collectstatic_disabled(ctx.platform_env, env),
        groups=requested_groups(ctx.platform_env),
        app_file_limit=app_file_limit,
    )
