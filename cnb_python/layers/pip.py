"""The `pip` layer: the pinned pip, for this build and later buildpacks only (never launched).

Only builds that run pip get it: pip apps (unless `BP_PYTHON_INSTALLER=uv`), and Pipenv and
Poetry apps, whose tools pip installs. A uv app (uv.lock, or `BP_PYTHON_INSTALLER=uv`) has no
pip layer: uv comes from its own wheel and does the rest.

pip is installed straight from its wheel (`cnb_python.tool_wheels`): found on the index pip
would use, or carried by the offline edition, verified against the sha256 its pin lists, and
unpacked as `pip install --prefix <layer>` would lay it out. Only when the buildpack cannot tell
which file pip would take (a pip.conf, find-links, an index without sha256) does it run pip for
it, from the runtime's own `ensurepip/_bundled/pip-*.whl` as a zip (`python -I pip-X.whl/pip
install ...`), with the same hashes required. Either way no get-pip script and no pip inside
the runtime are needed.

`--prefix` on POSIX is the very layout of a user install with `PYTHONUSERBASE` at the layer:
later buildpacks get that setting and can `python -m pip`, while the exported venv, which does
not see user site-packages, never contains it. The build itself runs pip by its path, `python
-I <layer>/lib/pythonX.Y/site-packages/pip --python <venv>/bin/python ...` (how pip runs from a
wheel), never `python -m pip`: `-m` would look in the working directory, the app's, first, and
an app file named `pip.py` would run instead.

The key is pip's version and the interpreter it was installed for (version and archive
sha256, whose pycs it holds) and the arch.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from cnb_python import proc, tool_wheels, trust
from cnb_python.cnb.context import BuildContext
from cnb_python.cnb.env import LayerEnv, Scope, apply_layer_for_build
from cnb_python.cnb.layers import LayerMetadata, LayerTypes
from cnb_python.download import RetryPolicy
from cnb_python.errors import BundledPipMissing, CommandFailed
from cnb_python.layers import bytecode
from cnb_python.layers.declared import CachedLayerDecl
from cnb_python.layers.python import InstalledPython
from cnb_python.layers.reuse import reuse_or_install
from cnb_python.layers.target_key import arch_reasons, runtime_reasons
from cnb_python.limits import INSTALL_TIMEOUT
from cnb_python.managers.base import Tool, install_limit
from cnb_python.offline import wheel_source_args
from cnb_python.output import Output
from cnb_python.pins import Pin

LAYER_NAME = "pip"
# 2: unchecked-hash pycs compiled in parallel (`layers.bytecode`), not pip's serial ones.
LAYER_VERSION = "2"
TYPES = LayerTypes(build=True, cache=True)
_WHEEL_VERSION = re.compile(r"^pip-(\d+(?:\.\d+)*)-")


class PipLayerMetadata(LayerMetadata):
    layer_version: str
    pip_version: str
    python_version: str
    artifact_sha256: str
    arch: str


def invalidation_reasons(cached: PipLayerMetadata, new: PipLayerMetadata) -> list[str]:
    reasons = []
    if cached.layer_version != new.layer_version:
        reasons.append("the buildpack now lays out the pip layer differently")
    if cached.pip_version != new.pip_version:
        reasons.append(f"the pip version changed from {cached.pip_version} to {new.pip_version}")
    reasons.extend(runtime_reasons(cached, new))
    reasons.extend(arch_reasons(cached, new))
    return reasons


def _series(python_version: str) -> str:
    return ".".join(python_version.split(".")[:2])


LAYER = CachedLayerDecl(
    name=LAYER_NAME,
    types=TYPES,
    model=PipLayerMetadata,
    invalidation_reasons=invalidation_reasons,
    complete=lambda path, key: (site_packages(path, _series(key.python_version)) / "pip").is_dir(),
)


def bundled_pip_wheel(python_dir: Path, series: str) -> Path:
    """The newest `pip-*.whl` ensurepip bundles (3.9.0 ships two)."""
    bundled = python_dir / "lib" / f"python{series}" / "ensurepip" / "_bundled"
    wheels = []
    for wheel in bundled.glob("pip-*.whl"):
        match = _WHEEL_VERSION.match(wheel.name)
        if match:
            wheels.append((tuple(int(part) for part in match.group(1).split(".")), wheel))
    if not wheels:
        raise BundledPipMissing(series, str(bundled))
    return max(wheels)[1]


def site_packages(layer_dir: Path, series: str) -> Path:
    return tool_wheels.Scheme(layer_dir, series).site_packages


def tool_env(cache_dir: Path) -> dict[str, str]:
    """What every run of pip for the build gets: its cache, and no version nag."""
    return {
        "PIP_CACHE_DIR": str(cache_dir),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        # Build containers may run as root; the venv is ours, the warning is noise.
        "PIP_ROOT_USER_ACTION": "ignore",
    }


def install_pip(
    ctx: BuildContext,
    runtime: InstalledPython,
    pin: Pin,
    env: dict[str, str],
    output: Output,
    *,
    cache_dir: Path,
) -> Tool:
    """Reuse or install the pip layer; update `env` for later steps; return the tool."""
    version = pin.version
    new = PipLayerMetadata(
        layer_version=LAYER_VERSION,
        pip_version=version,
        python_version=runtime.version,
        artifact_sha256=runtime.artifact_sha256,
        arch=runtime.arch,
    )
    python = runtime.python
    pip_env = tool_env(cache_dir)
    timeout = float(INSTALL_TIMEOUT.read(ctx.platform_env))

    def install(layer_dir: Path) -> None:
        scheme = tool_wheels.Scheme(layer_dir, runtime.series)
        run_env = {**env, **pip_env}
        tool_wheels.install_pinned(
            pin, scheme, python, run_env, output, policy=RetryPolicy.from_env(ctx.platform_env),
            with_pip=lambda: install_with_bundled_pip(
                runtime, pin, layer_dir, run_env, output, timeout=timeout
            ),
        )  # fmt: skip
        # Once, on every core, rather than file by file inside pip (a third of its install).
        bytecode.compile_tree(python, [scheme.site_packages], run_env)
        LayerEnv().override("PYTHONUSERBASE", str(layer_dir), scope=Scope.BUILD).default(
            "PIP_DISABLE_PIP_VERSION_CHECK", "1", scope=Scope.BUILD
        ).write(layer_dir)

    path = reuse_or_install(
        ctx.layers_dir,
        LAYER,
        new,
        what=f"pip {version}",
        install=install,
        output=output,
    )
    apply_layer_for_build(env, path)
    pip_dir = site_packages(path, runtime.series) / "pip"
    # -B: pip writes no pycs of the standard library it imports while their unchecked-hash
    # ones may still be compiling (`InstalledPython.finish`): no timestamp pyc for the image's
    # 1980 mtimes to make stale.
    return Tool("pip", version, (str(python), "-I", "-B", str(pip_dir)), pip_env)


def install_with_bundled_pip(
    runtime: InstalledPython,
    pin: Pin,
    prefix: Path,
    env: Mapping[str, str],
    output: Output,
    *,
    timeout: float,
) -> None:
    """Install `pin` (pip or uv, with its hashes required) into `prefix` with the pip the
    runtime bundles for ensurepip, run as a zip (`python -I pip-X.whl/pip install ...`): how
    both tool layers install when the buildpack cannot tell which wheel pip would take, with
    no pip layer needed (a uv app has none)."""
    wheel = bundled_pip_wheel(runtime.python.parent.parent, runtime.series)
    carried = wheel_source_args(pin.name, pin.version)
    # --ignore-installed: a runtime that ships a pip of its own (python-build-standalone
    # does) must not make the layer's pip "already satisfied", leaving the layer empty. The
    # requirement, with its hashes, comes on stdin. Neither tool has dependencies. -B: as for
    # the pip tool (`install_pip`), no timestamp pycs of the standard library.
    args: list[str | Path] = [
        "-B", f"{wheel}/pip", "install", "--prefix", prefix, "--ignore-installed", "--no-deps",
        "--no-input", "--quiet", "--no-warn-script-location", "--disable-pip-version-check",
        "--no-compile", "-r", "/dev/stdin", *carried,
    ]  # fmt: skip
    shown = ("pip", "install", pin.requirement)
    try:
        with install_limit(shown):
            proc.run_python(
                runtime.python,
                args,
                env=env,
                output=output,
                shown=shown,
                stdin=pin.requirement_line + "\n",
                timeout=timeout,
            )
    except CommandFailed as error:
        failed = trust.tool_install_failed(
            pin.name, pin.version, error.returncode, env, carried=bool(carried)
        )
        raise failed from None
