"""The Python runtime layer end to end: `cnb-python dev build` runs the real `bin/detect` and
`bin/build` against operator catalogs of archives made from this machine's interpreters,
served over loopback by a server that counts requests and injects faults.

Retries: nothing shortens the build's RetryPolicy from outside its process, so fault tests keep
the pauses short with what a server may legitimately say: `Retry-After: 0` ("retry now").
Without it the default backoff (1 s, 2 s, ...) applies, so a test that exhausts retries on
connection errors (no Retry-After) would sleep 15 s; exhaustion is tested with 503s instead.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from cnb_python.cnb import tomlio
from cnb_python.dev.runtime_archive import Layout, RuntimeArchive
from cnb_python.dev.targets import host_target
from tests.support.bare_build import LifecycleDirs
from tests.support.catalogs import Entry, StackSpec, write_catalog
from tests.support.httpserver import FaultyServer, Stall, Status, Truncate
from tests.support.runtimes import RuntimeArchives

CLI = [sys.executable, "-c", "import sys; from cnb_python.cli import main; sys.exit(main())"]
HOST_ARCH = host_target().arch
OTHER_ARCH = "arm64" if HOST_ARCH == "amd64" else "amd64"
DISTRO = "ubuntu@22.04"
STACK = StackSpec("test-22")
NOW = {"Retry-After": "0"}


@dataclass(frozen=True)
class Result:
    code: int
    log: str  # stdout and stderr, as the lifecycle merges them


@dataclass
class Project:
    """One app, its dev-platform work directory, and the server its catalogs point at."""

    root: Path
    server: FaultyServer
    catalogs: int = field(default=0)

    def __post_init__(self) -> None:
        self.app.mkdir()
        (self.app / "app.py").write_text("print('hello')\n")
        # A build needs a package manager file; an empty requirements.txt installs nothing.
        (self.app / "requirements.txt").write_text("")

    @property
    def app(self) -> Path:
        return self.root / "app"

    @property
    def work(self) -> Path:
        return self.root / "work"

    @property
    def layers(self) -> Path:
        return self.work / "layers" / "cnb-python_python"

    def serve(self, archive: RuntimeArchive) -> str:
        """Put `archive` in the served directory (a hard link: archives are large)."""
        served = self.server.root / archive.path.name
        if not served.exists():
            try:
                os.link(archive.path, served)
            except OSError:
                served.write_bytes(archive.path.read_bytes())
        return self.server.url(archive.path.name)

    def catalog(
        self,
        *archives: RuntimeArchive,
        stacks: tuple[StackSpec, ...] = (STACK,),
        url: str | None = None,
        sha256: str | None = None,
    ) -> Path:
        """A new catalog file listing `archives`, at this project's server unless `url`."""
        self.catalogs += 1
        entries = [Entry(a, url or self.serve(a), sha256=sha256) for a in archives]
        return write_catalog(self.root / f"catalog-{self.catalogs}.toml", entries, stacks)

    def build(
        self,
        catalog: Path,
        *env: str,
        arch: str = HOST_ARCH,
        stack: str | None = None,
        clear_cache: bool = False,
    ) -> Result:
        argv = ["dev", "build", str(self.app), "--work", str(self.work)]
        argv += ["--env", f"BP_PYTHON_CATALOG={catalog}", "--target", f"linux/{arch}:{DISTRO}"]
        for item in env:
            argv += ["--env", item]
        if stack:
            argv += ["--stack", stack]
        if clear_cache:
            argv.append("--clear-cache")
        # A subprocess, not `main()` in-process: the log must hold only the build's output
        # (not, say, what this process's server threads print), stdout and stderr in order.
        done = subprocess.run(
            [*CLI, *argv],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=300,
            check=False,
        )
        return Result(done.returncode, done.stdout)

    def run(self, *command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*CLI, "dev", "run", str(self.app), "--work", str(self.work), "--", *command],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )


@pytest.fixture
def project(tmp_path: Path, http_server: FaultyServer) -> Project:
    return Project(tmp_path, http_server)


def _second(archives: RuntimeArchives) -> str:
    """A second interpreter of another series than the default one, or skip."""
    for version in archives.versions()[1:]:
        if version.rsplit(".", 1)[0] != archives.default.series:
            return version
    pytest.skip("this machine has only one CPython series")


def _assert_succeeded(result: Result) -> None:
    assert result.code == 0, result.log
    assert "Traceback" not in result.log


def _assert_failed_cleanly(result: Result) -> None:
    assert result.code == 1, result.log
    assert "Traceback" not in result.log
    assert "Internal error" not in result.log


def _assert_nothing_kept(layers: Path) -> None:
    """The failed build left no python layer: neither metadata nor contents."""
    assert not (layers / "python.toml").exists()
    assert not (layers / "python").exists()


# --- install and reuse ------------------------------------------------------------------------


@pytest.mark.parametrize("layout", ["standalone", "heroku"])
def test_installs_runs_and_is_reused_without_download(
    layout: Layout, runtime_archives: RuntimeArchives, project: Project
) -> None:
    archive = runtime_archives.get(layout=layout)
    catalog = project.catalog(archive)
    path = f"/{archive.path.name}"

    first = project.build(catalog)
    _assert_succeeded(first)
    assert f"- Downloading Python {archive.version} from {project.server.url(path[1:])}" in (
        first.log
    )
    assert project.server.count(path) == 1

    # base_prefix: the interpreter's own prefix, also when `python` is a venv's on PATH.
    script = (
        "import os, sys; print(sys.version.split()[0], sys.base_prefix, "
        "os.environ.get('PYTHONUNBUFFERED'), 'PYTHONHOME' in os.environ)"
    )
    launched = project.run("python", "-c", script)
    assert launched.returncode == 0, launched.stderr
    expected = [archive.version, str(project.layers / "python"), "1", "False"]
    assert launched.stdout.split() == expected

    second = project.build(catalog)
    _assert_succeeded(second)
    assert 'Restoring data for "cnb-python/python:python" from cache' in second.log
    assert f"- Using cached Python {archive.version}" in second.log
    assert "Downloading" not in second.log
    assert project.server.total_requests() == 1


def test_version_change_reinstalls_and_says_why(
    runtime_archives: RuntimeArchives, project: Project
) -> None:
    old = runtime_archives.get()
    new = runtime_archives.get(_second(runtime_archives))
    catalog = project.catalog(old, new)
    (project.app / ".python-version").write_text(f"{old.version}\n")
    _assert_succeeded(project.build(catalog))

    (project.app / ".python-version").write_text(f"{new.version}\n")
    result = project.build(catalog)
    _assert_succeeded(result)
    assert (
        f"- Discarding cached Python {old.version}: "
        f"the Python version changed from {old.version} to {new.version}\n"
    ) in result.log
    assert project.server.count(f"/{new.path.name}") == 1
    launched = project.run("python", "-c", "import sys; print(sys.version.split()[0])")
    assert launched.stdout.strip() == new.version


def test_arch_and_stack_changes_reinstall_and_name_every_reason(
    runtime_archives: RuntimeArchives, project: Project
) -> None:
    archive = runtime_archives.get()
    url = project.serve(archive)
    # The same (runnable) archive listed for both archs: only the cache key differs.
    entries = [Entry(archive, url), Entry(archive, url, arch=OTHER_ARCH)]
    stacks = [StackSpec(id, archs=(HOST_ARCH, OTHER_ARCH)) for id in ("test-22", "other-22")]
    catalog = write_catalog(project.root / "catalog.toml", entries, stacks)
    _assert_succeeded(project.build(catalog))

    result = project.build(catalog, arch=OTHER_ARCH, stack="other-22")
    _assert_succeeded(result)
    assert (
        f"- Discarding cached Python {archive.version}: "
        f"the architecture changed from {HOST_ARCH} to {OTHER_ARCH}; "
        "the stack changed from test-22 to other-22\n"
    ) in result.log
    assert project.server.total_requests() == 2


def test_series_sticks_after_the_default_changes_until_the_cache_is_cleared(
    runtime_archives: RuntimeArchives, project: Project
) -> None:
    old = runtime_archives.get()
    new = runtime_archives.get(_second(runtime_archives))
    old_series, new_series = (v.rsplit(".", 1)[0] for v in (old.version, new.version))
    catalog_a = project.catalog(old, new, stacks=(StackSpec("test-22", default=old_series),))
    catalog_b = project.catalog(old, new, stacks=(StackSpec("test-22", default=new_series),))

    first = project.build(catalog_a)
    _assert_succeeded(first)
    assert f"- Python {old.version} (stack default: {old_series}) for test-22" in first.log

    sticky = project.build(catalog_b)
    _assert_succeeded(sticky)
    assert (
        f"- Python {old.version} (series of the previous build: {old_series}) for test-22"
    ) in sticky.log
    assert f"using Python {old_series}, the series of the previous build" in sticky.log
    assert f"- Using cached Python {old.version}" in sticky.log

    reset = project.build(catalog_b, clear_cache=True)
    _assert_succeeded(reset)
    assert f"- Python {new.version} (stack default: {new_series}) for test-22" in reset.log
    assert project.server.count(f"/{old.path.name}") == 1
    assert project.server.count(f"/{new.path.name}") == 1


# --- verification and network faults ---------------------------------------------------------


def test_checksum_mismatch_fails_and_keeps_nothing(
    runtime_archives: RuntimeArchives, project: Project
) -> None:
    archive = runtime_archives.get()
    wrong = "0" * 64
    url = project.serve(archive)

    failed = project.build(project.catalog(archive, sha256=wrong))
    _assert_failed_cleanly(failed)
    assert f"Checksum mismatch for {url}" in failed.log
    assert f"expected sha256 {wrong}" in failed.log
    assert f"received sha256 {archive.sha256}" in failed.log
    _assert_nothing_kept(project.layers)

    fixed = project.build(project.catalog(archive))
    _assert_succeeded(fixed)
    assert "Using cached" not in fixed.log
    assert f"- Downloading Python {archive.version}" in fixed.log
    assert project.server.count(f"/{archive.path.name}") == 2


def test_a_truncated_body_and_server_errors_are_retried(
    runtime_archives: RuntimeArchives, project: Project
) -> None:
    archive = runtime_archives.get()
    path = f"/{archive.path.name}"
    size = archive.path.stat().st_size
    # Only the first pause is the default backoff; the server asks for the others to be short.
    project.server.fail(path, Truncate(after_bytes=100_000), Status(503, NOW), Status(502, NOW))

    result = project.build(project.catalog(archive))
    _assert_succeeded(result)
    assert (
        f"Attempt 1 of 5 failed (received 100000 of {size} bytes); retrying in 1s\n"
        "  Attempt 2 of 5 failed (HTTP 503); retrying in 0s\n"
        "  Attempt 3 of 5 failed (HTTP 502); retrying in 0s\n"
    ) in result.log
    assert "sha256 verified" in result.log
    assert project.server.count(path) == 4


def test_exhausted_retries_fail_clearly_and_keep_nothing(
    runtime_archives: RuntimeArchives, project: Project
) -> None:
    archive = runtime_archives.get()
    path = f"/{archive.path.name}"
    catalog = project.catalog(archive)
    project.server.fail(path, *[Status(503, NOW)] * 5)

    result = project.build(catalog)
    _assert_failed_cleanly(result)
    assert f"Could not download {project.server.url(path[1:])}" in result.log
    assert "Tried 5 times; the last attempt failed: HTTP 503" in result.log
    assert project.server.count(path) == 5
    _assert_nothing_kept(project.layers)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_mirror_serves_when_the_catalog_host_is_unreachable(
    runtime_archives: RuntimeArchives, project: Project
) -> None:
    archive = runtime_archives.get()
    project.serve(archive)
    unreachable = f"http://127.0.0.1:{_closed_port()}/dist/{archive.path.name}"
    catalog = project.catalog(archive, url=unreachable)

    # Credentials in the mirror's URL reach the server but never the log.
    mirror = f"http://mirror-user:s3cret@127.0.0.1:{project.server.port}/"
    result = project.build(catalog, f"BP_PYTHON_MIRROR={mirror}")
    _assert_succeeded(result)
    shown = f"http://***@127.0.0.1:{project.server.port}/{archive.path.name}"
    assert f"- Downloading Python {archive.version} from {shown}" in result.log
    assert "s3cret" not in result.log
    assert unreachable not in result.log
    assert project.server.count(f"/{archive.path.name}") == 1


# --- the build's environment ------------------------------------------------------------------


def test_forbidden_env_is_refused_at_once_before_any_download(
    runtime_archives: RuntimeArchives, project: Project
) -> None:
    catalog = project.catalog(runtime_archives.get())

    result = project.build(catalog, "PYTHONHOME=/x", "PIP_TARGET=/y")
    _assert_failed_cleanly(result)
    title = "Environment variables that would break the Python install are set"
    assert result.log.count(title) == 1
    assert "PIP_TARGET (set in the platform env" in result.log
    assert "PYTHONHOME (set in the platform env" in result.log
    assert "[Determining the Python version]" not in result.log
    assert project.server.total_requests() == 0


def test_a_bad_limit_or_yes_no_setting_is_refused_before_any_download(
    runtime_archives: RuntimeArchives, project: Project
) -> None:
    catalog = project.catalog(runtime_archives.get())
    result = project.build(catalog, "BP_PYTHON_COLLECTSTATIC_TIMEOUT=15m")
    _assert_failed_cleanly(result)
    assert "ERROR: BP_PYTHON_COLLECTSTATIC_TIMEOUT is not a positive whole number" in result.log
    assert "[Determining the Python version]" not in result.log

    result = project.build(catalog, "BP_PYTHON_ALLOW_EOL=maybe")
    _assert_failed_cleanly(result)
    assert "ERROR: BP_PYTHON_ALLOW_EOL is neither yes nor no" in result.log
    assert project.server.total_requests() == 0


def test_pythonpath_builds_with_a_warning(
    runtime_archives: RuntimeArchives, project: Project
) -> None:
    result = project.build(project.catalog(runtime_archives.get()), "PYTHONPATH=/z")
    _assert_succeeded(result)
    assert "WARNING: PYTHONPATH is set\n  PYTHONPATH is '/z'." in result.log


# --- interrupted builds -----------------------------------------------------------------------


def _open_file_sizes(group: int, directory: Path) -> list[int]:
    """Sizes of the files under `directory` that processes of the process group `group` hold
    open, named or not (an unlinked or O_TMPFILE file shows as `<dir>/#123 (deleted)`)."""
    sizes = []
    for proc_dir in Path("/proc").iterdir():
        if not proc_dir.name.isdigit():
            continue
        try:
            if os.getpgid(int(proc_dir.name)) != group:
                continue
            for fd in (proc_dir / "fd").iterdir():
                if str(fd.readlink()).startswith(f"{directory}/"):
                    sizes.append(fd.stat().st_size)
        except OSError:
            continue  # the process or the descriptor is gone
    return sizes


@pytest.mark.parametrize("phase", ["download", "install"])
def test_a_killed_build_leaves_nothing_the_next_build_trusts(
    phase: str, runtime_archives: RuntimeArchives, http_server: FaultyServer, tmp_path: Path
) -> None:
    """`bin/build` directly, on one layers dir kept across both runs: stricter than the
    lifecycle, which would not even export what a killed build left. "download": killed while
    the server stalls the body; "install": killed once extraction has begun (the stdlib
    bytecode step after it gives a window of about a second)."""
    archive = runtime_archives.get()
    name = archive.path.name
    os.link(archive.path, http_server.root / name)
    catalog = write_catalog(
        tmp_path / "catalog.toml", [Entry(archive, http_server.url(name))], [STACK]
    )
    dirs = LifecycleDirs.create(tmp_path / "lc", {"BP_PYTHON_CATALOG": str(catalog)})
    (dirs.app / "app.py").write_text("print('hello')\n")
    (dirs.app / "requirements.txt").write_text("")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = dirs.env(tmp_path, arch=HOST_ARCH, extra={"TMPDIR": str(scratch)})
    stalled = 4 * 1024 * 1024
    if phase == "download":
        http_server.fail(f"/{name}", Stall(seconds=60, after_bytes=stalled))

    def reached() -> bool:
        if phase == "download":
            # The download has no name (an anonymous temporary file in TMPDIR): look for it
            # among the open files of the build's processes.
            return any(size >= stalled for size in _open_file_sizes(build.pid, scratch))
        return (dirs.layers / "python" / "lib").is_dir()

    build = dirs.popen(env)
    try:
        deadline = time.monotonic() + 30
        while not reached():
            assert build.poll() is None, build.communicate()[0]
            assert time.monotonic() < deadline, f"the build never reached its {phase}"
            time.sleep(0.02)
    finally:
        os.killpg(build.pid, signal.SIGKILL)
        build.communicate()
    assert build.returncode == -signal.SIGKILL
    assert not (dirs.layers / "python.toml").exists()
    assert list(scratch.iterdir()) == []  # no partial download left behind
    if phase == "install":
        assert (dirs.layers / "python").is_dir()  # half-installed contents, no metadata

    again = dirs.run(env)
    assert again.returncode == 0, again.stdout
    assert "Using cached" not in again.stdout
    assert f"- Downloading Python {archive.version}" in again.stdout
    assert http_server.count(f"/{name}") == 2
    metadata = tomlio.load(dirs.layers / "python.toml")["metadata"]
    assert metadata["python_version"] == archive.version
    assert metadata["artifact_sha256"] == archive.sha256
