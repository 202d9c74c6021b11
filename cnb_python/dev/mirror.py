"""`cnb-python dev mirror --from-host DIR`: a runtime archive of this machine's CPython, and an
operator catalog for it, so builds work with no access to python-build-standalone's host.

The build then takes the ordinary path: the catalog names a `file://` URL (or, served over
HTTP, `BP_PYTHON_MIRROR`), and the archive is downloaded, verified against its sha256 and
extracted like any other. The archive is made by `cnb_python.dev.runtime_archive`, the same
code the test suite uses.

Stacks: the catalog lists every stack of the built-in catalog (same ids, aliases and distros,
so `--stack heroku-24` or a noble target resolve as they would online), the portable one
included, which serves a local build without `--target` on a distro no stack names (this
machine's). Each offers only the mirrored series and only this machine's arch: the archive
runs on this CPU and this glibc, nowhere else.

A directory that already holds a catalog gets the new version added to it (`merge_catalogs`),
so one mirror can offer several local CPythons and an app picks one with `.python-version`:
mirroring a version again replaces its archive, the first series mirrored stays the default.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cnb_python.catalog.loader import builtin_catalog, load_from
from cnb_python.catalog.models import parse_catalog, version_key
from cnb_python.cnb import tomlio
from cnb_python.dev.runtime_archive import RuntimeArchive, build_runtime_archive, probe
from cnb_python.errors import (
    CatalogInvalid,
    CatalogUnreadable,
    DevMirrorCatalogInvalid,
    DevMirrorMergeRefused,
)
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
    catalog_path = out_dir / CATALOG_NAME
    # Checked before the archive is made: a broken catalog fails in a second, not after it.
    existing = read_existing_catalog(catalog_path)
    python = probe(args.python)
    output.step(f"Packaging Python {python.version} from {python.prefix}")
    archive = build_runtime_archive(python, out_dir, layout=args.layout)
    catalog = mirror_catalog(archive)
    if existing is not None:
        again = any(
            (a["version"], a["arch"]) == (archive.version, archive.arch)
            for a in existing["artifacts"]
        )
        catalog = checked_merge(existing, catalog, catalog_path, archive)
        done = "Replaced its archive in" if again else "Added it to"
        output.detail(f"{done} the existing catalog, which offers {_offered(catalog)}")
    tomlio.write_atomic(catalog_path, catalog)
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


def merge_catalogs(base: Mapping[str, Any], added: Mapping[str, Any]) -> dict[str, Any]:
    """`base` (a schema 1 catalog, as parsed TOML) offering everything `added` offers too.

    An artifact of `added` replaces base's of the same version and arch (a version mirrored
    again is the newer archive); base's other artifacts are kept, so no series goes away and
    each stack keeps base's default. Each stack offers the union of both sides' series and
    archs; a stack or series entry only `added` has is appended. Neither input is changed; the
    result is not validated here (`checked_merge` runs the catalog checks on it).
    """
    merged: dict[str, Any] = {**base}
    replaced = {(a["version"], a["arch"]) for a in added.get("artifacts", [])}
    merged["artifacts"] = [
        *(dict(a) for a in base.get("artifacts", []) if (a["version"], a["arch"]) not in replaced),
        *(dict(a) for a in added.get("artifacts", [])),
    ]
    known_series = {entry["version"] for entry in base.get("series", [])}
    merged["series"] = [
        *(dict(entry) for entry in base.get("series", [])),
        *(dict(entry) for entry in added.get("series", []) if entry["version"] not in known_series),
    ]
    stacks = {stack["id"]: dict(stack) for stack in base.get("stacks", [])}
    for stack in added.get("stacks", []):
        mine = stacks.setdefault(stack["id"], dict(stack))
        for key in ("series", "archs"):
            mine[key] = list(dict.fromkeys([*mine[key], *stack[key]]))
    merged["stacks"] = list(stacks.values())
    return merged


def read_existing_catalog(path: Path) -> dict[str, Any] | None:
    """The catalog already in the mirror, validated as a build would, or None."""
    if not path.exists():
        return None
    try:
        load_from(str(path))
    except (CatalogInvalid, CatalogUnreadable) as error:
        raise DevMirrorCatalogInvalid(path, _problems(error)) from None
    data: dict[str, Any] = tomlio.load(path)
    return data


def checked_merge(
    existing: Mapping[str, Any], added: Mapping[str, Any], path: Path, archive: RuntimeArchive
) -> dict[str, Any]:
    """`merge_catalogs`, refused when the result would fail the checks a build applies."""
    merged = merge_catalogs(existing, added)
    try:
        parse_catalog(merged, str(path))
    except (CatalogInvalid, CatalogUnreadable) as error:
        raise DevMirrorMergeRefused(
            path, f"{archive.version} ({archive.arch})", _problems(error)
        ) from None
    return merged


def _problems(error: CatalogInvalid | CatalogUnreadable) -> tuple[str, ...]:
    return error.problems if isinstance(error, CatalogInvalid) else (error.reason,)


def _offered(catalog: Mapping[str, Any]) -> str:
    versions = sorted({artifact["version"] for artifact in catalog["artifacts"]}, key=version_key)
    return f"Python {', '.join(versions)}"


def write_mirror_catalog(archive: RuntimeArchive, path: Path) -> Path:
    tomlio.write_atomic(path, mirror_catalog(archive))
    return path
