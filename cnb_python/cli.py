"""The `cnb-python` command: the operator's and developer's tools around the buildpack.

Subcommands live in `cnb_python.commands.*`, each with a `register(subparsers)` function; this
module only wires them and turns errors into exit codes, like `__main__` does for the phases.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from cnb_python import __version__
from cnb_python.cnb import exit_codes
from cnb_python.errors import BuildpackError
from cnb_python.output import Output


def build_parser() -> argparse.ArgumentParser:
    from cnb_python.commands import catalog, dev, package, resolve

    parser = argparse.ArgumentParser(
        prog="cnb-python",
        description="Tools for the cnb-python Cloud Native Buildpack.",
    )
    parser.add_argument("--version", action="version", version=f"cnb-python {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in (dev, resolve, catalog, package):
        command.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        code: int = args.func(args)
    except BuildpackError as error:
        Output.for_environment(os.environ).error(error.message())
        return exit_codes.ERROR
    except BrokenPipeError:
        # `cnb-python catalog list | head`: the reader left, which is not an error. Point stdout
        # at /dev/null so the interpreter's final flush does not complain either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return exit_codes.SUCCESS
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
