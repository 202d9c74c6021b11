"""`cnb-python dev mirror --from-host DIR`: a runtime archive of this machine's CPython, and an
operator catalog for it, so builds work with no access to python-build-standalone's host.

The build then takes the ordinary path: the catalog names a `file://` URL (or, served over
HTTP, `BP_PYTHON_MIRROR`), and the archive is downloaded, verified against its sha256 and
extracted like any other. The archive is made by `cnb_python.dev.runtime_archive`, the same
code the test suite uses.

Stacks: the catalog lists every stack of the built-in catalog (same ids, aliases and distros,
so `--stack heroku-24` or a noble target resolve as they would online), the portable one
included, which serves a local build without `--target` on a distro no stack names (this
machine's). Each offers only the mirrored series, as its default, and only this machine's
arch: the archive runs on this CPU and this glibc, nowhere else.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cnb_python.catalog.loader import builtin_catalog, load_from
from cnb_python.cnb import tomlio
from cnb_python.dev.runtime_archive import RuntimeArchive, build_runtime_archive, probe
from cnb_python.output import Output

if TYPE_CHECKING:
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]

CATALOG_NAME = "catalog.toml"


def register(dev_subparsers: Subparsers) -> None:
    parser = dev_subparsers.add_parser(
        "mirror",
        help="write a runtime archive of this machine's CPython and a catalog for offline builds",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    parser.add_argument(
        "--from-host", metavar="DIR", type=Path, required=True, help="directory to write into"
    )
    parser.add_argument(
        "--python",
        metavar="PATH",
        type=Path,
        default=Path(sys.executable),
        help="interpreter to package (default: the one running this command)",
    )
    parser.add_argument(
        "--layout",
        choices=("standalone", "heroku"),
        default="standalone",
        help="python-build-standalone's (tar.gz, python/ top dir) or Heroku's (tar.zst)",
    )
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    output = Output()
    out_dir: Path = args.from_host.absolute()
    python = probe(args.python)
    output.step(f"Packaging Python {python.version} from {python.prefix}")
    archive = build_runtime_archive(python, out_dir, layout=args.layout)
    catalog_path = write_mirror_catalog(archive, out_dir / CATALOG_NAME)
    load_from(str(catalog_path))  # the same validation a build applies
    output.detail(f"Archive: {archive.path} (sha256 {archive.sha256})")
    output.detail(f"Catalog: {catalog_path}")
    output.step("Build offline with:")
    output.detail(f"cnb-python dev build APP_DIR --env BP_PYTHON_CATALOG={catalog_path}")
    output.step("Or serve the directory over HTTP and keep the catalog's URLs with:")
    output.detail(f"BP_PYTHON_CATALOG={catalog_path} BP_PYTHON_MIRROR=http://HOST:PORT/")
    return 0


def mirror_catalog(archive: RuntimeArchive) -> dict[str, Any]:
    builtin = builtin_catalog()
    stacks: list[dict[str, Any]] = []
    for stack in builtin.stacks:
        stacks.append(
            _stack(
                stack.id,
                aliases=list(stack.aliases),
                distro=stack.distro,
                distro_version=stack.distro_version,
                archive=archive,
                status=stack.status,
                portable=stack.portable,
            )
        )
    known = builtin.find_series(archive.series)
    series: dict[str, Any] = {"version": archive.series, "status": "supported"}
    if known is not None:
        series["status"] = known.status
        if known.end_of_life is not None:
            series["end-of-life"] = known.end_of_life.isoformat()
    return {
        "schema": 1,
        "stacks": stacks,
        "series": [series],
        "artifacts": [
            {
                "version": archive.version,
                "arch": archive.arch,
                "url": archive.path.as_uri(),
                "sha256": archive.sha256,
                "format": archive.format,
                "strip-components": archive.strip_components,
                "stacks": ["*"],
            }
        ],
    }


def _stack(
    stack_id: str,
    *,
    aliases: list[str],
    distro: str,
    distro_version: str,
    archive: RuntimeArchive,
    status: str,
    portable: bool,
) -> dict[str, Any]:
    return {
        "id": stack_id,
        "aliases": aliases,
        "distro": distro,
        "distro-version": distro_version,
        "archs": [archive.arch],
        "series": [archive.series],
        "default": archive.series,
        # An end-of-life stack would refuse every build; the mirror is for local builds.
        "status": "deprecated" if status == "end-of-life" else status,
        # Only where true: releases before the key existed refuse unknown keys.
        **({"portable": True} if portable else {}),
    }


def write_mirror_catalog(archive: RuntimeArchive, path: Path) -> Path:
    tomlio.write_atomic(path, mirror_catalog(archive))
    return path
