"""`cnb-python catalog list|check`: what the catalog offers, and whether an operator's is valid.

Both read the catalog a build would read: `BP_PYTHON_CATALOG` from this process's environment
replaces the built-in one, and `BP_PYTHON_MIRROR` is applied to the URLs listed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator
from typing import Any

from cnb_python.catalog.loader import load_catalog, load_from
from cnb_python.catalog.models import Artifact, Catalog, Stack, version_key
from cnb_python.catalog.stacks import describe_stack
from cnb_python.errors import ArchNotOffered, UnknownStack
from cnb_python.resolve import MIRROR, mirrored_url


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "catalog",
        help="list or check Python version catalogs",
        description="List the Python builds a catalog offers, or validate an operator catalog.",
    )
    actions = parser.add_subparsers(dest="catalog_command", required=True, metavar="ACTION")

    listing = actions.add_parser("list", help="list artifacts (all, or those offered on a stack)")
    listing.add_argument("--stack", default="", help="only what this stack id (or alias) offers")
    listing.add_argument("--arch", default="", help="only this architecture (amd64, arm64)")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    listing.set_defaults(func=list_command)

    check = actions.add_parser("check", help="validate a catalog file or URL")
    check.add_argument("file", metavar="FILE", help="path or http(s) URL of a catalog")
    check.set_defaults(func=check_command)


def list_command(args: argparse.Namespace) -> int:
    env = dict(os.environ)
    catalog = load_catalog(env)
    mirror = env.get(MIRROR, "")
    for artifact, stacks in _rows(catalog, args.stack, args.arch):
        row = _row(catalog, artifact, stacks, mirror)
        if args.json:
            print(json.dumps(row, sort_keys=False))
        else:
            print(
                f"{row['version']:<9} {row['arch']:<6} {row['status']:<12} "
                f"{', '.join(row['stacks'])}"
            )
    return 0


def check_command(args: argparse.Namespace) -> int:
    catalog = load_from(args.file)
    print(
        f"{args.file}: valid catalog (schema 1): {len(catalog.stacks)} stacks, "
        f"{len(catalog.series)} series, {len(catalog.artifacts)} artifacts"
    )
    for stack in catalog.stacks:
        offered = ", ".join(
            f"{series} (newest {newest})"
            for series, newest in catalog.newest_patches(stack, stack.archs[0]).items()
        )
        print(f"  {describe_stack(stack)}: default {stack.default}; {offered}")
    sys.stdout.flush()
    return 0


def _rows(catalog: Catalog, stack_id: str, arch: str) -> Iterator[tuple[Artifact, list[str]]]:
    if stack_id:
        stack = catalog.find_stack(stack_id)
        if stack is None:
            raise UnknownStack(
                f"stack {stack_id}", tuple(describe_stack(s) for s in catalog.stacks)
            )
        if arch and arch not in stack.archs:
            raise ArchNotOffered(
                stack.id, arch, stack.archs, tuple(s.id for s in catalog.stacks if arch in s.archs)
            )
        found = [a for a_arch in (arch,) if arch for a in catalog.available(stack, a_arch)]
        if not arch:
            found = [a for each in stack.archs for a in catalog.available(stack, each)]
        for artifact in sorted(found, key=lambda a: (version_key(a.version), a.arch)):
            yield artifact, [stack.id]
        return
    for artifact in sorted(catalog.artifacts, key=lambda a: (version_key(a.version), a.arch)):
        if not arch or artifact.arch == arch:
            yield artifact, [s.id for s in catalog.stacks if _offers(s, artifact)]


def _offers(stack: Stack, artifact: Artifact) -> bool:
    return (
        artifact.runs_on(stack) and artifact.series in stack.series and artifact.arch in stack.archs
    )


def _row(catalog: Catalog, artifact: Artifact, stacks: list[str], mirror: str) -> dict[str, Any]:
    return {
        "version": artifact.version,
        "series": artifact.series,
        "arch": artifact.arch,
        "status": catalog.series_status(artifact.series),
        "url": mirrored_url(artifact.url, mirror),
        "catalog_url": artifact.url,
        "sha256": artifact.sha256,
        "format": artifact.archive_format,
        "strip_components": artifact.strip_components,
        "stacks": stacks,
    }
