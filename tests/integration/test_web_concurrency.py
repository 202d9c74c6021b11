"""The WEB_CONCURRENCY exec.d program, run for real under dash (the run image's /bin/sh on
Debian and Ubuntu) against fake cgroup files, and through the dev launcher."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from cnb_python.cnb import tomlio
from cnb_python.dev.launch import base_env, launch_env
from cnb_python.web_concurrency import LAYER_NAME, SCRIPT, write_layer

SHELL = shutil.which("dash") or "/bin/sh"
MIB = 1024 * 1024
V1_UNLIMITED = "9223372036854771712"


def _files(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    root.mkdir(parents=True, exist_ok=True)
    return root


def _run(
    tmp_path: Path, cgroup: dict[str, str], meminfo: str | None = None, **env: str
) -> tuple[str, subprocess.CompletedProcess[str]]:
    """Run the script with fd 3 open on a file, as the launcher does; return what it wrote."""
    root = _files(tmp_path / "cgroup", cgroup)
    meminfo_path = tmp_path / "meminfo"
    if meminfo is not None:
        meminfo_path.write_text(meminfo)
    out = tmp_path / "fd3.toml"
    run_env = {
        "PATH": os.environ["PATH"],
        "CNB_PYTHON_CGROUP_ROOT": str(root),
        "CNB_PYTHON_MEMINFO": str(meminfo_path),
        **env,
    }
    done = subprocess.run(
        [SHELL, "-c", '"$0" "$1" 3>"$2"', SHELL, str(SCRIPT), str(out)],
        env=run_env,
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )
    return out.read_text(), done


def _value(written: str) -> str:
    values = tomlio.loads(written)
    assert list(values) == ["WEB_CONCURRENCY"]
    value = values["WEB_CONCURRENCY"]
    assert isinstance(value, str)
    return value


@pytest.mark.parametrize(
    ("cgroup", "meminfo", "expected"),
    [
        # cgroup v2: 512 MiB, two CPUs of quota -> memory bounds it: 512 // 256 = 2
        ({"memory.max": f"{512 * MIB}\n", "cpu.max": "200000 100000\n"}, None, "2"),
        # v2, no memory limit: MemTotal 4 GiB -> 16, but one CPU of quota -> 2 * 1 + 1 = 3
        ({"memory.max": "max\n", "cpu.max": "100000 100000\n"}, "MemTotal: 4194304 kB\n", "3"),
        # half a CPU rounds up to one
        ({"memory.max": f"{2048 * MIB}", "cpu.max": "50000 100000"}, None, "3"),
        # cgroup v1: 256 MiB -> 1
        (
            {
                "memory/memory.limit_in_bytes": f"{256 * MIB}\n",
                "cpu/cpu.cfs_quota_us": "-1\n",
                "cpu/cpu.cfs_period_us": "100000\n",
            },
            None,
            "1",
        ),
        # v1 "unlimited" falls back to MemTotal (768 MiB -> 3) under a 2-CPU quota (cap 5)
        (
            {
                "memory/memory.limit_in_bytes": V1_UNLIMITED,
                "cpu/cpu.cfs_quota_us": "150000",
                "cpu/cpu.cfs_period_us": "100000",
            },
            "MemFree: 1 kB\nMemTotal: 786432 kB\n",
            "3",
        ),
        # less than one worker's worth of memory still gives one worker
        ({"memory.max": f"{100 * MIB}\n", "cpu.max": "max 100000\n"}, None, "1"),
        # garbage and empty files, no meminfo: only the CPU quota bounds it
        ({"memory.max": "lots\n", "cpu.max": "100000 100000\n"}, None, "3"),
        ({"memory.max": "", "cpu.max": "x y"}, "MemTotal: junk kB\n", None),
    ],
)
def test_formula(
    tmp_path: Path, cgroup: dict[str, str], meminfo: str | None, expected: str | None
) -> None:
    written, done = _run(tmp_path, cgroup, meminfo)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert done.stderr == ""
    if expected is None:
        # no usable limit at all: 2 * cpus + 1 of this machine's CPU count
        expected = str(2 * len(os.sched_getaffinity(0)) + 1)
    assert written == f'WEB_CONCURRENCY = "{expected}"\n'


def test_the_users_value_wins_and_nothing_is_written(tmp_path: Path) -> None:
    written, done = _run(tmp_path, {"memory.max": f"{512 * MIB}"}, None, WEB_CONCURRENCY="7")
    assert done.returncode == 0
    assert (written, done.stdout, done.stderr) == ("", "", "")


def test_idempotent_and_read_only(tmp_path: Path) -> None:
    cgroup = {"memory.max": f"{512 * MIB}", "cpu.max": "300000 100000"}
    first, _ = _run(tmp_path, cgroup)
    (tmp_path / "cgroup").chmod(0o555)
    try:
        second, done = _run(tmp_path, cgroup)
    finally:
        (tmp_path / "cgroup").chmod(0o755)
    assert first == second == 'WEB_CONCURRENCY = "2"\n'
    assert done.returncode == 0
    assert sorted(p.name for p in (tmp_path / "cgroup").iterdir()) == ["cpu.max", "memory.max"]


def test_without_fd_3_it_prints_the_line(tmp_path: Path) -> None:
    root = _files(tmp_path, {"memory.max": f"{300 * MIB}"})
    done = subprocess.run(
        [SHELL, str(SCRIPT)],
        env={"PATH": os.environ["PATH"], "CNB_PYTHON_CGROUP_ROOT": str(root)},
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, 'WEB_CONCURRENCY = "1"\n', "")


def test_script_parses_as_posix_sh() -> None:
    assert SCRIPT.read_text().startswith("#!/bin/sh\n")
    done = subprocess.run([SHELL, "-n", str(SCRIPT)], capture_output=True, text=True, check=False)
    assert (done.returncode, done.stderr) == (0, "")
    # bash-only syntax that dash would reject at run time rather than parse time
    for bashism in ("[[", "$((10#", "local ", "function ", "<<<", "${!", "source "):
        assert bashism not in SCRIPT.read_text()


def test_layer_and_the_launcher_see_it(tmp_path: Path) -> None:
    layers = tmp_path / "layers"
    layers.mkdir()
    program = write_layer(layers)
    assert program == layers / LAYER_NAME / "exec.d" / "web_concurrency"
    assert os.access(program, os.X_OK)
    assert tomlio.load(layers / f"{LAYER_NAME}.toml") == {
        "types": {"launch": True, "build": False, "cache": False}
    }
    root = _files(tmp_path / "cgroup", {"memory.max": f"{768 * MIB}", "cpu.max": "max 100000"})
    app = tmp_path / "app"
    app.mkdir()
    start = base_env(str(tmp_path), {"CNB_PYTHON_CGROUP_ROOT": str(root)})
    assert launch_env(layers, "web", start, app)["WEB_CONCURRENCY"] == "3"
    start = base_env(str(tmp_path), {"CNB_PYTHON_CGROUP_ROOT": str(root), "WEB_CONCURRENCY": "9"})
    assert launch_env(layers, "", start, app)["WEB_CONCURRENCY"] == "9"
    # rewritten on every build
    program.write_text("#!/bin/sh\nexit 1\n")
    write_layer(layers)
    assert program.read_bytes() == SCRIPT.read_bytes()
