"""The `cnb-python` command as a shell user meets it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CLI = str(Path(sys.executable).parent / "cnb-python")


def test_closed_pipe_is_not_a_traceback() -> None:
    result = subprocess.run(
        f"{CLI} catalog list | head -n 1",
        shell=True,
        capture_output=True,
        text=True,
        check=False,
        executable="/bin/bash",
    )
    assert result.returncode == 0
    assert len(result.stdout.splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert "BrokenPipeError" not in result.stderr


def test_version_and_help() -> None:
    version = subprocess.run([CLI, "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.startswith("cnb-python ")
    helped = subprocess.run([CLI, "--help"], capture_output=True, text=True, check=True)
    for command in ("dev", "resolve", "catalog"):
        assert command in helped.stdout
