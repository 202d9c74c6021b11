"""Run a command as another user, optionally with some directories read-only, as root can.

The run image's user is often not the build's, and a real image's layers are read-only: tests
of the launch side use `setpriv` to become `nobody` with no supplementary groups (no
capabilities are kept), and a private mount namespace (`unshare -m`) to bind-mount layers
read-only for that one command, leaving the test's own mounts untouched.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

NOBODY_UID = 65534
NOBODY_GID = 65534


def require_root_tools() -> None:
    """Skip unless this test runs as root with setpriv and unshare available."""
    if os.geteuid() != 0:
        pytest.skip("needs root to become another user")
    for tool in ("setpriv", "unshare", "mount"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed")


def as_user(
    argv: Sequence[str | Path],
    *,
    env: Mapping[str, str],
    cwd: Path,
    read_only: Sequence[Path] = (),
    uid: int = NOBODY_UID,
    gid: int = NOBODY_GID,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    become = ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups", *map(str, argv)]
    mounts = [
        f"mount --bind {shlex.quote(str(path))} {shlex.quote(str(path))} && "
        f"mount -o remount,bind,ro {shlex.quote(str(path))}"
        for path in read_only
    ]
    script = " && ".join([*mounts, "exec " + shlex.join(become)])
    return subprocess.run(
        ["unshare", "-m", "sh", "-c", script],
        env=dict(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
