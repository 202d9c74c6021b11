"""The `pipenv` and `poetry` layers: a Python packaging tool in a venv of its own (cache only).

Pipenv and Poetry are Python programs with dependencies of their own, so each gets a venv made
by the runtime (`python -m venv --without-pip <layer>`) that the pip tool fills with the pinned
version (`cnb_python/pins/<tool>.txt`, per series): from the offline edition's wheels when it
carries the tool's closure for the app's series (`cnb_python.offline`), else from the package
index. The layer is neither launched nor on later buildpacks' PATH: the tool's own `bin/python`
must never shadow the app's venv, and the launch image must not hold the tool. The tool runs by
its absolute path, and targets the app's venv through `VIRTUAL_ENV` (set in the build env by the
venv layer).

The key is the tool's version, the interpreter its venv links to (version and archive sha256)
and the target.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from pathlib import Path

from cnb_python import proc, trust
from cnb_python.cnb.context import BuildContext
from cnb_python.cnb.layers import LayerMetadata, LayerTypes
from cnb_python.errors import CommandFailed, ToolInstallFailed
from cnb_python.layers.declared import CachedLayerDecl
from cnb_python.layers.python import InstalledPython
from cnb_python.layers.reuse import reuse_or_install
from cnb_python.layers.target_key import runtime_reasons, target_reasons
from cnb_python.layers.venv import create_venv
from cnb_python.limits import INSTALL_TIMEOUT
from cnb_python.managers.base import Tool, install_limit
from cnb_python.offline import wheel_source_args
from cnb_python.output import Output
from cnb_python.pins import Pin

LAYER_VERSION = "1"
TYPES = LayerTypes(cache=True)
TOOLS = ("pipenv", "poetry")


class ToolLayerMetadata(LayerMetadata):
    layer_version: str
    tool_version: str
    python_version: str
    artifact_sha256: str
    arch: str
    distro_name: str
    distro_version: str


def invalidation_reasons(tool: str, cached: ToolLayerMetadata, new: ToolLayerMetadata) -> list[str]:
    reasons = []
    if cached.layer_version != new.layer_version:
        reasons.append(f"the buildpack now lays out the {tool} layer differently")
    if cached.tool_version != new.tool_version:
        reasons.append(
            f"the {tool} version changed from {cached.tool_version} to {new.tool_version}"
        )
    reasons.extend(runtime_reasons(cached, new))
    reasons.extend(target_reasons(cached, new))
    return reasons


def _declare(tool: str) -> CachedLayerDecl[ToolLayerMetadata]:
    return CachedLayerDecl(
        name=tool,
        types=TYPES,
        model=ToolLayerMetadata,
        invalidation_reasons=partial(invalidation_reasons, tool),
        complete=lambda path, _: (path / "bin" / tool).is_file(),
    )


LAYERS = {tool: _declare(tool) for tool in TOOLS}


def install_tool(
    ctx: BuildContext,
    runtime: InstalledPython,
    pin: Pin,
    pip: Tool,
    env: Mapping[str, str],
    *,
    output: Output,
    tool_env: Mapping[str, str],
) -> Tool:
    """Reuse or install the layer of `tool` (pipenv or poetry); return the tool, which runs
    with `tool_env` on top of the build env."""
    tool, version = pin.name, pin.version
    new = ToolLayerMetadata(
        layer_version=LAYER_VERSION,
        tool_version=version,
        python_version=runtime.version,
        artifact_sha256=runtime.artifact_sha256,
        arch=runtime.arch,
        distro_name=ctx.target.distro_name,
        distro_version=ctx.target.distro_version,
    )
    path = reuse_or_install(
        ctx.layers_dir,
        LAYERS[tool],
        new,
        what=f"{tool} {version}",
        install=lambda path: _install(
            runtime,
            path,
            tool=tool,
            version=version,
            pip=pip,
            env=env,
            output=output,
            timeout=float(INSTALL_TIMEOUT.read(ctx.platform_env)),
        ),
        output=output,
    )
    return Tool(tool, version, (str(path / "bin" / tool),), dict(tool_env))


def _install(
    runtime: InstalledPython,
    layer_dir: Path,
    *,
    tool: str,
    version: str,
    pip: Tool,
    env: Mapping[str, str],
    output: Output,
    timeout: float,
) -> None:
    create_venv(runtime, layer_dir, env, tool)
    carried = wheel_source_args(tool, version, series=runtime.series)
    try:
        argv = pip.command(
            "--python", layer_dir / "bin" / "python", "install", "--no-input", "--quiet",
            "--no-warn-script-location", f"{tool}=={version}", *carried,
        )  # fmt: skip
        shown = ("pip", "install", f"{tool}=={version}")
        with install_limit(shown):
            proc.run(argv, env=pip.run_env(env), output=output, shown=shown, timeout=timeout)
    except CommandFailed as error:
        failed = trust.tool_install_failed(
            tool, version, error.returncode, env, carried=bool(carried)
        )
        raise failed from None
    if not (layer_dir / "bin" / tool).is_file():
        raise ToolInstallFailed(tool, version, 0, f"The {tool} package installed no bin/{tool}.")
