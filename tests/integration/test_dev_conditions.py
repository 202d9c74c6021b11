"""`cnb-python dev` gives a buildpack the lifecycle's conditions: as root it builds as another
user on a read-only buildpack, restores cached files as new, exports 1980 timestamps, and
launches the app as a third user on layers it cannot write.

A probe buildpack reports what it sees (tests/fixtures/buildpacks/probe). The work directory
must be reachable by those users: pytest's temporary directories are private (0700), so this
test opens its own.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from cnb_python.dev.image import NORMALISED_MTIME
from cnb_python.dev.targets import host_target
from cnb_python.dev.users import DEFAULT_BUILD_USER, DEFAULT_RUN_USER
from tests.support.devbuild import CLI, FIXTURES, DevApps
from tests.support.users import open_to_all

PROBE = FIXTURES.parent / "buildpacks" / "probe"
LAYER = "cnb-python-tests_probe"

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="switching users needs root")


def _dev(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, "dev", *args],
        env={**os.environ, "NO_COLOR": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=120,
        check=False,
    )


def test_dev_builds_launches_and_exports_as_the_lifecycle_does(tmp_path: Path) -> None:
    root = open_to_all(tmp_path)
    buildpack = root / "buildpack"
    shutil.copytree(PROBE, buildpack)
    app = root / "app"
    app.mkdir()
    (app / "hello.txt").write_text("hello\n")
    work = root / "work"
    target = f"linux/{host_target().arch}:ubuntu@24.04"
    build = ("build", str(app), "--buildpack", str(buildpack), "--work", str(work))

    started = int(time.time())
    first = _dev(*build, "--target", target)
    assert first.returncode == 0, first.stdout
    uid, gid = DEFAULT_BUILD_USER
    assert f"probe: build uid={uid} gid={gid} home={work}/home" in first.stdout
    assert "probe: buildpack dir read-only" in first.stdout
    layer = work / "layers" / LAYER / "probe"
    for path in [layer, *layer.rglob("*"), work / "workspace" / "hello.txt"]:
        assert path.lstat().st_mtime == NORMALISED_MTIME, path
        assert (path.lstat().st_uid, path.lstat().st_gid) == (uid, gid), path
    assert f"run it with `cnb-python dev launch {app} --work {work}`" in first.stdout

    second = _dev(*build, "--target", target)
    assert second.returncode == 0, second.stdout
    restored = re.search(r"probe: restored stamp mtime=(\d+) now=(\d+)", second.stdout)
    assert restored is not None, second.stdout
    assert int(restored[1]) >= started  # as new as the restore, not 1980 or the build time

    launched = _dev("launch", str(app), "--work", str(work))
    assert launched.returncode == 0, launched.stdout
    run_uid, run_gid = DEFAULT_RUN_USER
    assert f"probe-app: uid={run_uid} gid={run_gid} stamp mtime={NORMALISED_MTIME}" in (
        launched.stdout
    )
    assert "probe-app: layer read-only" in launched.stdout


def test_dev_builds_as_root_with_a_warning_when_the_build_user_cannot_reach_the_buildpack(
    dev_app: DevApps,
) -> None:
    # pytest's own temporary directories are private, so the source checkout's builds (every
    # other integration test) take this path.
    app = dev_app("pip_basic")
    log = app.build().log
    uid, gid = DEFAULT_BUILD_USER
    assert f"WARNING: Building as root: the build user {uid}:{gid} cannot reach " in log
