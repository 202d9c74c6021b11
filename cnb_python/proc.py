"""The one way this buildpack runs a subprocess.

Every call passes an explicit environment (nothing leaks from `os.environ`), resolves the
program on that environment's PATH (so a layer's `bin/` wins as it will at launch), and can
print the command it runs. Output is streamed to the build log unless captured.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from cnb_python.errors import CommandFailed, ProgramNotFound
from cnb_python.output import Output


def which(program: str, env: Mapping[str, str]) -> str:
    """Resolve `program` on the PATH of `env`, not of the buildpack's own process."""
    if "/" in program:
        return program
    found = shutil.which(program, path=env.get("PATH", ""))
    if found is None:
        raise ProgramNotFound(program, env.get("PATH", ""))
    return found


def run(
    argv: Sequence[str | Path],
    *,
    env: Mapping[str, str],
    cwd: Path | None = None,
    output: Output | None = None,
    capture: bool = False,
    check: bool = True,
    user: tuple[int, int] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `argv` with exactly `env`.

    With `capture`, stdout and stderr are merged and returned as text; otherwise they stream
    to the build log. With `check`, a non-zero exit raises `CommandFailed` holding the output.
    `user` (uid, gid): run as that user, with no supplementary groups (the local platform's
    build and run users; needs root).
    """
    args = [str(part) for part in argv]
    if output is not None:
        output.running(args)
    executable = which(args[0], env)
    result = subprocess.run(
        [executable, *args[1:]],
        env=dict(env),
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE if capture else None,
        stderr=subprocess.STDOUT if capture else None,
        text=True,
        errors="replace",
        check=False,
        user=None if user is None else user[0],
        group=None if user is None else user[1],
        extra_groups=None if user is None else [],
    )
    if check and result.returncode != 0:
        raise CommandFailed(tuple(args), result.returncode, result.stdout or "")
    return result


def start_detached(argv: Sequence[str], *, env: Mapping[str, str]) -> None:
    """Start `argv` with exactly `env` and leave it running on its own (its own session, no
    terminal, output discarded): for clean-up the caller must not wait for."""
    subprocess.Popen(
        [which(argv[0], env), *argv[1:]],
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
