"""The `uv` layer: uv from its wheel, for `BP_PYTHON_INSTALLER=uv` and uv.lock apps (build
only, cached).

The wheel carries a static binary. It is installed straight from the wheel
(`cnb_python.tool_wheels`: verified against the sha256 its pin lists, laid out as `pip install
--prefix <layer>` would), which puts it in `<layer>/bin/uv` (on PATH for later buildpacks);
only when the buildpack cannot tell which file pip would take does pip install it (the
runtime's bundled one, `layers.pip.install_with_bundled_pip`), with the same hashes required;
a uv build has no pip layer. Coming from the package index, it needs no download host of its
own and follows the user's index and proxy settings. The key is uv's version and the platform
the wheel was picked for (arch and distro); the Python that unpacked it does not matter to a
static binary.

uv runs with `UV_PYTHON_DOWNLOADS=never` and `UV_NO_MANAGED_PYTHON=1`: it must use the venv's
interpreter, never fetch one of its own.
"""

from __future__ import annotations

from pathlib import Path

from cnb_python import tool_wheels
from cnb_python.cnb.context import BuildContext
from cnb_python.cnb.env import apply_layer_for_build
from cnb_python.cnb.layers import LayerMetadata, LayerTypes
from cnb_python.download import RetryPolicy
from cnb_python.errors import ToolInstallFailed
from cnb_python.layers import pip as pip_layer
from cnb_python.layers.declared import CachedLayerDecl
from cnb_python.layers.python import InstalledPython
from cnb_python.layers.reuse import reuse_or_install
from cnb_python.layers.target_key import target_reasons
from cnb_python.limits import INSTALL_TIMEOUT
from cnb_python.managers.base import Tool
from cnb_python.output import Output
from cnb_python.pins import Pin
from cnb_python.proc import isolated_env

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
    *,
    env: dict[str, str],
    output: Output,
    cache_dir: Path,
    pip_cache_dir: Path,
) -> Tool:
    """Reuse or install the uv layer; update `env`; return the tool. `pip_cache_dir`: for
    the bundled pip, should it be needed."""
    version = pin.version
    target = ctx.target
    new = UvLayerMetadata(
        layer_version=LAYER_VERSION,
        uv_version=version,
        arch=target.arch,
        distro_name=target.distro_name,
        distro_version=target.distro_version,
    )
    run_env = {**isolated_env(env), **pip_layer.tool_env(pip_cache_dir)}

    def install(layer_dir: Path) -> None:
        tool_wheels.install_pinned(
            pin, tool_wheels.Scheme(layer_dir, runtime.series), runtime.python, run_env,
            output, policy=RetryPolicy.from_env(ctx.platform_env),
            with_pip=lambda: pip_layer.install_with_bundled_pip(
                runtime, pin, layer_dir, run_env, output,
                timeout=float(INSTALL_TIMEOUT.read(ctx.platform_env)),
            ),
        )  # fmt: skip
        if not (layer_dir / "bin" / "uv").is_file():
            raise ToolInstallFailed("uv", pin.version, 0, "The uv wheel installed no bin/uv.")

    path = reuse_or_install(
        ctx.layers_dir, LAYER, new, what=f"uv {version}", install=install, output=output
    )
    apply_layer_for_build(env, path)
    tool_env = {
        "UV_CACHE_DIR": str(cache_dir),
        "UV_PYTHON_DOWNLOADS": "never",
        "UV_NO_MANAGED_PYTHON": "1",
        "UV_NO_PROGRESS": "1",
    }
    return Tool("uv", version, (str(path / "bin" / "uv"),), tool_env)
