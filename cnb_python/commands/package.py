"""`cnb-python package`: a self-contained buildpack per arch (see docs/operators.md)."""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from cnb_python.errors import DevUsageError
from cnb_python.output import Output

if TYPE_CHECKING:
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]

_SERIES = re.compile(r"^\d+\.\d+$")


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "package",
        help="write a self-contained buildpack (own interpreter and dependencies) per arch",
        description=(
            "Write a buildpack directory (or .tgz) that pack and kpack accept, with its own "
            "Python interpreter (runtime/) and dependencies (vendor/). BP_PYTHON_CATALOG and "
            "BP_PYTHON_MIRROR from this environment choose where interpreters come from."
        ),
    )
    parser.add_argument(
        "--arch",
        choices=("amd64", "arm64"),
        action="append",
        required=True,
        help="once per arch; several write pack's multi-arch layout (linux/<arch>/ trees)",
    )
    parser.add_argument("--out", type=Path, required=True, metavar="DIR")
    parser.add_argument(
        "--bootstrap-series",
        default="3.13",
        metavar="X.Y",
        help="series of the buildpack's own interpreter (default: 3.13)",
    )
    parser.add_argument("--format", choices=("dir", "tgz"), default="dir", dest="fmt")
    parser.add_argument(
        "--source",
        type=Path,
        default=None,
        metavar="DIR",
        help="the buildpack's checkout (buildpack.toml, bin/, cnb_python/); default: the one "
        "this cnb-python runs from",
    )
    parser.add_argument(
        "--offline",
        action="store_true",
        help="also carry app runtimes and the pip/uv wheels, for builds without network",
    )
    parser.add_argument(
        "--series",
        default="",
        metavar="X.Y,...",
        help="offline runtimes to carry (default: every stack's default series)",
    )
    parser.set_defaults(func=_run)


def _series_list(value: str) -> tuple[str, ...]:
    items = tuple(item.strip() for item in value.split(",") if item.strip())
    for item in items:
        if not _SERIES.match(item):
            raise DevUsageError("--series", value, f"{item!r} is not of the form X.Y", "3.12,3.13")
    return items


def _run(args: argparse.Namespace) -> int:
    from cnb_python.package.builder import PackageRequest, build_package, default_source

    if not _SERIES.match(args.bootstrap_series):
        raise DevUsageError(
            "--bootstrap-series", args.bootstrap_series, "it is not of the form X.Y", "3.13"
        )
    series = _series_list(args.series)
    if series and not args.offline:
        raise DevUsageError("--series", args.series, "it only applies with --offline", "--offline")
    source = args.source or default_source()
    if source is None or not (source / "buildpack.toml").is_file():
        raise DevUsageError(
            "--source",
            str(source) if source else "(not given)",
            "a package is made from the buildpack's checkout (buildpack.toml, bin/), which an "
            "installed cnb-python does not hold",
            "--source ~/src/cnb-python",
        )
    request = PackageRequest(
        source=source,
        arches=tuple(dict.fromkeys(args.arch)),
        out=args.out,
        bootstrap_series=args.bootstrap_series,
        fmt=args.fmt,
        offline=args.offline,
        series=series,
    )
    build_package(request, dict(os.environ), Output.for_environment(os.environ))
    return 0
