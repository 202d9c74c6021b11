"""Fixtures of the real-lifecycle tier: the tools, the users, a packaged buildpack, a stack.

Made once per test worker: the runtime archive of this machine's CPython, served over loopback
HTTP with a catalog naming it (as an operator's mirror would), and our buildpack packaged with
`cnb-python package` from that catalog, so the package carries it and builds need no
`BP_PYTHON_CATALOG`. Buildpacks are installed into a `/cnb/buildpacks` tree owned by root and
read-only, as in a builder image.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cnb_python.cnb import tomlio
from cnb_python.dev.targets import host_target
from tests.support import differential, oci
from tests.support.devbuild import CLI, FIXTURES, tls_env, write_catalog
from tests.support.docs import documented
from tests.support.httpserver import FaultyServer
from tests.support.lifecycle import (
    Build,
    BuildpackRef,
    Platform,
    Stack,
    Tools,
    install_buildpack,
)
from tests.support.runtimes import RuntimeArchives
from tests.support.users import (
    BUILD_USER,
    RUN_USER,
    User,
    ensure_user,
    group_lines,
    passwd_lines,
    reachable_dir,
)

pytestmark = pytest.mark.network

ARCH = host_target().arch
TEST_BUILDPACKS = Path(__file__).parents[1] / "fixtures" / "buildpacks"
USES_CPYTHON = "uses_cpython"
PYTHON_ID = "cnb-python/python"
PYTHON_ESCAPED = PYTHON_ID.replace("/", "_")


@pytest.fixture(scope="session")
def tools() -> Tools:
    return Tools.required()


@dataclass(frozen=True)
class Users:
    build: User
    run: User


@pytest.fixture(scope="session")
def users(tools: Tools) -> Users:
    return Users(ensure_user(BUILD_USER), ensure_user(RUN_USER))


@pytest.fixture(scope="session")
def runtime_server(
    runtime_archives: RuntimeArchives, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FaultyServer]:
    served = tmp_path_factory.mktemp("lifecycle-runtimes")
    with FaultyServer(served) as server:
        yield server


@dataclass(frozen=True)
class Packaged:
    """Our buildpack, packaged, and the catalog it carries (the one it was packaged with)."""

    path: Path
    catalog_url: str
    catalog: dict[str, Any]


def _serve_catalog(archives: RuntimeArchives, server: FaultyServer) -> str:
    """Every runtime of this machine in one catalog, served with the archives; the default
    series is the running interpreter's."""
    versions = [None, *(v for v in archives.versions() if v != archives.default.version)]
    path = write_catalog(archives, versions, server.root / "catalog.toml")
    data: dict[str, Any] = tomlio.load(path)
    for artifact in data["artifacts"]:
        source = Path(artifact["url"].removeprefix("file://"))
        target = server.root / source.name
        if not target.exists():
            target.hardlink_to(source)
        artifact["url"] = server.url(source.name)
    tomlio.write_atomic(path, data)
    return server.url("catalog.toml")


@pytest.fixture(scope="session")
def packaged(
    tools: Tools,
    runtime_archives: RuntimeArchives,
    runtime_server: FaultyServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> Packaged:
    catalog_url = _serve_catalog(runtime_archives, runtime_server)
    out = tmp_path_factory.mktemp("lifecycle-package") / "buildpack"
    env = {**os.environ, "BP_PYTHON_CATALOG": catalog_url, "NO_COLOR": "1"}
    done = subprocess.run(
        [*CLI, "package", "--arch", ARCH, "--out", str(out),
         "--bootstrap-series", runtime_archives.default.series],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout
    return Packaged(out, catalog_url, tomlio.load(runtime_server.root / "catalog.toml"))


@dataclass(frozen=True)
class Buildpacks:
    """A `/cnb/buildpacks` tree: ours and the test buildpacks, installed read-only."""

    root: Path
    python: BuildpackRef
    uses_cpython: BuildpackRef
    procfile: BuildpackRef  # the stand-in for Paketo's Procfile buildpack


@pytest.fixture(scope="session")
def buildpacks(packaged: Packaged) -> Iterator[Buildpacks]:
    # Reachable by other users: `cnb-python dev` builds with the same tree as its build user.
    with reachable_dir("buildpacks") as root:
        python = install_buildpack(packaged.path, root)
        uses = install_buildpack(TEST_BUILDPACKS / USES_CPYTHON, root)
        procfile = install_buildpack(TEST_BUILDPACKS / "procfile", root)
        yield Buildpacks(root, python, uses, procfile)


def stack_files(users: Users, os_release: str | None) -> tuple[oci.File, ...]:
    """The run image's own files: its users, a writable /tmp, the run user's home, and (for a
    labelled stack) an /etc/os-release that agrees with the labels."""
    run = users.run
    files = [
        oci.File("etc", None, 0o755),
        oci.File("etc/passwd", passwd_lines(users.build, users.run).encode()),
        oci.File("etc/group", group_lines(users.build, users.run).encode()),
        oci.File("tmp", None, 0o1777),
        oci.File("home", None, 0o755),
        oci.File(f"home/{run.name}", None, 0o755, run.uid, run.gid),
    ]
    if os_release is not None:
        files.append(oci.File("etc/os-release", os_release.encode()))
    return tuple(files)


def labelled_stack(users: Users, distro: tuple[str, str] | None) -> Stack:
    """A stack whose run image carries `distro` as its labels and os-release (None: an
    unlabelled image without an os-release)."""
    release = f'ID={distro[0]}\nVERSION_ID="{distro[1]}"\n' if distro else None
    image = oci.RunImage(
        arch=ARCH, user=users.run.ids, distro=distro, files=stack_files(users, release)
    )
    return Stack(users.build, image)


def ubuntu_stack(users: Users, version: str = "24.04") -> Stack:
    return labelled_stack(users, ("ubuntu", version))


PlatformFactory = Callable[..., Platform]


@pytest.fixture
def lifecycle_platform(
    tools: Tools, buildpacks: Buildpacks, users: Users, tmp_path: Path
) -> PlatformFactory:
    """`lifecycle_platform()`: a platform for one app with our buildpack alone on ubuntu
    24.04; `group=`, `order=` (`[[order]]` tables), `stack=` and `buildpacks=` (a
    `/cnb/buildpacks` tree) change that."""
    count = 0
    installed = buildpacks

    def make(
        *,
        group: Sequence[BuildpackRef] | None = None,
        order: Sequence[dict[str, Any]] | None = None,
        stack: Stack | None = None,
        buildpacks: Path | None = None,
    ) -> Platform:
        nonlocal count
        count += 1
        return Platform(
            tmp_path / f"platform{count}",
            tools,
            buildpacks or installed.root,
            group or (installed.python,),
            stack or ubuntu_stack(users),
            order=order,
        )

    return make


@pytest.fixture
def platform_env() -> dict[str, str]:
    """The platform env of every build: this machine's CA settings, as a user behind a
    TLS-intercepting proxy passes them (`pack build --env`)."""
    return tls_env()


def fixture_app(name: str) -> Path:
    return FIXTURES / name


@dataclass(frozen=True)
class DevResult:
    returncode: int
    log: str
    work: Path


class DevBuilder:
    """Builds of one app with `cnb-python dev` and the same package the lifecycle runs."""

    def __init__(self, buildpack: Path, work: Path) -> None:
        self.buildpack = buildpack
        self.work = work

    def build(
        self,
        app: Path,
        *,
        env: dict[str, str],
        platform_api: str = "0.15",
        distro: str = "ubuntu@24.04",
        stack: str | None = None,
        clear_cache: bool = False,
        no_previous_image: bool = False,
    ) -> DevResult:
        argv = [
            *CLI, "dev", "build", str(app), "--buildpack", str(self.buildpack),
            "--work", str(self.work), "--platform-api", platform_api,
        ]  # fmt: skip
        # Below Platform API 0.12 the target is the build container's, as in the lifecycle.
        argv += ["--target", f"linux/{ARCH}:{distro}"] if platform_api != "0.9" else []
        argv += ["--stack", stack] if stack else []
        argv += ["--clear-cache"] if clear_cache else []
        argv += ["--no-previous-image"] if no_previous_image else []
        for name, value in env.items():
            argv += ["--env", f"{name}={value}"]
        done = subprocess.run(
            argv, env={**os.environ, "NO_COLOR": "1"}, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, timeout=900, check=False,
        )  # fmt: skip
        return DevResult(done.returncode, done.stdout, self.work)


@pytest.fixture
def dev_builder(buildpacks: Buildpacks, reachable_tmp: Path) -> Callable[[], DevBuilder]:
    """`dev_builder()`: a `cnb-python dev` work dir for one app, with our installed package,
    both reachable by other users, so dev builds as its non-root build user."""
    count = 0

    def make() -> DevBuilder:
        nonlocal count
        count += 1
        work = reachable_tmp / f"dev{count}"
        return DevBuilder(
            buildpacks.root / buildpacks.python.escaped / buildpacks.python.version, work
        )

    return make


def assert_agrees(platform: Platform, build: Build, dev: DevResult) -> None:
    """The lifecycle's and dev's records of the same build are the same (see differential)."""
    assert build.ok, build.output
    assert dev.returncode == 0, dev.log
    assert "Building as root" not in dev.log, dev.log
    real = differential.lifecycle_view(platform, build, PYTHON_ID)
    local = differential.dev_view(dev.work, PYTHON_ID, dev.log)
    problems = differential.differences(real, local)
    assert not problems, "\n".join(problems)


def assert_image_conditions(platform: Platform, build: Build) -> None:
    """What the exporter wrote of our layers and the app: 1980 mtimes, owned by the build
    user, readable (and directories searchable) by any other user, writable by none."""
    user = platform.stack.build_user
    bad = []
    for member in platform.image(build.image).members():
        name = member.name.lstrip("/")
        if not name.startswith((f"layers/{PYTHON_ESCAPED}/", "workspace/")) or member.issym():
            continue
        needed = 0o005 if member.isdir() else 0o004
        if member.mtime != oci.NORMALISED_MTIME:
            bad.append(f"{name}: mtime {member.mtime}")
        if (member.uid, member.gid) != user.ids:
            bad.append(f"{name}: owner {member.uid}:{member.gid}")
        if member.mode & needed != needed or member.mode & 0o002:
            bad.append(f"{name}: mode {member.mode:o}")
    # A timestamp pyc is stale on 1980 mtimes: Python would recompile it at every start.
    layers = platform.rootfs(build.image) / "layers" / PYTHON_ESCAPED
    for pyc in layers.rglob("*.pyc"):
        flags = int.from_bytes(pyc.read_bytes()[4:8], "little")
        if not flags & 1:
            bad.append(f"{pyc.relative_to(layers)}: a timestamp pyc")
    assert not bad, "\n".join(bad[:50])


def http_get(port: int, path: str, log: Path, timeout: float = 60) -> str:
    """GET http://127.0.0.1:PORT/PATH once the server answers; the server's log on failure."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
                return str(response.read().decode())
        except OSError as error:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"no answer on port {port}: {error}\n{log.read_text()}"
                ) from None
            time.sleep(0.2)


def run_documented(
    name: str, cwd: Path, tools: Tools, catalog: str, *, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run the shell block of docs/operators.md marked `name` verbatim with bash in `cwd`,
    with `pack` and `cnb-python` on PATH and `catalog` as BP_PYTHON_CATALOG (as an operator
    behind a mirror would package); with `check`, a failing line fails the test."""
    assert tools.pack is not None, "pack is not installed: run scripts/install-lifecycle"
    path = f"{tools.pack.parent}:{Path(sys.executable).parent}:{os.environ['PATH']}"
    done = subprocess.run(
        ["bash", "-c", f"set -euxo pipefail\n{documented(name)}"],
        cwd=cwd,
        env={**os.environ, "PATH": path, "BP_PYTHON_CATALOG": catalog, "NO_COLOR": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0 or not check, done.stdout
    return done
