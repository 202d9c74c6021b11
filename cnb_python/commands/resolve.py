"""`cnb-python resolve APP_DIR --stack S --arch A`: what a build of that app would install, and why.

It runs the build's own resolver on the app directory, with `BP_PYTHON_*` settings taken from
this process's environment in place of the platform env, so a refusal here is word for word
the one the build would print.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from cnb_python.cnb.context import Target
from cnb_python.errors import AppDirMissing
from cnb_python.output import Output
from cnb_python.resolve import Resolution, load_catalog, resolve_python


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "resolve",
        help="show which Python a build of an app would install",
        description="Resolve the Python version a build of APP_DIR would install on a stack.",
    )
    parser.add_argument("app_dir", metavar="APP_DIR", type=Path)
    parser.add_argument("--stack", default="", help="stack id or alias (CNB_STACK_ID)")
    parser.add_argument("--arch", required=True, help="target architecture (amd64, arm64)")
    parser.add_argument("--distro", default="", help="distro name, when no stack id matches")
    parser.add_argument("--distro-version", default="", help="distro version, e.g. 22.04")
    parser.add_argument(
        "--previous-series", default=None, help="series of the app's previous build, e.g. 3.12"
    )
    parser.add_argument("--json", action="store_true", help="print the decision as JSON")
    parser.set_defaults(func=resolve_command)


def resolve_command(args: argparse.Namespace) -> int:
    if not args.app_dir.is_dir():
        raise AppDirMissing(str(args.app_dir))
    env = dict(os.environ)
    target = Target(
        os="linux",
        arch=args.arch,
        distro_name=args.distro,
        distro_version=args.distro_version,
        stack_id=args.stack,
    )
    resolution = resolve_python(args.app_dir, env, target, load_catalog(env), args.previous_series)
    if args.json:
        print(json.dumps(as_json(resolution), indent=2))
        return 0
    output = Output.for_environment(env)
    if resolution.stack_note:
        output.step(resolution.stack_note)
    output.step(resolution.summary())
    output.detail(f"url: {resolution.artifact.url}")
    output.detail(f"sha256: {resolution.artifact.sha256}")
    for warning in resolution.warnings:
        output.warn(warning)
    return 0


def as_json(resolution: Resolution) -> dict[str, object]:
    requested = resolution.requested
    return {
        "version": resolution.version,
        "series": resolution.series,
        "source": requested.origin.source,
        "key": requested.origin.key,
        "requested": requested.origin.value,
        "stack": resolution.stack_id,
        "stack_note": resolution.stack_note,
        "arch": resolution.arch,
        "url": resolution.artifact.url,
        "catalog_url": resolution.artifact.catalog_url,
        "sha256": resolution.artifact.sha256,
        "format": resolution.artifact.format,
        "strip_components": resolution.artifact.strip_components,
        "summary": resolution.summary(),
        "warnings": [warning.text() for warning in resolution.warnings],
    }
