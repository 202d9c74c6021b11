"""A stale lock is named before the index is asked anything (`managers.failures.stale_lock`).

The tools refuse a stale lock without asking the index, so on a build whose index or proxy is
unreachable too, the lock is still the reason to report. Here the tool's run is recorded
(`cnb_python.effects`) and fails with the tool's own stale-lock line, and the env names an
index: probing it would open a connection, which the unit tier refuses, so the test fails if
the order is ever reversed.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from cnb_python import effects
from cnb_python.errors import LockFileOutOfDate
from cnb_python.managers.base import InstallJob, Tool
from cnb_python.managers.locked import PipenvManager, UvManager
from cnb_python.output import Output

STALE = {
    "uv": "error: The lockfile at `uv.lock` needs to be updated, but `--locked` was provided.",
    "pipenv": "Your Pipfile.lock (0123abcd) is out of date. Expected: (4567ef01).",
}


def _fetch_refused(download: effects.Download) -> object:
    raise AssertionError(f"no download expected: {download.url}")


@pytest.mark.parametrize("manager_type", [UvManager, PipenvManager])
def test_a_stale_lock_is_reported_without_probing_the_index(
    tmp_path: Path, manager_type: type[PipenvManager | UvManager]
) -> None:
    manager = manager_type(app_dir=tmp_path, python_version="3.12.8")
    program = tmp_path / "bin" / manager.name
    program.parent.mkdir()
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    ran: list[effects.Command] = []

    def run(command: effects.Command) -> subprocess.CompletedProcess[str]:
        ran.append(command)
        return subprocess.CompletedProcess(command.args, 1, STALE[manager.name] + "\n")

    job = InstallJob(
        app_dir=tmp_path,
        venv=tmp_path / "venv",
        tools={manager.name: Tool(manager.name, "1.0", (str(program),))},
        env={"PATH": "/usr/bin:/bin", "PIP_INDEX_URL": "https://index.invalid/simple/"},
        output=Output(),
        timeout=60,
    )
    recorded = effects.Effects(run=run, fetch=_fetch_refused)  # type: ignore[arg-type]
    with effects.using(recorded), pytest.raises(LockFileOutOfDate) as raised:
        manager.install(job)
    assert len(ran) == 1
    assert raised.value.lock_file == manager.lock_file
    assert raised.value.detail.startswith(STALE[manager.name].removeprefix("error: ")[:20])
