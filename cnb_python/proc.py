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


# Where the buildpack's own Pythons run: anywhere but the app directory (the build's cwd).
NEUTRAL_CWD = Path("/")


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
) -> subprocess.CompletedProcess[str]:
    """Run `argv` with exactly `env`.

    With `capture`, stdout and stderr are merged and returned as text; otherwise they stream
    to the build log. With `check`, a non-zero exit raises `CommandFailed` holding the output.
    `stdin` is the text on its standard input (none by default).
    """
    args = [str(part) for part in argv]
    if output is not None:
        output.running(args)
    executable = which(args[0], env)
    result = subprocess.run(
        [executable, *args[1:]],
        env=dict(env),
        cwd=cwd,
        input=stdin,
        stdin=subprocess.DEVNULL if stdin is None else None,
        stdout=subprocess.PIPE if capture else None,
        stderr=subprocess.STDOUT if capture else None,
        text=True,
        errors="replace",
        check=False,
    )
    if check and result.returncode != 0:
        raise CommandFailed(tuple(args), result.returncode, result.stdout or "")
    return result
