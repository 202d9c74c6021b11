"""`bin/pre_compile` and `bin/post_compile`: the app's own build steps, as on Heroku's and
Scalingo's classic buildpacks.

Many apps already ship these hooks (to write a `.netrc` for private packages, generate a
requirements file, compile translations, download data), so supporting them makes moving such
an app to a CNB a non-event. Where they run (build.py):

- `pre_compile` before the package manager is chosen, so it may generate `requirements.txt`
  and friends; Python is not installed yet, so it sees only the build image's tools;
- `post_compile` after the dependencies and Django's static files, with the venv's `bin`
  first on `PATH` and `VIRTUAL_ENV` set, so `python` is the app's Python.

How: the working directory is the app directory; the env is the build's in-process env (our
layers applied) with the user's platform env on top (`user_env`); output streams into the build
log. A hook that starts with `#!` runs with the interpreter it names, whether or not it is
executable, and anything else runs with bash: that is what the classic buildpacks amount to
(they `chmod +x` the file and run it from bash, and bash runs a file without `#!` as a bash
script). We never change the file's mode, since the app directory becomes the image: a
non-executable hook's `#!` line is read the way the kernel reads it (the interpreter, then at
most one argument). A missing hook is skipped silently; a non-zero exit fails the build with
`HookFailed`, naming the hook and its status.

Each hook may run for `BP_PYTHON_HOOK_TIMEOUT` seconds (30 minutes): then it is stopped, with
everything it started, and the build fails with `HookTimedOut`. Its standard input is closed,
so a hook that prompts gets end-of-file rather than waiting for an answer that never comes.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from cnb_python import proc
from cnb_python.cnb.context import BuildContext
from cnb_python.cnb.env import PATH_VARIABLES
from cnb_python.errors import CommandTimedOut, HookFailed, HookTimedOut
from cnb_python.limits import HOOK_TIMEOUT
from cnb_python.output import Output

HookName = Literal["pre_compile", "post_compile"]
HOOKS: tuple[HookName, ...] = ("pre_compile", "post_compile")
# The kernel reads at most this much of a #! line (BINPRM_BUF_SIZE).
_SHEBANG_MAX = 256


def user_env(env: Mapping[str, str], platform_env: Mapping[str, str]) -> dict[str, str]:
    """The env for user code run during the build (hooks, Django's manage.py).

    The lifecycle exports the platform env into the build's own env (we do not set
    `clear-env`), after earlier buildpacks' env, so the user's values already win there; they
    are put on top again here because our own layers were applied in-process after that, and
    for user code the user's settings come last, as for a later buildpack. Path variables are
    left alone: the lifecycle already put the user's entries in front, and doing it twice would
    repeat them.
    """
    merged = dict(env)
    for name, value in platform_env.items():
        if name not in PATH_VARIABLES:
            merged[name] = value
    return merged


def shebang(first_line: bytes) -> list[str] | None:
    """The interpreter and its one optional argument from a `#!` line, as the kernel splits
    it (everything after the interpreter is one argument), or None without one."""
    if not first_line.startswith(b"#!"):
        return None
    text = os.fsdecode(first_line[2:].rstrip(b"\r\n")).strip(" \t")
    if not text:
        return None
    parts = re.split(r"[ \t]+", text, maxsplit=1)
    return [parts[0], *(part.strip(" \t") for part in parts[1:] if part.strip(" \t"))]


def _argv(ctx: BuildContext, name: HookName) -> list[str]:
    relative = f"bin/{name}"
    path = ctx.app_dir / relative
    with path.open("rb") as file:
        interpreter = shebang(file.readline(_SHEBANG_MAX))
    # Through bash's exec rather than exec'ing it ourselves: a missing #! interpreter then
    # becomes a 127 exit status we report as the hook's, not an OSError.
    if interpreter is not None and path.stat().st_mode & 0o111:
        return ["bash", "-c", 'exec "./$0"', relative]
    if interpreter is not None:
        return ["bash", "-c", 'exec "$@"', relative, *interpreter, relative]
    return ["bash", relative]


def present(app_dir: Path, name: HookName) -> bool:
    """The app has `bin/<name>` (a missing hook is skipped silently)."""
    return (app_dir / "bin" / name).is_file()


def run_hook(ctx: BuildContext, name: HookName, env: Mapping[str, str], output: Output) -> None:
    """Run `bin/<name>` of the app if it is a file; raise `HookFailed` on a non-zero exit."""
    if name not in HOOKS:
        msg = f"unknown hook {name!r}"
        raise ValueError(msg)
    if not present(ctx.app_dir, name):
        return
    output.header(f"Running bin/{name}")
    timeout = HOOK_TIMEOUT.read(ctx.platform_env)
    try:
        result = proc.run(
            _argv(ctx, name),
            env=user_env(env, ctx.platform_env),
            cwd=ctx.app_dir,
            output=output,
            check=False,
            timeout=timeout,
        )
    except CommandTimedOut:
        raise HookTimedOut(name, timeout, HOOK_TIMEOUT.setting) from None
    if result.returncode != 0:
        raise HookFailed(name, result.returncode)
    output.step(f"bin/{name} finished")
