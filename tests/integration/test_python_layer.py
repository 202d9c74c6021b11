"""The python layer, installed from real archives of this machine's interpreters over a real
loopback server, then restored the way the lifecycle restores it."""

from __future__ import annotations

import hashlib
import io
import os
import re
import subprocess
import tarfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from cnb_python.catalog.loader import load_catalog
from cnb_python.cnb import tomlio
from cnb_python.cnb.context import BuildContext, Target
from cnb_python.dev.runtime_archive import RuntimeArchive
from cnb_python.download import RetryPolicy
from cnb_python.errors import ChecksumMismatch, DownloadFailed, UnsafeArchive
from cnb_python.layers import python as python_layer
from cnb_python.output import Output
from cnb_python.resolve import resolve_python
from tests.support.catalogs import Entry, StackSpec, write_catalog
from tests.support.httpserver import FaultyServer, Status, Trickle, Truncate
from tests.support.runtimes import RuntimeArchives

FAST = RetryPolicy(attempts=3, backoff=0.01, connect_timeout=2, read_timeout=2)
STACKS = [
    StackSpec("test-22", distro_version="22.04", archs=("amd64", "arm64")),
    StackSpec("test-24", distro_version="24.04", archs=("amd64", "arm64")),
]


@dataclass
class Builds:
    """Runs `install_python` like bin/build would, in one layers dir across builds."""

    root: Path
    server: FaultyServer
    catalog: Path
    platform_env: dict[str, str] = field(default_factory=dict)
    log: io.StringIO = field(default_factory=io.StringIO)

    def build(
        self,
        version: str,
        *,
        stack: str = "test-24",
        arch: str = "amd64",
        previous: bool = False,
        policy: RetryPolicy | None = FAST,
    ) -> Path:
        """`policy` None: the one the platform env's settings make, as in a real build."""
        app = self.root / "app"
        app.mkdir(exist_ok=True)
        (app / ".python-version").write_text(version + "\n")
        distro_version = next(s.distro_version for s in STACKS if s.id == stack)
        ctx = BuildContext(
            app_dir=app,
            buildpack_dir=self.root,
            platform_dir=self.root / "platform",
            layers_dir=self.root / "layers",
            buildpack_plan_path=self.root / "plan.toml",
            target=Target("linux", arch, "", "ubuntu", distro_version, stack),
            platform_env={"BP_PYTHON_CATALOG": str(self.catalog), **self.platform_env},
        )
        ctx.layers_dir.mkdir(exist_ok=True)
        resolution = resolve_python(
            app, ctx.platform_env, ctx.target, load_catalog(ctx.platform_env), None
        )
        self.env = {"PATH": os.environ["PATH"]}
        self.log = io.StringIO()
        output = Output(stdout=self.log, stderr=self.log)
        installed = python_layer.install_python(
            ctx, resolution, self.env, output, {}, retry_policy=policy
        )
        installed.finish(output)
        return installed.layer_dir

    def restore(self) -> None:
        """What the lifecycle's restorer leaves: the directory, and the toml without [types]."""
        toml = self.root / "layers" / "python.toml"
        data = tomlio.load(toml)
        tomlio.write_atomic(toml, {"metadata": data["metadata"]})

    def lines(self) -> list[str]:
        return self.log.getvalue().splitlines()


def _both(archive: RuntimeArchive, url: str, sha256: str | None = None) -> list[Entry]:
    """The same file for amd64 and arm64: the test stacks offer both."""
    return [Entry(archive, url, arch=arch, sha256=sha256) for arch in ("amd64", "arm64")]


def _entries(server: FaultyServer, served: Path, *archives: RuntimeArchive) -> list[Entry]:
    entries = []
    for archive in archives:
        (served / archive.path.name).write_bytes(archive.path.read_bytes())
        for arch in ("amd64", "arm64"):  # the same files stand in for arm64 builds
            entries.append(Entry(archive, server.url(archive.path.name), arch=arch))
    return entries


@pytest.fixture
def builds(
    tmp_path: Path, http_server: FaultyServer, served_dir: Path, runtime_archives: RuntimeArchives
) -> Builds:
    archives = [runtime_archives.get()]
    if len(runtime_archives.interpreters) > 1:
        archives.append(runtime_archives.get(runtime_archives.interpreters[1].version, "heroku"))
    catalog = write_catalog(
        tmp_path / "catalog.toml", _entries(http_server, served_dir, *archives), STACKS
    )
    return Builds(tmp_path, http_server, catalog)


def _run(python: Path, code: str, env: dict[str, str]) -> str:
    return subprocess.run(
        [str(python), "-I", "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()


def test_first_build_installs_and_a_restored_layer_is_reused_offline(
    builds: Builds, runtime_archives: RuntimeArchives
) -> None:
    version = runtime_archives.default.version
    layer = builds.build(version)

    assert f"- Downloading Python {version} from {builds.server.base_url}/" in builds.log.getvalue()
    assert f"- Installing Python {version}" in builds.lines()
    assert any("Compiled bytecode for" in line for line in builds.lines())
    # Launch: only bin/ and lib/ are automatic; libpython has no rpath, so lib/ must suffice.
    launch_env = {"PATH": f"{layer}/bin:/usr/bin:/bin", "LD_LIBRARY_PATH": f"{layer}/lib"}
    code = (
        "import sys, sysconfig; "
        "print(sys.version.split()[0], sys.prefix, sysconfig.get_config_var('INCLUDEPY'))"
    )
    assert _run(layer / "bin" / "python", code, launch_env).split() == [
        version,
        str(layer),
        f"{layer}/include/python{runtime_archives.default.series}",
    ]
    # The build's own env now runs this Python.
    assert builds.env["LD_LIBRARY_PATH"].split(":")[0] == str(layer / "lib")
    assert builds.env["PYTHONUNBUFFERED"] == "1"
    assert builds.env["CPATH"].startswith(f"{layer}/include/python")
    assert "PYTHONHOME" not in builds.env
    assert "PYTHONPATH" not in builds.env
    assert (layer / "env.build" / "PKG_CONFIG_PATH.delim").read_text() == ":"
    assert (layer / "env.build" / "SOURCE_DATE_EPOCH.default").read_text() == "315532801"
    assert (layer / "env" / "PYTHONUNBUFFERED.override").read_text() == "1"
    os_pyc = next(
        (layer / "lib" / f"python{runtime_archives.default.series}" / "__pycache__").glob(
            "os.*.pyc"
        )
    )
    assert int.from_bytes(os_pyc.read_bytes()[4:8], "little") == 0b01  # unchecked-hash
    toml = tomlio.load(layer.parent / "python.toml")
    assert toml["types"] == {"launch": True, "build": True, "cache": True}
    assert toml["metadata"]["series"] == runtime_archives.default.series
    assert python_layer.read_previous_series(layer.parent) == runtime_archives.default.series

    builds.restore()
    builds.server.reset_counts()
    builds.build(version)
    assert builds.lines() == [f"- Using cached Python {version}"]
    assert builds.server.total_requests() == 0
    assert tomlio.load(layer.parent / "python.toml")["types"]["cache"] is True


@pytest.mark.parametrize("damage", ["delete", "truncate"])
def test_a_partially_restored_layer_is_not_trusted(
    builds: Builds, runtime_archives: RuntimeArchives, damage: str
) -> None:
    """What a cache copy killed half-way leaves: the metadata, bin/python and the stdlib's
    directory are all there, but not every file (or not all of one)."""
    version = runtime_archives.default.version
    layer = builds.build(version)
    stdlib = layer / "lib" / f"python{runtime_archives.default.series}"
    victim = stdlib / "json" / "decoder.py"
    if damage == "delete":
        victim.unlink()
    else:
        victim.write_bytes(victim.read_bytes()[:100])
    builds.restore()
    builds.build(version)
    assert builds.lines()[0] == (
        f"- Discarding cached Python {version}: some of its files are missing"
    )
    assert f"- Installing Python {version}" in builds.lines()
    assert victim.stat().st_size > 100


def test_version_stack_and_arch_changes_reinstall_and_say_why(
    builds: Builds, runtime_archives: RuntimeArchives
) -> None:
    first = runtime_archives.default.version
    builds.build(first, stack="test-22")
    builds.restore()
    builds.build(first, stack="test-24", arch="arm64")
    assert builds.lines()[0] == (
        f"- Discarding cached Python {first}: the architecture changed from amd64 to arm64; "
        "the distro changed from ubuntu 22.04 to ubuntu 24.04; "
        "the stack changed from test-22 to test-24"
    )

    if len(runtime_archives.interpreters) < 2:
        pytest.skip("only one CPython on this machine")
    second = runtime_archives.interpreters[1].version
    builds.restore()
    layer = builds.build(second, stack="test-24", arch="arm64")
    assert builds.lines()[0] == (
        f"- Discarding cached Python {first}: the Python version changed from {first} to {second}"
    )
    env = {"LD_LIBRARY_PATH": str(layer / "lib")}
    assert (
        _run(layer / "bin" / "python", "import sys; print(sys.version.split()[0])", env) == second
    )
    assert not list(layer.glob(f"lib/python{runtime_archives.default.series}"))


def _assert_nothing_cached(builds: Builds) -> None:
    layers = builds.root / "layers"
    assert not (layers / "python.toml").exists()
    assert not (layers / "python").exists()


def test_checksum_mismatch_caches_nothing(
    builds: Builds, runtime_archives: RuntimeArchives
) -> None:
    archive = runtime_archives.get()
    entries = _both(archive, builds.server.url(archive.path.name), sha256="ab" * 32)
    write_catalog(builds.catalog, entries, STACKS)
    with pytest.raises(ChecksumMismatch):
        builds.build(archive.version)
    _assert_nothing_cached(builds)


def test_transient_faults_are_retried_and_exhausted_retries_fail_clearly(
    builds: Builds, runtime_archives: RuntimeArchives
) -> None:
    archive = runtime_archives.get()
    path = "/" + archive.path.name
    builds.server.fail(path, Status(503), Truncate(after_bytes=4096))
    builds.build(archive.version)
    assert builds.server.count(path) == 3
    assert "Attempt 2 of 3 failed (received 4096 of" in builds.log.getvalue()

    (builds.root / "layers" / "python.toml").unlink()  # a cleared cache
    builds.server.fail(path, Status(500), Status(502), Status(503))
    with pytest.raises(DownloadFailed, match="Could not download"):
        builds.build(archive.version)
    _assert_nothing_cached(builds)


def test_a_trickling_server_meets_the_download_deadline_of_the_settings(
    builds: Builds, runtime_archives: RuntimeArchives
) -> None:
    archive = runtime_archives.get()
    builds.server.always("/" + archive.path.name, Trickle(interval=0.05, chunk=64 * 1024))
    builds.platform_env["BP_PYTHON_DOWNLOAD_TIMEOUT"] = "2"
    started = time.monotonic()
    with pytest.raises(DownloadFailed) as caught:
        builds.build(archive.version, policy=None)
    assert time.monotonic() - started < 10
    assert caught.value.reason == (
        "gave up after 2 s, the limit for one download (BP_PYTHON_DOWNLOAD_TIMEOUT)"
    )
    _assert_nothing_cached(builds)


def test_malicious_archive_is_refused_and_nothing_is_cached(
    builds: Builds, served_dir: Path, runtime_archives: RuntimeArchives, tmp_path: Path
) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        info = tarfile.TarInfo("python/lib/evil")
        info.type = tarfile.SYMTYPE
        info.linkname = "../../../../etc"
        tar.addfile(info)
    (served_dir / "evil.tar.gz").write_bytes(buffer.getvalue())
    base = runtime_archives.get()
    digest = hashlib.sha256(buffer.getvalue()).hexdigest()
    evil = RuntimeArchive(
        served_dir / "evil.tar.gz", digest, "tar.gz", 1, base.version, base.arch, "standalone"
    )
    write_catalog(builds.catalog, _both(evil, builds.server.url("evil.tar.gz")), STACKS)
    with pytest.raises(UnsafeArchive, match="unsafe archive"):
        builds.build(base.version)
    _assert_nothing_cached(builds)


def test_a_killed_build_leaves_nothing_trusted(
    builds: Builds, runtime_archives: RuntimeArchives
) -> None:
    version = runtime_archives.default.version
    layers = builds.root / "layers"
    # What a build killed during extraction leaves: a partial directory and no metadata.
    (layers / "python" / "bin").mkdir(parents=True)
    (layers / "python" / "bin" / "python").write_text("partial")
    builds.build(version)
    assert f"- Downloading Python {version}" in builds.log.getvalue().replace(" from", "\n")
    assert (
        layers / "python" / "bin" / "python"
    ).resolve().name == f"python{runtime_archives.default.series}"


def test_mirror_serves_when_the_catalog_host_is_unreachable(
    builds: Builds, runtime_archives: RuntimeArchives
) -> None:
    archive = runtime_archives.get()
    # Port 9 (discard) on loopback: refused, like an unreachable host, without leaving 127.0.0.1.
    entries = _both(archive, f"http://127.0.0.1:9/releases/{archive.path.name}")
    write_catalog(builds.catalog, entries, STACKS)
    builds.platform_env["BP_PYTHON_MIRROR"] = builds.server.base_url + "/"
    builds.build(archive.version)
    assert builds.server.count("/" + archive.path.name) == 1
    assert f"from {builds.server.url(archive.path.name)}" in builds.log.getvalue()


def test_dev_mirror_catalog_installs_offline_through_file_urls(
    tmp_path: Path, runtime_archives: RuntimeArchives
) -> None:
    from cnb_python.dev.mirror import write_mirror_catalog

    archive = runtime_archives.get()
    catalog = write_mirror_catalog(archive, tmp_path / "mirror" / "catalog.toml")
    platform_env = {"BP_PYTHON_CATALOG": str(catalog)}
    app = tmp_path / "app"
    app.mkdir()
    layers = tmp_path / "layers"
    layers.mkdir()
    target = Target("linux", archive.arch, "", "ubuntu", "24.04", "heroku-24")
    ctx = BuildContext(
        app, tmp_path, tmp_path, layers, tmp_path / "plan.toml", target, platform_env
    )
    resolution = resolve_python(app, platform_env, target, load_catalog(platform_env), None)
    assert resolution.artifact.url.startswith("file://")
    log = io.StringIO()
    env = {"PATH": os.environ["PATH"]}
    installed = python_layer.install_python(ctx, resolution, env, Output(log, log), {})
    installed.finish(Output(log, log))
    layer = installed.layer_dir
    assert (layer / "bin" / "python").exists()
    assert f"- Using cached Python {archive.version}" not in log.getvalue()


def test_the_archives_own_pip_and_what_no_run_needs_are_removed(
    builds: Builds, served_dir: Path, runtime_archives: RuntimeArchives
) -> None:
    # As python-build-standalone ships it: bin/pip* and a pip in site-packages.
    base = runtime_archives.get()
    series = ".".join(base.version.split(".")[:2])
    buffer = io.BytesIO()
    with tarfile.open(base.path) as source, tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for member in source.getmembers():
            tar.addfile(member, source.extractfile(member) if member.isfile() else None)
        added = {
            "python/bin/pip": b"#!/bin/sh\necho unpinned\n",
            "python/bin/pip3": b"#!/bin/sh\necho unpinned\n",
            f"python/bin/pip{series}": b"#!/bin/sh\necho unpinned\n",
            f"python/lib/python{series}/site-packages/pip/__init__.py": b"",
            f"python/lib/python{series}/site-packages/pip-24.0.dist-info/RECORD": b"",
            # What CPython documents as optional (runtime_tree.drop_unneeded).
            f"python/lib/python{series}/test/test_os.py": b"",
            f"python/lib/python{series}/unittest/test/test_case.py": b"",
            f"python/lib/python{series}/config-{series}-x86_64-linux-gnu/libpython{series}.a": b"x",
            f"python/lib/python{series}/__pycache__/os.cpython-{series.replace('.', '')}"
            ".opt-1.pyc": b"x",
        }
        for name, data in added.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o755
            tar.addfile(info, io.BytesIO(data))
    (served_dir / "with-pip.tar.gz").write_bytes(buffer.getvalue())
    digest = hashlib.sha256(buffer.getvalue()).hexdigest()
    with_pip = RuntimeArchive(
        served_dir / "with-pip.tar.gz", digest, "tar.gz", 1, base.version, base.arch, "standalone"
    )
    write_catalog(builds.catalog, _both(with_pip, builds.server.url("with-pip.tar.gz")), STACKS)
    layer = builds.build(base.version)
    assert not list((layer / "bin").glob("pip*"))
    site_packages = layer / "lib" / f"python{series}" / "site-packages"
    assert not list(site_packages.glob("pip*"))
    stdlib = layer / "lib" / f"python{series}"
    assert list((stdlib / "ensurepip" / "_bundled").glob("pip-*.whl"))
    assert not (stdlib / "test").exists()
    assert not (stdlib / "unittest" / "test").exists()
    assert (stdlib / "unittest" / "case.py").is_file()
    assert not list(stdlib.glob("config-*/*.a"))
    assert not list(stdlib.glob("__pycache__/*.opt-1.pyc"))
    assert list(stdlib.glob("__pycache__/os.*.pyc"))
    assert re.search(
        r"^  Removed \d+ files no app run needs \(\d+\.\d MiB: test suites, static libpython, "
        r"optimised-level pycs\)$",
        builds.log.getvalue(),
        re.MULTILINE,
    )
