"""What a launch as another user needs, checked from inside that user's process.

Run as `python -c "from tests.support.launch_check import main; main()" LAYERS LAUNCH_TOML APP
PROCESS`:
opens every directory and reads every file of the launch layers, computes the process's env
the way the launcher does (env files and exec.d programs: `cnb_python.dev.launch`), runs the
process from launch.toml, and prints a JSON report on stdout. Nothing here may write to the
layers or the app: they may be read-only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from cnb_python.dev.launch import base_env, launch_env, read_processes, select


def unreadable(root: Path) -> list[str]:
    problems = []
    for directory, _, files in os.walk(root, onerror=lambda error: problems.append(str(error))):
        for name in files:
            path = Path(directory) / name
            if path.is_symlink() and not path.exists():
                continue
            try:
                with path.open("rb") as handle:
                    while handle.read(1 << 20):
                        pass
            except OSError as error:
                problems.append(f"{path}: {error.strerror}")
    return problems


def main() -> None:
    layers, launch_toml, app = (Path(arg) for arg in sys.argv[1:4])
    process_type = sys.argv[4]
    report: dict[str, object] = {"uid": os.getuid(), "unreadable": unreadable(layers)}
    try:
        env = launch_env(layers, process_type, base_env("/nonexistent", {"PORT": "8080"}), app)
        process = select(read_processes(launch_toml), process_type)
        done = subprocess.run(
            list(process.command),
            env=env,
            cwd=app,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        report.update(returncode=done.returncode, stdout=done.stdout, stderr=done.stderr)
    except Exception as error:  # reported, not raised: the test shows what failed
        report.update(returncode=None, error=f"{type(error).__name__}: {error}")
    print(json.dumps(report))
