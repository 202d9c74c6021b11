"""One `cnb-python package` run: sources, runtime, vendor, offline extras, normalise, archive.

The tree is assembled in a scratch directory beside the output and moved into place only when
complete, so an interrupted run never leaves something that looks like a buildpack.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from cnb_python import __version__, offline
from cnb_python.catalog.loader import load_catalog
from cnb_python.catalog.models import Catalog, version_key
from cnb_python.errors.packaging import PackageOutputNotEmpty
from cnb_python.output import Output
from cnb_python.package import fetch, tree

# The checkout (or installed tree) this module belongs to.
SOURCE = Path(__file__).resolve().parents[2]
DEFAULT_BOOTSTRAP_SERIES = "3.13"
# Installed alone: one wheel serves every series.
OFFLINE_TOOLS = ("pip", "uv")
# Installed with their dependencies into a venv of the app's Python: a closure per series.
OFFLINE_CLOSURE_TOOLS = ("pipenv", "poetry")


@dataclass(frozen=True)
class PackageRequest:
    arch: str
    out: Path
    bootstrap_series: str = DEFAULT_BOOTSTRAP_SERIES
    fmt: str = "dir"
    offline: bool = False
    # Offline runtimes; empty: every stack's default series for the arch.
    series: tuple[str, ...] = ()
    source: Path = SOURCE


def package_name(arch: str, offline: bool) -> str:
    return f"cnb-python-{__version__}-{arch}{'-offline' if offline else ''}"


def build_package(request: PackageRequest, env: Mapping[str, str], output: Output) -> Path:
    """Write the package; return the directory, or the `.tgz` for `--format tgz`."""
    out = request.out.absolute()
    if out.exists() and any(out.iterdir()):
        raise PackageOutputNotEmpty(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    catalog = load_catalog(env)
    bootstrap = fetch.newest_artifact(
        catalog, request.bootstrap_series, request.arch, "the buildpack's own interpreter"
    )
    with tempfile.TemporaryDirectory(prefix=".cnb-python-package-", dir=out.parent) as scratch:
        staging = Path(scratch) / "buildpack"
        staging.mkdir()
        output.header(f"Packaging cnb-python {__version__} for {request.arch}")
        tree.copy_sources(request.source, staging)
        fetch.install_runtime(bootstrap, staging / "runtime", env, output)
        fetch.vendor(
            fetch.runtime_requirements(request.source),
            staging / "vendor",
            request.arch,
            bootstrap.series,
            env=env,
            output=output,
        )
        if request.offline:
            _add_offline(request, catalog, staging, env, output)
        tree.remove_junk(staging)
        tree.normalise(staging, tree.epoch(env))
        out.mkdir(exist_ok=True)
        if request.fmt == "tgz":
            archive = out / f"{package_name(request.arch, request.offline)}.tgz"
            tree.write_tgz(staging, archive, tree.epoch(env))
            output.step(f"Wrote {archive}")
            return archive
        for child in sorted(staging.iterdir()):
            shutil.move(str(child), out / child.name)
        tree.normalise(out, tree.epoch(env))
    output.step(f"Wrote {out}")
    return out


def _add_offline(
    request: PackageRequest,
    catalog: Catalog,
    staging: Path,
    env: Mapping[str, str],
    output: Output,
) -> None:
    series: Sequence[str] = request.series or fetch.default_series(catalog, request.arch)
    dependencies = staging / offline.DEPENDENCIES_DIR
    wheels = dependencies / offline.WHEELS_DIR
    runtimes = fetch.offline_runtimes(
        catalog, series, request.arch, dependencies, env=env, output=output
    )
    pins = [_pin(request.source / "requirements" / f"{tool}.txt") for tool in OFFLINE_TOOLS]
    fetch.offline_wheels(
        pins, wheels, request.arch, request.bootstrap_series, env=env, output=output
    )
    closure_pins = [
        _pin(request.source / "requirements" / f"{tool}.txt") for tool in OFFLINE_CLOSURE_TOOLS
    ]
    for item in sorted({artifact.series for artifact in runtimes}, key=version_key):
        fetch.offline_closure(closure_pins, wheels, request.arch, item, env=env, output=output)
        offline.write_closures(item, closure_pins, staging)


def _pin(path: Path) -> str:
    """The `tool==X.Y.Z` line of a tool pin file (the build reads the same file)."""
    for line in path.read_text(encoding="utf-8").splitlines():
        requirement = line.split("#", 1)[0].strip()
        if "==" in requirement:
            return requirement
    msg = f"{path} has no `tool==X.Y.Z` line"
    raise ValueError(msg)
