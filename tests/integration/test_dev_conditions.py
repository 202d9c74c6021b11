"""`cnb-python dev` gives a buildpack the lifecycle's conditions: as root it builds as another
user on a read-only buildpack, restores cached files as new, exports 1980 timestamps, and
launches the app as a third user on layers it cannot write.

A probe buildpack reports what it sees (tests/fixtures/buildpacks/probe). The work directory
must be reachable by those users: pytest's temporary directories are private (0700), so this
test uses one they can reach (`reachable_tmp`).
"""

from __future__ import annotations

import fcntl
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


def test_dev_builds_launches_and_exports_as_the_lifecycle_does(reachable_tmp: Path) -> None:
    root = reachable_tmp
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


def _probe_build(root: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    app, work = root / "app", root / "work"
    if not (root / "buildpack").exists():
        shutil.copytree(PROBE, root / "buildpack")
        app.mkdir()
    return _dev(
        "build", str(app), "--buildpack", str(root / "buildpack"), "--work", str(work),
        "--target", f"linux/{host_target().arch}:ubuntu@24.04", *extra,
    )  # fmt: skip


@pytest.mark.parametrize("rewrite", [False, True])
def test_a_failed_build_keeps_the_cache_unless_it_rewrote_a_restored_file(
    rewrite: bool, tmp_path: Path
) -> None:
    # Restored layers share their files with the cache (hard links, for speed): a failed build
    # that wrote through one must not leave that layer in the cache for the next build.
    assert _probe_build(tmp_path).returncode == 0
    env = ["--env", "PROBE_FAIL=1", *(["--env", "PROBE_REWRITE=1"] if rewrite else [])]
    failed = _probe_build(tmp_path, *env)
    assert failed.returncode == 1, failed.stdout
    dropped = 'Dropping "cnb-python-tests/probe:probe" from the cache: the build changed it'
    assert (dropped in failed.stdout) is rewrite, failed.stdout
    again = _probe_build(tmp_path)
    assert again.returncode == 0, again.stdout
    assert ("probe: restored stamp" in again.stdout) is not rewrite, again.stdout
    stamp = tmp_path / "work" / "layers" / LAYER / "probe" / "stamp"
    assert "rewritten" not in stamp.read_text()


def test_a_second_command_on_a_busy_work_dir_fails_at_once(tmp_path: Path) -> None:
    (tmp_path / "work").mkdir()
    with (tmp_path / "work" / ".lock").open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        busy = _probe_build(tmp_path)
    assert busy.returncode == 1, busy.stdout
    assert f"ERROR: Another cnb-python dev command is using '{tmp_path / 'work'}'" in busy.stdout
    assert _probe_build(tmp_path).returncode == 0


def test_dev_reads_project_toml_as_pack_does(tmp_path: Path) -> None:
    # Build env from project.toml (a --env of the same name wins) and exclude patterns.
    shutil.copytree(PROBE, tmp_path / "buildpack")
    app = tmp_path / "app"
    (app / "logs").mkdir(parents=True)
    (app / "logs" / "debug.log").write_text("x")
    (app / "app.py").write_text("print(1)\n")
    (app / "project.toml").write_text(
        '[_]\nschema-version = "0.3"\n\n[io.buildpacks]\nexclude = ["logs/", "*.toml"]\n\n'
        '[[io.buildpacks.build.env]]\nname = "PROBE_GREETING"\nvalue = "from-project"\n'
    )
    done = _probe_build(tmp_path)
    assert done.returncode == 0, done.stdout
    assert "- project.toml (schema 0.3): build env PROBE_GREETING" in done.stdout
    assert "Copying the app with its exclude patterns: logs/, *.toml" in done.stdout
    assert "probe: PROBE_GREETING=from-project" in done.stdout
    assert "probe: workspace app.py\n" in done.stdout
    overridden = _probe_build(tmp_path, "--env", "PROBE_GREETING=from-flag")
    assert "probe: PROBE_GREETING=from-flag" in overridden.stdout
