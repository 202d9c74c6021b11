"""The one way this buildpack runs a subprocess.

Every call passes an explicit environment (nothing leaks from `os.environ`), resolves the
program on that environment's PATH (so a layer's `bin/` wins as it will at launch), and can
print the command it runs. Output is streamed to the build log unless captured.

A Python the buildpack runs for itself (the runtime check, bytecode, `venv`, the pip
bootstrap) goes through `run_python`: `-I`, an env without `PYTHON*` variables and a working
directory outside the app. Without that, `python -m venv` run in the app directory imports an
app file named `venv.py` instead of the standard library's, and an app's `PYTHONPATH` (or a
blank but set `PYTHONHOME`) reaches the interpreter. Tools that start Python themselves
without `-I` (pip running itself under the venv's interpreter, Poetry's and Pipenv's scripts)
get the same env through `isolated_env`.
"""

from __future__ import annotations

import collections
import contextlib
import os
import shutil
import signal
import subprocess
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

from cnb_python import effects
from cnb_python.errors import CommandFailed, CommandTimedOut, ProgramNotFound
from cnb_python.output import Output


def which(program: str, env: Mapping[str, str]) -> str:
    """Resolve `program` on the PATH of `env`, not of the buildpack's own process."""
    if "/" in program:
        return program
    found = shutil.which(program, path=env.get("PATH", ""))
    if found is None:
        raise ProgramNotFound(program, env.get("PATH", ""))
    return found


# How long a stopped command has to exit after SIGTERM before SIGKILL.
_GRACE = 5.0
# Where the buildpack's own Pythons run: anywhere but the app directory (the build's cwd).
NEUTRAL_CWD = Path("/")


_DISK_FULL_WORDS = ("No space left on device", "Disk quota exceeded")


def ran_out_of_disk(output: str) -> bool:
    """A command's captured output says the disk filled up: the C library's message, in
    English whatever the build's locale (Python sets only LC_CTYPE from the environment)."""
    return any(words in output for words in _DISK_FULL_WORDS)


def isolated_env(env: Mapping[str, str]) -> dict[str, str]:
    """`env` without the `PYTHON*` variables, which is what `-I` makes CPython ignore. Others
    that begin so (`PYTHON_KEYRING_BACKEND`) belong to tools, which set them again."""
    return {name: value for name, value in env.items() if not name.startswith("PYTHON")}


def run_python(
    python: str | Path,
    args: Sequence[str | Path],
    *,
    env: Mapping[str, str],
    cwd: Path = NEUTRAL_CWD,
    output: Output | None = None,
    capture: bool = False,
    check: bool = True,
    stdin: str | None = None,
    shown: Sequence[str] | None = None,
    timeout: float | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `python -I args` for the buildpack itself, isolated from the app (module docs)."""
    return run(
        [python, "-I", *args],
        env=isolated_env(env),
        cwd=cwd,
        output=output,
        capture=capture,
        check=check,
        stdin=stdin,
        shown=shown,
        timeout=timeout,
    )


def run(
    argv: Sequence[str | Path],
    *,
    env: Mapping[str, str],
    cwd: Path | None = None,
    output: Output | None = None,
    capture: bool = False,
    check: bool = True,
    stdin: str | None = None,
    timeout: float | None = None,
    tee: bool = False,
    user: tuple[int, int] | None = None,
    shown: Sequence[str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `argv` with exactly `env`.

    The log shows `shown` (the command as a user would type it, `Output.running`) when given.

    With `capture`, stdout and stderr are merged and returned as text; otherwise they stream
    to the build log. With `check`, a non-zero exit raises `CommandFailed` holding the output.
    `stdin` is the text on its standard input (none by default).

    With `timeout`, the command and everything it started (its own session) are stopped after
    that many seconds and `CommandTimedOut` is raised. With `tee` (and `capture`), each line
    is also printed to the build log as it comes: a captured command that hangs is not silent.
    `user` (uid, gid): run as that user, with no supplementary groups (the local platform's
    build and run users; needs root; not with `timeout` or `tee`).
    """
    args = [str(part) for part in argv]
    if output is not None:
        output.running(args, shown)
    if user is not None and (timeout is not None or tee):
        msg = "run(): user= cannot be combined with timeout= or tee="
        raise ValueError(msg)
    executable = which(args[0], env)
    command = effects.Command(
        args=tuple(args), executable=executable, env=env, cwd=cwd, capture=capture,
        stdin=stdin, timeout=timeout, tee=tee, user=user, output=output,
    )  # fmt: skip
    result = effects.current().run(command)
    if check and result.returncode != 0:
        raise CommandFailed(tuple(args), result.returncode, result.stdout or "")
    return result


def spawn(command: effects.Command) -> subprocess.CompletedProcess[str]:
    """Start `command` for real and wait for it (the real `effects.Runner`)."""
    args, env, cwd = list(command.args), command.env, command.cwd
    if command.timeout is not None or command.tee:
        return _supervised(
            [command.executable, *args[1:]],
            args,
            env=env,
            cwd=cwd,
            output=command.output if command.tee else None,
            capture=command.capture,
            check=False,
            timeout=command.timeout,
            stdin=command.stdin,
        )
    user = command.user
    return subprocess.run(
        [command.executable, *args[1:]],
        env=dict(env),
        cwd=cwd,
        input=command.stdin,
        stdin=subprocess.DEVNULL if command.stdin is None else None,
        stdout=subprocess.PIPE if command.capture else None,
        stderr=subprocess.STDOUT if command.capture else None,
        text=True,
        errors="replace",
        check=False,
        user=None if user is None else user[0],
        group=None if user is None else user[1],
        extra_groups=None if user is None else [],
    )


def _supervised(
    command: list[str],
    args: list[str],
    *,
    env: Mapping[str, str],
    cwd: Path | None,
    output: Output | None,
    capture: bool,
    check: bool,
    timeout: float | None,
    stdin: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """`run` for user code that may hang: in a session of its own, so that stopping it stops
    what it started too, and read line by line when captured. `stdin` is written whole and
    closed before anything is read: it is a line or two (a pinned requirement), far below
    what a pipe holds, so the write cannot wait on the command."""
    process = subprocess.Popen(
        command,
        env=dict(env),
        cwd=cwd,
        stdin=subprocess.DEVNULL if stdin is None else subprocess.PIPE,
        stdout=subprocess.PIPE if capture else None,
        stderr=subprocess.STDOUT if capture else None,
        text=True,
        errors="replace",
        start_new_session=True,
    )
    if process.stdin is not None:
        try:
            process.stdin.write(stdin or "")
            process.stdin.close()
        except BrokenPipeError:
            pass  # it exited without reading: its exit status says why
    lines = _Kept()
    reader = None
    if process.stdout is not None:
        stream = process.stdout

        def pump() -> None:
            for line in stream:
                lines.add(line)
                if output is not None:
                    output.detail(line.rstrip("\n"))

        reader = threading.Thread(target=pump, daemon=True)
        reader.start()
    try:
        returncode = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        _stop(process)
        if reader is not None:
            reader.join(_GRACE)
        raise CommandTimedOut(tuple(args), float(timeout or 0), lines.text()) from None
    except BaseException:
        _stop(process)
        raise
    if reader is not None:
        reader.join(_GRACE)
        if reader.is_alive():
            # The command exited, but something it started still holds its output open.
            _stop(process)
            reader.join(_GRACE)
    if process.stdout is not None:
        process.stdout.close()
    text = lines.text()
    if check and returncode != 0:
        raise CommandFailed(tuple(args), returncode, text)
    return subprocess.CompletedProcess(args, returncode, text if capture else None)


class _Kept:
    """What is kept of a captured output that may never end (`yes` in a hook): its first
    `HEAD_BYTES` and its last `TAIL_LINES` lines, the rest only streamed to the log."""

    HEAD_BYTES = 1024 * 1024
    TAIL_LINES = 200

    def __init__(self) -> None:
        self.head: list[str] = []
        self.size = 0
        self.tail: collections.deque[str] = collections.deque(maxlen=self.TAIL_LINES)
        self.dropped = 0

    def add(self, line: str) -> None:
        if self.size + len(line) <= self.HEAD_BYTES and not self.tail:
            self.head.append(line)
            self.size += len(line)
            return
        if len(self.tail) == self.TAIL_LINES:
            self.dropped += 1
        self.tail.append(line)

    def text(self) -> str:
        cut = [f"[... {self.dropped} lines not kept ...]\n"] if self.dropped else []
        return "".join([*self.head, *cut, *self.tail])


def _stop(process: subprocess.Popen[str]) -> None:
    """SIGTERM to the command's whole session; SIGKILL to what is left after a grace period."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=_GRACE)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


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
