"""One `cnb-python package` run: per arch sources, runtime, vendor and offline extras; then
normalise and archive.

The tree is assembled in a scratch directory beside the output and moved into place only when
complete, so an interrupted run never leaves something that looks like a buildpack.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from cnb_python import __version__, offline, pins
from cnb_python.catalog.loader import (
    BUILTIN_NAME,
    CATALOG_SETTING,
    builtin_catalog,
    parse_text,
    read_location,
)
from cnb_python.catalog.models import Artifact, Catalog, version_key
from cnb_python.errors.packaging import PackageMultiArchArchive, PackageOutputNotEmpty
from cnb_python.output import Output
from cnb_python.package import bytecode, descriptor, fetch, tree

# The checkout (or installed tree) this module belongs to.
SOURCE = Path(__file__).resolve().parents[2]


def default_source() -> Path | None:
    """The checkout this cnb-python runs from, None for an installed one (site-packages holds
    no buildpack.toml or bin/)."""
    return SOURCE if (SOURCE / "buildpack.toml").is_file() else None


DEFAULT_BOOTSTRAP_SERIES = "3.13"
CATALOG_HEADER = (
    "# The catalog this buildpack was packaged with (BP_PYTHON_CATALOG at `cnb-python package`\n"
    "# time). Builds use it unless BP_PYTHON_CATALOG names another.\n"
)
# Installed alone: one wheel serves every series.
OFFLINE_TOOLS = ("pip", "uv")
# Installed with their dependencies into a venv of the app's Python: a closure per series.
OFFLINE_CLOSURE_TOOLS = ("pipenv", "poetry")


@dataclass(frozen=True)
class PackageRequest:
    # One arch: a buildpack tree. Several: pack's multi-arch layout (`linux/<arch>/` trees).
    arches: tuple[str, ...]
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
    if request.fmt == "tgz" and len(request.arches) > 1:
        raise PackageMultiArchArchive(request.arches)
    out.parent.mkdir(parents=True, exist_ok=True)
    catalog = _package_catalog(env)
    bootstraps = {
        arch: fetch.newest_artifact(
            catalog.catalog, request.bootstrap_series, arch, "the buildpack's own interpreter"
        )
        for arch in request.arches
    }
    mtime = tree.epoch(env)
    with tempfile.TemporaryDirectory(prefix=".cnb-python-package-", dir=out.parent) as scratch:
        staging = Path(scratch) / "buildpack"
        staging.mkdir()
        if len(request.arches) == 1:
            _arch_tree(
                request, catalog, bootstraps[request.arches[0]], staging, env=env, output=output
            )
        else:
            _multi_arch_tree(request, catalog, bootstraps, staging, env=env, output=output)
        if catalog.text is not None:
            output.step(f"The package's catalog is the one {CATALOG_SETTING} names")
        tree.normalise(staging, mtime)
        out.mkdir(exist_ok=True)
        if request.fmt == "tgz":
            archive = out / f"{package_name(request.arches[0], request.offline)}.tgz"
            tree.write_tgz(staging, archive, mtime)
            output.step(f"Wrote {archive}")
            return archive
        for child in sorted(staging.iterdir()):
            shutil.move(str(child), out / child.name)
        tree.normalise(out, mtime)
    output.step(f"Wrote {out}")
    return out


def _arch_tree(
    request: PackageRequest,
    catalog: PackageCatalog,
    bootstrap: Artifact,
    staging: Path,
    *,
    env: Mapping[str, str],
    output: Output,
) -> None:
    """One arch's complete buildpack in `staging`."""
    arch = bootstrap.arch
    output.header(f"Packaging cnb-python {__version__} for {arch}")
    tree.copy_sources(request.source, staging)
    descriptor.write(request.source, staging, (arch,))
    if catalog.text is not None:
        builtin = staging / "cnb_python" / "catalog" / BUILTIN_NAME
        builtin.write_text(CATALOG_HEADER + catalog.text, encoding="utf-8")
    fetch.install_runtime(bootstrap, staging / "runtime", env, output)
    fetch.vendor(
        fetch.runtime_requirements(request.source),
        staging / "vendor",
        arch,
        bootstrap.series,
        env=env,
        output=output,
    )
    if request.offline:
        _add_offline(request, arch, catalog.catalog, staging, env=env, output=output)
    # Per tree: the junk rules name paths relative to a buildpack's root (runtime/, vendor/).
    tree.remove_junk(staging)
    bytecode.compile_package(staging, bootstrap.series, env, output)


def _multi_arch_tree(
    request: PackageRequest,
    catalog: PackageCatalog,
    bootstraps: Mapping[str, Artifact],
    staging: Path,
    *,
    env: Mapping[str, str],
    output: Output,
) -> None:
    """pack's layout for a multi-arch package: the descriptor (every arch) and package.toml at
    the root, and each arch's buildpack in `linux/<arch>/`, which pack uses for that target.

    The arch trees have no descriptor or package.toml of their own: pack copies the root's
    descriptor into each while it builds that arch's image, then deletes it (pack
    `buildpack.CopyConfigFiles`), so one of ours would be overwritten, then gone."""
    for arch in request.arches:
        arch_dir = staging / "linux" / arch
        arch_dir.mkdir(parents=True)
        _arch_tree(request, catalog, bootstraps[arch], arch_dir, env=env, output=output)
        (arch_dir / descriptor.NAME).unlink()
        (arch_dir / "package.toml").unlink()
    descriptor.write(request.source, staging, request.arches)
    (staging / "package.toml").write_text(tree.PACKAGE_TOML, encoding="utf-8")


@dataclass(frozen=True)
class PackageCatalog:
    """The catalog a package is made from, and its text when an operator named it.

    An operator catalog becomes the package's built-in one (`_arch_tree` writes it over
    `cnb_python/catalog/catalog.toml`): the package's `runtime/` and offline `dependencies/`
    come from it, and an offline runtime is found by the sha256 the catalog names, so a package
    that went back to our built-in catalog would download, from the public host, what it
    carries. Builds may still name another catalog with `BP_PYTHON_CATALOG`.
    """

    catalog: Catalog
    text: str | None


def _package_catalog(env: Mapping[str, str]) -> PackageCatalog:
    location = env.get(CATALOG_SETTING, "").strip()
    if not location:
        return PackageCatalog(builtin_catalog(), None)
    text = read_location(location)
    return PackageCatalog(parse_text(text, location), text)


def _add_offline(
    request: PackageRequest,
    arch: str,
    catalog: Catalog,
    staging: Path,
    *,
    env: Mapping[str, str],
    output: Output,
) -> None:
    series: Sequence[str] = request.series or fetch.default_series(catalog, arch)
    dependencies = staging / offline.DEPENDENCIES_DIR
    wheels = dependencies / offline.WHEELS_DIR
    runtimes = fetch.offline_runtimes(catalog, series, arch, dependencies, env=env, output=output)
    pins_dir = request.source / "cnb_python" / "pins"
    carried = sorted({artifact.series for artifact in runtimes}, key=version_key)
    # The pins a build reads, per series. pip and uv install alone, so one wheel of a release
    # serves every series that pins it: one download per distinct set of pins, for the first
    # series that needs it (pip refuses two versions of a project in one download).
    alone: dict[tuple[str, ...], str] = {}
    for item in dict.fromkeys((request.bootstrap_series, *carried)):
        wanted = tuple(
            pins.pin_for(tool, item, pins_dir).requirement_line for tool in OFFLINE_TOOLS
        )
        alone.setdefault(wanted, item)
    for wanted, item in alone.items():
        fetch.offline_wheels(wanted, wheels, arch, item, closure=False, env=env, output=output)
    for item in carried:
        closure_pins = [
            pins.pin_for(tool, item, pins_dir).requirement for tool in OFFLINE_CLOSURE_TOOLS
        ]
        fetch.offline_wheels(closure_pins, wheels, arch, item, closure=True, env=env, output=output)
        offline.write_closures(item, closure_pins, staging)
