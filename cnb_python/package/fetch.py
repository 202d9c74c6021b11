"""What a package carries besides our sources: interpreters and wheels.

Interpreters come from the catalog the build would use (`BP_PYTHON_CATALOG`, with
`BP_PYTHON_MIRROR` applied), through the build's own downloader, so they are sha256-checked
the same way. Wheels come from the package index through pip, for the target's interpreter
and arch rather than the machine running the packager (`--platform`, `--python-version`,
`--only-binary :all:`): a package for arm64 can be made on amd64.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from cnb_python import proc
from cnb_python.archive import extract
from cnb_python.catalog.models import Artifact, Catalog, url_file_name, version_key
from cnb_python.cnb import tomlio
from cnb_python.download import download
from cnb_python.errors import CommandFailed
from cnb_python.errors.packaging import PackageRuntimeMissing, PackageVendorFailed
from cnb_python.output import Output
from cnb_python.resolve import MIRROR, mirrored_url

MACHINES = {"amd64": "x86_64", "arm64": "aarch64"}
# python-build-standalone needs glibc 2.17, so wheels must not need a newer one; pip expands
# each manylinux tag to the older ones as well.
MANYLINUX = ("manylinux_2_17_{machine}", "manylinux2014_{machine}")


def platform_args(arch: str, series: str) -> list[str]:
    machine = MACHINES[arch]
    args = [
        "--only-binary",
        ":all:",
        "--implementation",
        "cp",
        "--python-version",
        series,
    ]
    for tag in MANYLINUX:
        args += ["--platform", tag.format(machine=machine)]
    return args


def newest_artifact(catalog: Catalog, series: str, arch: str, purpose: str) -> Artifact:
    found = [a for a in catalog.artifacts if a.arch == arch and a.series == series]
    if not found:
        offered = sorted({a.series for a in catalog.artifacts if a.arch == arch}, key=version_key)
        raise PackageRuntimeMissing(purpose, series, arch, tuple(offered))
    return max(found, key=lambda artifact: version_key(artifact.version))


def default_series(catalog: Catalog, arch: str) -> list[str]:
    """Every stack's default series for `arch`: what an app that asks for nothing gets."""
    defaults = {stack.default for stack in catalog.stacks if arch in stack.archs}
    return sorted(defaults, key=version_key)


def fetch_artifact(
    artifact: Artifact, dest_dir: Path, env: Mapping[str, str], output: Output
) -> Path:
    url = mirrored_url(artifact.url, env.get(MIRROR, "").strip())
    fetched = download(
        url, dest_dir / url_file_name(artifact.url), sha256=artifact.sha256, env=env, output=output
    )
    return fetched.path


def install_runtime(
    artifact: Artifact, runtime: Path, env: Mapping[str, str], output: Output
) -> None:
    """The bootstrap interpreter, extracted into `runtime/` (bin/python3 must exist)."""
    output.step(f"Bundling Python {artifact.version} ({artifact.arch}) as the buildpack's runtime")
    with tempfile.TemporaryDirectory(prefix="cnb-python-package-") as scratch:
        archive = fetch_artifact(artifact, Path(scratch), env, output)
        extract(
            archive,
            runtime,
            fmt=artifact.archive_format,
            strip_components=artifact.strip_components,
        )
    python3 = runtime / "bin" / "python3"
    if not python3.exists():
        python3.symlink_to(f"python{artifact.series}")
    # CPython's own test suite is never imported by the buildpack.
    shutil.rmtree(runtime / "lib" / f"python{artifact.series}" / "test", ignore_errors=True)


def runtime_requirements(source: Path) -> list[str]:
    """Our runtime dependencies, as pyproject.toml declares them (markers included)."""
    project = tomlio.load(source / "pyproject.toml")["project"]
    return [str(item) for item in project["dependencies"]]


def _pip(argv: Sequence[str], what: str, env: Mapping[str, str], output: Output) -> None:
    try:
        proc.run([sys.executable, "-m", "pip", *argv], env=env, capture=True)
    except CommandFailed as error:
        raise PackageVendorFailed(what, error.returncode, error.output) from None
    output.detail(f"Fetched {what}")


def pip_env(env: Mapping[str, str]) -> dict[str, str]:
    return {
        **env,
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_NO_INPUT": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def vendor(
    requirements: Sequence[str],
    vendor_dir: Path,
    arch: str,
    series: str,
    *,
    env: Mapping[str, str],
    output: Output,
) -> None:
    """Install `requirements` for exactly that interpreter and arch into `vendor_dir`."""
    output.step(f"Vendoring the buildpack's dependencies for Python {series} ({arch})")
    argv = [
        "install", "--target", str(vendor_dir), "--no-compile",
        *platform_args(arch, series), *requirements,
    ]  # fmt: skip
    _pip(argv, "the buildpack's dependencies", pip_env(env), output)
    # Console scripts name the packager's interpreter; the buildpack never runs them.
    shutil.rmtree(vendor_dir / "bin", ignore_errors=True)


def offline_runtimes(
    catalog: Catalog,
    series: Sequence[str],
    arch: str,
    dependencies: Path,
    *,
    env: Mapping[str, str],
    output: Output,
) -> list[Artifact]:
    """`dependencies/<sha256>/<file>` for the newest patch of each series."""
    chosen = [newest_artifact(catalog, item, arch, "offline edition") for item in series]
    for artifact in chosen:
        output.step(f"Adding Python {artifact.version} ({arch}) for offline builds")
        fetch_artifact(artifact, dependencies / artifact.sha256.lower(), env, output)
    return chosen


def offline_wheels(
    pins: Sequence[str],
    wheels_dir: Path,
    arch: str,
    series: str,
    *,
    closure: bool,
    env: Mapping[str, str],
    output: Output,
) -> None:
    """Wheels of the tools the build installs, for `series` and `arch`, so it needs no index.
    `pins`: requirement lines (`Pin.requirement_line`, hashes included where the pin has them).

    `closure`: with every dependency (Pipenv, Poetry, installed into a venv of the app's
    Python), else the tool's own wheel (pip, uv, installed alone). Everything goes to the one
    `wheels_dir`: pip skips a file that is already there, so pure and abi3 wheels fetched for an
    earlier series are stored once.
    """
    what = ", ".join(line.split()[0] for line in pins)
    if closure:
        output.step(f"Adding {what} and their dependencies for Python {series} ({arch})")
        what = f"{what} for Python {series}"
    else:
        output.step(f"Adding {what} for offline builds")
    # The pins as a requirements file: a line with `--hash` options (pip's and uv's) puts pip
    # in hash-checking mode, so the package carries only the files the pins list, which is
    # all the build accepts (`cnb_python.tool_wheels`).
    with tempfile.TemporaryDirectory(prefix="cnb-python-pins-") as scratch:
        requirements = Path(scratch) / "requirements.txt"
        requirements.write_text("".join(f"{line}\n" for line in pins), encoding="utf-8")
        argv = [
            "download", *([] if closure else ["--no-deps"]), "--dest", str(wheels_dir),
            *platform_args(arch, series), "--requirement", str(requirements),
        ]  # fmt: skip
        _pip(argv, what, pip_env(env), output)
