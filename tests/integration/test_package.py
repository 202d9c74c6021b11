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
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from cnb_python.cnb import tomlio
from cnb_python.dev.runtime_archive import RuntimeArchive
from cnb_python.dev.targets import host_target
from cnb_python.pins import pin_for
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
    "runtime",
    "vendor",
}
# Platform env of an air-gapped build: the package index is a closed loopback port, and so is
# any proxy, so whatever reaches for the network fails.
DEBUG = {"BP_LOG_LEVEL": "DEBUG"}
DEAD_NETWORK = {
    "PIP_INDEX_URL": "http://127.0.0.1:9/simple",
    "HTTP_PROXY": "http://127.0.0.1:9",
    "HTTPS_PROXY": "http://127.0.0.1:9",
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
    app: Path,
    work: Path,
    buildpack: Path,
    catalog: Path | None,
    path: str,
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    argv = [
        "dev", "build", str(app), "--work", str(work), "--buildpack", str(buildpack),
        "--target", f"linux/{ARCH}:ubuntu@24.04",
    ]  # fmt: skip
    if catalog is not None:  # None: the catalog the package was made with
        argv += ["--env", f"BP_PYTHON_CATALOG={catalog}"]
    for name, value in {**tls_env(), **(env or {})}.items():
        argv += ["--env", f"{name}={value}"]
    cli_env = {**os.environ, "PATH": path, "NO_COLOR": "1"}
    return _cli(*argv, env=cli_env)


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
    assert (root / "cnb_python" / "pins" / "pip.txt").is_file()
    assert not (root / "requirements").exists()
    descriptor = tomlio.load(root / "buildpack.toml")
    assert descriptor["buildpack"]["sbom-formats"] == ["application/vnd.cyclonedx+json"]
    # Only the arch whose interpreter is in runtime/: pack refuses it on another arch's builder.
    assert [target["arch"] for target in descriptor["targets"]] == [ARCH]
    assert (root / "runtime" / "bin" / "python3").exists()
    # The operator catalog it was made with is the package's own.
    embedded = (root / "cnb_python" / "catalog" / "catalog.toml").read_text()
    assert embedded.startswith("# The catalog this buildpack was packaged with")
    assert embedded.endswith(packaged.catalog.read_text())
    assert "The package's catalog is the one BP_PYTHON_CATALOG names" in packaged.log
    vendored = {path.name.split("-")[0] for path in (root / "vendor").glob("*.dist-info")}
    assert {"pydantic", "pydantic_core", "requests", "packaging", "zstandard"} <= vendored
    machine = {"amd64": "x86_64", "arm64": "aarch64"}[ARCH]
    assert any(machine in path.name for path in (root / "vendor" / "pydantic_core").glob("*.so"))
    junk = [path for path in root.rglob("*") if path.name in ("tests", ".pytest_cache")]
    assert junk == []
    # Bytecode: unchecked-hash (PEP 552 flags 0b01) for every module of ours and the vendored
    # packages, so nothing is compiled when a build starts, whatever the normalised mtimes.
    tag = f"cpython-{packaged.series.replace('.', '')}"
    for source in [*(root / "cnb_python").rglob("*.py"), *(root / "vendor").rglob("*.py")]:
        pyc = source.parent / "__pycache__" / f"{source.stem}.{tag}.pyc"
        assert pyc.is_file(), source
    flags = {int.from_bytes(p.read_bytes()[4:8], "little") for p in root.rglob("*.pyc")}
    assert flags == {1}
    assert "Compiled the buildpack's own modules with Python" in packaged.log
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
    packaged_hash = tree_hash(packaged.path)

    # No BP_PYTHON_CATALOG: the package carries the catalog it was made with.
    done = _build(app, work, packaged.path, None, bare_path)

    assert done.returncode == 0, done.stdout
    version = tomlio.load(packaged.path / "buildpack.toml")["buildpack"]["version"]
    assert f"cnb-python/python@{version} passed" in done.stdout
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
    again = _build(app, work, packaged.path, None, bare_path)
    assert again.returncode == 0, again.stdout
    assert _purls(_sbom(work, "python")) == _purls(python_sbom)
    assert {"pkg:pypi/idna@3.10", "pkg:pypi/six@1.17.0"} <= _purls(_sbom(work, "venv"))
    # The package never writes into itself, even where its directory is writable (here).
    assert tree_hash(packaged.path) == packaged_hash


@dataclass(frozen=True)
class Offline:
    packaged: Packaged
    archive: RuntimeArchive
    again: Path

    @property
    def dependencies(self) -> Path:
        return self.packaged.path / "dependencies"


@pytest.fixture(scope="module")
def offline(runtime_archives: RuntimeArchives, tmp_path_factory: pytest.TempPathFactory) -> Offline:
    """The offline edition for this machine's series only (each series adds its own wheels),
    made while the runtime host is up; the host is gone by the time a test builds with it."""
    base = tmp_path_factory.mktemp("offline")
    archive = runtime_archives.get()
    served = base / "served"
    served.mkdir()
    shutil.copyfile(archive.path, served / archive.path.name)
    catalog = write_catalog(runtime_archives, [None], base / "catalog.toml")
    data = tomlio.load(catalog)
    with FaultyServer(served) as server:
        for artifact in data["artifacts"]:
            artifact["url"] = server.url(archive.path.name)
        tomlio.write_atomic(catalog, data)
        args = ("--offline", "--series", archive.series)
        packaged = _package(base / "offline", catalog, archive.series, *args)
        assert server.count(f"/{archive.path.name}") >= 1
        # A second run with the same inputs, for the reproducibility test.
        again = _package(base / "again", catalog, archive.series, *args)
    # The server is gone: its port is closed, like an air-gapped network's.
    return Offline(packaged, archive, again.path)


def _wheel_names(wheels: Path) -> dict[str, list[str]]:
    """Project name (normalised) -> the wheel files carried for it."""
    names: dict[str, list[str]] = {}
    for path in sorted(wheels.iterdir()):
        project = path.name.split("-")[0].lower().replace("_", "-").replace(".", "-")
        names.setdefault(project, []).append(path.name)
    return names


def test_offline_edition_carries_the_tools_and_the_closure_of_pipenv_and_poetry(
    offline: Offline,
) -> None:
    series = offline.archive.series
    tag = f"cp{series.replace('.', '')}"
    wheels = offline.dependencies / "wheels"
    carried = _wheel_names(wheels)
    assert all(name.endswith(".whl") for names in carried.values() for name in names)
    pins = {tool: pin_for(tool, series).version for tool in ("pip", "uv", "pipenv", "poetry")}
    for tool, version in pins.items():
        assert [name.split("-")[1] for name in carried[tool]] == [version]
    # Poetry's binary dependencies, as wheels for this series (and nothing twice).
    for project in ("rapidfuzz", "msgpack"):
        assert [f"-{tag}-" in name for name in carried[project]] == [True]
    assert {"virtualenv", "cleo", "poetry-core", "dulwich", "keyring"} <= carried.keys()
    closures = offline.dependencies / "closures" / f"{series}.txt"
    assert closures.read_text() == f"pipenv=={pins['pipenv']}\npoetry=={pins['poetry']}\n"
    step = f"Adding pipenv=={pins['pipenv']}, poetry=={pins['poetry']} and their dependencies"
    assert f"{step} for Python {series} ({ARCH})" in offline.packaged.log

    # The closure is complete: pip resolves both tools from these wheels alone, for this series.
    env = {**os.environ, "PIP_CONFIG_FILE": os.devnull}
    env.pop("PIP_FIND_LINKS", None)
    done = subprocess.run(
        [
            sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed",
            "--quiet", "--report", "-", "--no-index", "--find-links", str(wheels),
            "--only-binary", ":all:", "--python-version", series,
            *(f"{tool}=={pins[tool]}" for tool in ("pipenv", "poetry")),
        ],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    installed = {item["metadata"]["name"].lower() for item in json.loads(done.stdout)["install"]}
    assert {"pipenv", "poetry", "rapidfuzz", "msgpack"} <= installed


def test_offline_edition_is_reproducible(offline: Offline) -> None:
    # Runtimes, tool wheels and closure files included; before any build has run from it.
    assert (offline.again / "dependencies" / "closures").is_dir()
    assert tree_hash(offline.again) == tree_hash(offline.packaged.path)


def test_offline_edition_builds_with_the_runtime_host_unreachable(
    offline: Offline, bare_path: str, tmp_path: Path
) -> None:
    app = _copy_app(tmp_path, "pip_basic")
    work = tmp_path / "work"
    done = _build(app, work, offline.packaged.path, None, bare_path, env=DEBUG)

    assert done.returncode == 0, done.stdout
    assert "carried by the buildpack (offline)" in done.stdout
    assert "Downloading Python" not in done.stdout
    pip = pin_for("pip", offline.archive.series).version
    wheel = f"pip-{pip}-py3-none-any.whl"
    assert f"  Installed {wheel} from the buildpack's own copy, sha256 verified" in done.stdout
    assert _sbom(work, "python")["components"]


@pytest.mark.parametrize("tool", ["poetry", "pipenv"])
def test_offline_edition_installs_the_lock_file_tool_with_the_package_index_unreachable(
    offline: Offline, bare_path: str, tmp_path: Path, tool: str
) -> None:
    # The app has no dependencies, so its own install needs no index either.
    app = _copy_app(tmp_path, f"package_offline_{tool}")
    work = tmp_path / "work"
    done = _build(
        app, work, offline.packaged.path, offline.packaged.catalog, bare_path,
        env={**DEAD_NETWORK, **DEBUG},
    )  # fmt: skip

    assert done.returncode == 0, done.stdout
    version = pin_for(tool, offline.archive.series).version
    assert f"Installing {tool} {version}" in done.stdout
    wheels = offline.dependencies / "wheels"
    assert f"{tool}=={version} --no-index --find-links {wheels}" in done.stdout
    assert "Downloading Python" not in done.stdout


def test_package_refuses_a_non_empty_output_directory(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "old").write_text("")
    done = _cli("package", "--arch", ARCH, "--out", str(out), env={**os.environ, "NO_COLOR": "1"})
    assert done.returncode == 1
    assert f"ERROR: The output directory '{out}' is not empty" in done.stdout
    assert (out / "old").exists()


def test_package_refuses_an_empty_operator_catalog(tmp_path: Path) -> None:
    # Named but empty is a mistake, never a silent fall back to the built-in catalog.
    catalog = tmp_path / "catalog.toml"
    catalog.write_text("")
    out = tmp_path / "out"
    env = {**os.environ, "NO_COLOR": "1", "BP_PYTHON_CATALOG": str(catalog)}
    done = _cli("package", "--arch", ARCH, "--out", str(out), env=env)
    assert done.returncode == 1
    assert "ERROR: The Python version catalog is invalid" in done.stdout
    assert f"Catalog: '{catalog}'" in done.stdout
    assert "Traceback" not in done.stdout
    assert not out.exists()
