"""The `uv` layer: uv from its wheel, for `BP_PYTHON_INSTALLER=uv` and uv.lock apps (build
only, cached).

The wheel carries a static binary. It is installed straight from the wheel
(`cnb_python.tool_wheels`: verified against the sha256 its pin lists, laid out as `pip install
--prefix <layer>` would), which puts it in `<layer>/bin/uv` (on PATH for later buildpacks);
only when the buildpack cannot tell which file pip would take does the tool pip install it,
with the same hashes required. Coming from the package index, it needs no download host of its
own and follows the user's index and proxy settings. The key is uv's version and the platform
the wheel was picked for (arch and distro); the Python that unpacked it does not matter to a
static binary.

uv runs with `UV_PYTHON_DOWNLOADS=never` and `UV_NO_MANAGED_PYTHON=1`: it must use the venv's
interpreter, never fetch one of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from cnb_python import proc, tool_wheels, trust
from cnb_python.cnb.context import BuildContext
from cnb_python.cnb.env import apply_layer_for_build
from cnb_python.cnb.layers import LayerMetadata, LayerTypes
from cnb_python.download import RetryPolicy
from cnb_python.errors import CommandFailed, ToolInstallFailed
from cnb_python.layers.declared import CachedLayerDecl
from cnb_python.layers.python import InstalledPython
from cnb_python.layers.reuse import reuse_or_install
from cnb_python.layers.target_key import target_reasons
from cnb_python.managers.base import Tool
from cnb_python.offline import wheel_source_args
from cnb_python.output import Output
from cnb_python.pins import Pin

LAYER_NAME = "uv"
LAYER_VERSION = "1"
TYPES = LayerTypes(build=True, cache=True)


class UvLayerMetadata(LayerMetadata):
    layer_version: str
    uv_version: str
    arch: str
    distro_name: str
    distro_version: str


def invalidation_reasons(cached: UvLayerMetadata, new: UvLayerMetadata) -> list[str]:
    reasons = []
    if cached.layer_version != new.layer_version:
        reasons.append("the buildpack now lays out the uv layer differently")
    if cached.uv_version != new.uv_version:
        reasons.append(f"the uv version changed from {cached.uv_version} to {new.uv_version}")
    reasons.extend(target_reasons(cached, new))
    return reasons


LAYER = CachedLayerDecl(
    name=LAYER_NAME,
    types=TYPES,
    model=UvLayerMetadata,
    invalidation_reasons=invalidation_reasons,
    complete=lambda path, _: (path / "bin" / "uv").is_file(),
)


def install_uv(
    ctx: BuildContext,
    runtime: InstalledPython,
    pin: Pin,
    pip: Tool,
    *,
    env: dict[str, str],
    output: Output,
    cache_dir: Path,
) -> Tool:
    """Reuse or install the uv layer; update `env`; return the tool."""
    version = pin.version
    target = ctx.target
    new = UvLayerMetadata(
        layer_version=LAYER_VERSION,
        uv_version=version,
        arch=target.arch,
        distro_name=target.distro_name,
        distro_version=target.distro_version,
    )
    path = reuse_or_install(
        ctx.layers_dir,
        LAYER,
        new,
        what=f"uv {version}",
        install=lambda path: _install(
            runtime,
            pin,
            pip,
            path,
            env=pip.run_env(env),
            output=output,
            policy=RetryPolicy.from_env(ctx.platform_env),
        ),
        output=output,
    )
    apply_layer_for_build(env, path)
    tool_env = {
        "UV_CACHE_DIR": str(cache_dir),
        "UV_PYTHON_DOWNLOADS": "never",
        "UV_NO_MANAGED_PYTHON": "1",
        "UV_NO_PROGRESS": "1",
    }
    return Tool("uv", version, (str(path / "bin" / "uv"),), tool_env)


def _install(
    runtime: InstalledPython,
    pin: Pin,
    pip: Tool,
    layer_dir: Path,
    *,
    env: Mapping[str, str],
    output: Output,
    policy: RetryPolicy,
) -> None:
    tool_wheels.install_pinned(
        pin, tool_wheels.Scheme(layer_dir, runtime.series), runtime.python, env, output,
        policy=policy, with_pip=lambda: _install_with_pip(pip, layer_dir, pin, env, output),
    )  # fmt: skip
    if not (layer_dir / "bin" / "uv").is_file():
        raise ToolInstallFailed("uv", pin.version, 0, "The uv wheel installed no bin/uv.")


def _install_with_pip(
    pip: Tool, layer_dir: Path, pin: Pin, env: Mapping[str, str], output: Output
) -> None:
    carried = wheel_source_args("uv", pin.version)
    argv = pip.command(
        "install", "--prefix", layer_dir, "--no-deps", "--no-input", "--quiet",
        "--no-warn-script-location", "-r", "/dev/stdin", *carried,
    )  # fmt: skip
    try:
        proc.run(
            argv,
            env=env,
            output=output,
            shown=("pip", "install", pin.requirement),
            stdin=pin.requirement_line + "\n",
        )
    except CommandFailed as error:
        failed = trust.tool_install_failed(
            "uv", pin.version, error.returncode, env, carried=bool(carried)
        )
        raise failed from None
