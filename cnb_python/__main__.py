"""Entry point of `bin/detect` and `bin/build`: `python -I -m cnb_python detect|build`.

`main(argv)` returns the exit code, so tests call it in-process. This is the one place where
errors become text and exit codes: a `BuildpackError` is rendered once and exits 1; anything
else is an internal error, shown briefly (with the traceback only when BP_LOG_LEVEL=DEBUG).
Exit 100 means exactly "detect did not pass".

Imports happen where they are needed, on purpose. A packaged buildpack ships no bytecode, and
its directory is read-only, so every module a phase imports is compiled from source on every
run, the standard library's included (pathlib, dataclasses, typing and traceback each cost
about as much as the interpreter's start). Detect runs on every build, so this module imports
only what the interpreter has already loaded when it starts; each phase imports its own
modules, and the error path imports the rendering machinery (errors, output, traceback) only
when there is an error to render.
"""

from __future__ import annotations

import os
import sys

from cnb_python.cnb import exit_codes

TYPE_CHECKING = False  # see cnb_python/detect.py: keeps `typing` out of detect's imports
if TYPE_CHECKING:
    from collections.abc import Sequence


def _detect(env: dict[str, str]) -> int:
    from cnb_python import detect

    missing = detect.missing_variable(env)
    if missing:
        from cnb_python.errors import MissingContext

        raise MissingContext(missing, "detect")
    if detect.detect(os.curdir, env["CNB_BUILD_PLAN_PATH"]):
        return exit_codes.SUCCESS
    print(detect.not_detected_message())
    return exit_codes.DETECT_FAIL


def _build(env: dict[str, str]) -> int:
    from pathlib import Path

    from cnb_python.build import build
    from cnb_python.cnb.context import BuildContext
    from cnb_python.cnb.modes import UMASK
    from cnb_python.output import Output

    # What the build and its subprocesses (pip, uv, venv) create must be readable by the user
    # the app runs as, whatever umask the platform started us with (cnb_python.cnb.modes).
    os.umask(UMASK)
    ctx = BuildContext.from_env(env, Path.cwd())
    build(ctx, env, Output.for_environment(env, ctx.platform_env))
    return exit_codes.SUCCESS


def _fail(env: dict[str, str], error: BaseException | None, phase: str) -> int:
    """Render `error` (or, without one, the unknown `phase`) once; the exit code of a failure."""
    import traceback

    from cnb_python.errors import BuildpackError, Message
    from cnb_python.output import Output

    output = Output.for_environment(env)
    error = _environmental(error)
    if error is None:
        output.error(Message(title=f"Unknown phase {phase!r}: expected detect or build"))
    elif isinstance(error, BuildpackError):
        output.error(error.message())
    elif isinstance(error, KeyboardInterrupt):
        output.error(Message(title="Interrupted"))
    else:
        output.error(
            Message(
                title=f"Internal error in cnb-python: {type(error).__name__}: {error}",
                fix=(
                    "This is a bug in the buildpack, not in your app: please report it with "
                    "the build log.",
                    "Set BP_LOG_LEVEL=DEBUG to include the traceback in the log.",
                ),
            )
        )
        if env.get("BP_LOG_LEVEL", "").strip().upper() == "DEBUG":
            traceback.print_exception(type(error), error, error.__traceback__)
    return exit_codes.ERROR


def _environmental(error: BaseException | None) -> BaseException | None:
    """A full disk, exhausted memory or a file system that refuses (read-only, no permission,
    failing) is the build's environment, not a bug: the step that hit it did not expect it,
    but the user gets one clear message wherever it struck."""
    import errno

    from cnb_python.errors import DiskFull, FileSystemFailed, OutOfMemory

    if isinstance(error, MemoryError) or (
        isinstance(error, OSError) and error.errno == errno.ENOMEM
    ):
        return OutOfMemory()
    if not isinstance(error, OSError):
        return error
    path = str(error.filename) if error.filename else ""
    reason = error.strerror or str(error)
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return DiskFull(reason=reason, path=path)
    if error.errno in (errno.EROFS, errno.EACCES, errno.EPERM, errno.EIO, errno.EMFILE):
        return FileSystemFailed(reason, path)
    return error


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    env = dict(os.environ)
    # The lifecycle still appends deprecated positional arguments; only the phase matters.
    phase = args[0] if args else ""
    try:
        if phase == "detect":
            return _detect(env)
        if phase == "build":
            return _build(env)
        return _fail(env, None, phase)
    except (Exception, KeyboardInterrupt) as error:
        return _fail(env, error, phase)


if __name__ == "__main__":
    sys.exit(main())
