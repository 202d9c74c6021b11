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
log. A hook that is executable and starts with `#!` runs as its own program; anything else runs
with bash, which is what the classic buildpacks amount to (they `chmod +x` the file and run it
from bash, and bash runs a file without `#!` as a bash script). We never change the file's
mode: the app directory becomes the image. A missing hook is skipped silently; a non-zero exit
fails the build with `HookFailed`, naming the hook and its status.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from cnb_python import proc
from cnb_python.cnb.context import BuildContext
from cnb_python.cnb.env import PATH_VARIABLES
from cnb_python.errors import HookFailed
from cnb_python.output import Output

HookName = Literal["pre_compile", "post_compile"]
HOOKS: tuple[HookName, ...] = ("pre_compile", "post_compile")


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


def _argv(ctx: BuildContext, name: HookName) -> list[str]:
    relative = f"bin/{name}"
    path = ctx.app_dir / relative
    with path.open("rb") as file:
        has_shebang = file.read(2) == b"#!"
    if has_shebang and path.stat().st_mode & 0o111:
        # Through bash's exec rather than exec'ing it ourselves: a missing #! interpreter then
        # becomes a 127 exit status we report as the hook's, not an OSError.
        return ["bash", "-c", 'exec "./$0"', relative]
    return ["bash", relative]


def run_hook(ctx: BuildContext, name: HookName, env: Mapping[str, str], output: Output) -> None:
    """Run `bin/<name>` of the app if it is a file; raise `HookFailed` on a non-zero exit."""
    if name not in HOOKS:
        msg = f"unknown hook {name!r}"
        raise ValueError(msg)
    path = ctx.app_dir / "bin" / name
    if not path.is_file():
        return
    output.header(f"Running bin/{name}")
    result = proc.run(
        _argv(ctx, name),
        env=user_env(env, ctx.platform_env),
        cwd=ctx.app_dir,
        output=output,
        check=False,
    )
    if result.returncode != 0:
        raise HookFailed(name, result.returncode)
    output.step(f"bin/{name} finished")
