"""Entry point of `bin/detect` and `bin/build`: `python -I -m cnb_python detect|build`.

`main(argv)` returns the exit code, so tests call it in-process. This is the one place where
errors become text and exit codes: a `BuildpackError` is rendered once and exits 1; anything
else is an internal error, shown briefly (with the traceback only when BP_LOG_LEVEL=DEBUG).
Exit 100 means exactly "detect did not pass". The heavy imports of build (pydantic, requests)
stay inside the build branch so detect starts fast.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from cnb_python.cnb import exit_codes
from cnb_python.errors import BuildpackError, Message
from cnb_python.output import Output


def _debug(env: dict[str, str]) -> bool:
    return env.get("BP_LOG_LEVEL", "").strip().upper() == "DEBUG"


def _detect(env: dict[str, str]) -> int:
    from cnb_python.cnb.context import DetectContext
    from cnb_python.detect import detect, not_detected_message

    ctx = DetectContext.from_env(env, Path.cwd())
    if detect(ctx):
        return exit_codes.SUCCESS
    print(not_detected_message())
    return exit_codes.DETECT_FAIL


def _build(env: dict[str, str], output: Output) -> int:
    from cnb_python.build import build
    from cnb_python.cnb.context import BuildContext

    ctx = BuildContext.from_env(env, Path.cwd())
    build(ctx, env, output)
    return exit_codes.SUCCESS


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    env = dict(os.environ)
    output = Output.for_environment(env)
    # The lifecycle still appends deprecated positional arguments; only the phase matters.
    phase = args[0] if args else ""
    try:
        if phase == "detect":
            return _detect(env)
        if phase == "build":
            return _build(env, output)
        output.error(Message(title=f"Unknown phase {phase!r}: expected detect or build"))
    except BuildpackError as error:
        output.error(error.message())
    except KeyboardInterrupt:
        output.error(Message(title="Interrupted"))
    except Exception as error:
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
        if _debug(env):
            traceback.print_exc()
    return exit_codes.ERROR


if __name__ == "__main__":
    sys.exit(main())
