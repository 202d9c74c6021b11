"""`cnb-python package`: the packaged buildpack runs with no usable Python on PATH, holds exactly
its parts, is reproducible, and its offline edition builds with the runtime host unreachable.

Packages are made with an operator catalog of this machine's interpreter (a runtime archive as
in the runtime tests); vendoring fetches our dependencies from the package index (PyPI through
the machine's proxy). Each package is made once per worker process.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from cnb_python.cnb import tomlio
from cnb_python.dev.targets import host_target
from tests.support.cyclonedx import schema_errors
from tests.support.devbuild import CLI, FIXTURES, tls_env, write_catalog
from tests.support.httpserver import FaultyServer
from tests.support.runtimes import RuntimeArchives

pytestmark = pytest.mark.network

ARCH = host_target().arch
PACKAGE_ENTRIES = {
    "bin",
    "buildpack.toml",
    "cnb_python",
    "package.toml",
    "requirements",
    "runtime",
    "vendor",
}


@dataclass(frozen=True)
class Packaged:
    path: Path
    catalog: Path
    series: str
    log: str


def _cli(*args: str, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
        check=False,
    )


def _package(out: Path, catalog: Path, series: str, *extra: str) -> Packaged:
    env = {**os.environ, "BP_PYTHON_CATALOG": str(catalog), "NO_COLOR": "1"}
    env.pop("SOURCE_DATE_EPOCH", None)
    done = _cli(
        "package", "--arch", ARCH, "--out", str(out), "--bootstrap-series", series, *extra,
        env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout
    return Packaged(out, catalog, series, done.stdout)


@pytest.fixture(scope="module")
def runtime_catalog(
    runtime_archives: RuntimeArchives, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    return write_catalog(
        runtime_archives, [None], tmp_path_factory.mktemp("package-catalog") / "catalog.toml"
    )


@pytest.fixture(scope="module")
def packaged(
    runtime_archives: RuntimeArchives,
    runtime_catalog: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Packaged:
    out = tmp_path_factory.mktemp("packaged") / "buildpack"
    return _package(out, runtime_catalog, runtime_archives.default.series)


@pytest.fixture(scope="module")
def bare_path(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A PATH whose python3 (the system's, if any) cannot import our dependencies."""
    directory = tmp_path_factory.mktemp("bare-bin")
    system = Path("/usr/bin/python3")
    if system.exists():
        (directory / "python3").symlink_to(system)
        check = subprocess.run(
            [str(system), "-c", "import pydantic"], capture_output=True, check=False
        )
        if check.returncode == 0:
            pytest.skip("this machine's /usr/bin/python3 has pydantic: not a bare PATH")
    return f"{directory}:/usr/bin:/bin"


def _tree(root: Path) -> Iterator[str]:
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        info = path.lstat()
        if path.is_symlink():
            yield f"{relative} -> {path.readlink()} {info.st_mtime_ns}"
        elif path.is_dir():
            yield f"{relative}/ {oct(info.st_mode)} {info.st_mtime_ns}"
        else:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            yield f"{relative} {oct(info.st_mode)} {info.st_mtime_ns} {digest}"


def tree_hash(root: Path) -> str:
    return hashlib.sha256("\n".join(_tree(root)).encode()).hexdigest()


def _build(
    app: Path, work: Path, buildpack: Path, catalog: Path, path: str
) -> subprocess.CompletedProcess[str]:
    argv = [
        "dev", "build", str(app), "--work", str(work), "--buildpack", str(buildpack),
        "--target", f"linux/{ARCH}:ubuntu@24.04", "--env", f"BP_PYTHON_CATALOG={catalog}",
    ]  # fmt: skip
    for name, value in tls_env().items():
        argv += ["--env", f"{name}={value}"]
    env = {**os.environ, "PATH": path, "NO_COLOR": "1"}
    return _cli(*argv, env=env)


def _copy_app(tmp_path: Path, name: str) -> Path:
    app = tmp_path / "app"
    shutil.copytree(FIXTURES / name, app)
    return app


def _sbom(work: Path, layer: str) -> dict[str, object]:
    text = (work / "image" / "sbom" / f"{layer}.sbom.cdx.json").read_text()
    assert schema_errors(text) == ""
    data: dict[str, object] = json.loads(text)
    return data


def _purls(sbom: dict[str, object]) -> set[str]:
    components = sbom["components"]
    assert isinstance(components, list)
    return {component["purl"] for component in components}


def test_package_holds_exactly_the_buildpack_its_runtime_and_vendored_dependencies(
    packaged: Packaged,
) -> None:
    root = packaged.path
    assert {path.name for path in root.iterdir()} == PACKAGE_ENTRIES
    assert (root / "package.toml").read_text() == '[buildpack]\nuri = "."\n'
    assert sorted(path.name for path in (root / "bin").iterdir()) == [
        "_boot.py", "_phase.sh", "build", "detect",
    ]  # fmt: skip
    assert (root / "requirements" / "pip.txt").is_file()
    descriptor = tomlio.load(root / "buildpack.toml")
    assert descriptor["buildpack"]["sbom-formats"] == ["application/vnd.cyclonedx+json"]
    assert (root / "runtime" / "bin" / "python3").exists()
    vendored = {path.name.split("-")[0] for path in (root / "vendor").glob("*.dist-info")}
    assert {"pydantic", "pydantic_core", "requests", "packaging", "zstandard"} <= vendored
    machine = {"amd64": "x86_64", "arm64": "aarch64"}[ARCH]
    assert any(machine in path.name for path in (root / "vendor" / "pydantic_core").glob("*.so"))
    junk = [
        path
        for path in root.rglob("*")
        if path.name in ("__pycache__", "tests", ".pytest_cache") or path.suffix == ".pyc"
    ]
    assert junk == []
    assert not (root / "vendor" / "bin").exists()
    assert "Bundling Python" in packaged.log
    assert "Vendoring the buildpack's dependencies" in packaged.log


def test_package_is_reproducible(packaged: Packaged, tmp_path: Path) -> None:
    again = _package(tmp_path / "again", packaged.catalog, packaged.series)
    assert tree_hash(again.path) == tree_hash(packaged.path)
    mtimes = {path.lstat().st_mtime for path in packaged.path.rglob("*")}
    assert mtimes == {315532801}


def test_packaged_buildpack_detects_builds_and_launches_without_a_usable_python(
    packaged: Packaged, bare_path: str, tmp_path: Path
) -> None:
    app = _copy_app(tmp_path, "pip_basic")
    work = tmp_path / "work"

    done = _build(app, work, packaged.path, packaged.catalog, bare_path)

    assert done.returncode == 0, done.stdout
    assert "cnb-python/python@0.1.0 passed" in done.stdout
    assert "Successfully installed idna-3.10 six-1.17.0" in done.stdout
    run = _cli(
        "dev", "run", str(app), "--work", str(work), "--",
        "python", "-c", "import idna, six, sys; print(sys.prefix, idna.__name__, six.__name__)",
        env={**os.environ, "NO_COLOR": "1"},
    )  # fmt: skip
    assert run.returncode == 0, run.stdout
    assert "venv idna six" in run.stdout
    assert str(packaged.path) not in run.stdout
    python_sbom = _sbom(work, "python")
    assert any(
        purl.startswith(f"pkg:generic/cpython@{packaged.series}.") for purl in _purls(python_sbom)
    )
    assert {"pkg:pypi/idna@3.10", "pkg:pypi/six@1.17.0"} <= _purls(_sbom(work, "venv"))

    # A rebuild reuses the python layer; its restored SBOM still names the runtime.
    again = _build(app, work, packaged.path, packaged.catalog, bare_path)
    assert again.returncode == 0, again.stdout
    assert _purls(_sbom(work, "python")) == _purls(python_sbom)
    assert {"pkg:pypi/idna@3.10", "pkg:pypi/six@1.17.0"} <= _purls(_sbom(work, "venv"))


def test_offline_edition_builds_with_the_runtime_host_unreachable(
    runtime_archives: RuntimeArchives, bare_path: str, tmp_path: Path
) -> None:
    archive = runtime_archives.get()
    served = tmp_path / "served"
    served.mkdir()
    shutil.copyfile(archive.path, served / archive.path.name)
    catalog = write_catalog(runtime_archives, [None], tmp_path / "catalog.toml")
    data = tomlio.load(catalog)
    with FaultyServer(served) as server:
        for artifact in data["artifacts"]:
            artifact["url"] = server.url(archive.path.name)
        tomlio.write_atomic(catalog, data)
        offline = _package(
            tmp_path / "offline", catalog, archive.series, "--offline", "--series", archive.series
        )
        assert server.count(f"/{archive.path.name}") >= 1
    # The server is gone: its port is closed, like an air-gapped network's.
    dependencies = offline.path / "dependencies"
    assert (dependencies / archive.sha256 / archive.path.name).is_file()
    wheels = sorted(path.name for path in (dependencies / "wheels").iterdir())
    assert [name.split("-")[0] for name in wheels] == ["pip", "uv"]

    app = _copy_app(tmp_path, "pip_basic")
    work = tmp_path / "work"
    done = _build(app, work, offline.path, catalog, bare_path)

    assert done.returncode == 0, done.stdout
    assert "carried by the buildpack (offline)" in done.stdout
    assert "Downloading Python" not in done.stdout
    assert f"--no-index --find-links {dependencies / 'wheels'}" in done.stdout
    assert _sbom(work, "python")["components"]


def test_package_refuses_a_non_empty_output_directory(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "old").write_text("")
    done = _cli("package", "--arch", ARCH, "--out", str(out), env={**os.environ, "NO_COLOR": "1"})
    assert done.returncode == 1
    assert f"ERROR: The output directory '{out}' is not empty" in done.stdout
    assert (out / "old").exists()
