"""Small operator catalogs for resolver tests, built as data and rendered as schema-1 TOML.

The default catalog has one stack, `test-22` (ubuntu 22.04, amd64 + arm64), offering 3.8 to
3.14 with patches X.Y.1 and X.Y.2 of each, all supported, default 3.8, so that every version
source in a precedence test can ask for a different series.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from cnb_python.catalog.models import Catalog, parse_catalog
from cnb_python.cnb import tomlio

SERIES = ("3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14")


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def stack(stack_id: str = "test-22", **overrides: Any) -> dict[str, Any]:
    table: dict[str, Any] = {
        "id": stack_id,
        "distro": "ubuntu",
        "distro-version": "22.04",
        "archs": ["amd64", "arm64"],
        "series": list(SERIES),
        "default": "3.8",
        "status": "supported",
    }
    table.update(overrides)
    return table


def artifact(version: str, arch: str = "amd64", **overrides: Any) -> dict[str, Any]:
    table: dict[str, Any] = {
        "version": version,
        "arch": arch,
        "url": f"https://downloads.example/python/cpython-{version}-{arch}.tar.gz",
        "sha256": sha(f"{version}-{arch}"),
        "format": "tar.gz",
        "strip-components": 1,
        "stacks": ["*"],
    }
    table.update(overrides)
    return table


def artifacts(
    series: Iterable[str] = SERIES, patches: Iterable[int] = (1, 2)
) -> list[dict[str, Any]]:
    return [
        artifact(f"{s}.{patch}", arch)
        for s in series
        for patch in patches
        for arch in ("amd64", "arm64")
    ]


def series_table(statuses: dict[str, str] | None = None) -> list[dict[str, Any]]:
    statuses = statuses or {}
    return [
        {"version": s, "end-of-life": f"20{30 + i}-10-01", "status": statuses.get(s, "supported")}
        for i, s in enumerate(SERIES)
    ]


def catalog_data(
    stacks: list[dict[str, Any]] | None = None,
    statuses: dict[str, str] | None = None,
    extra_artifacts: Iterable[dict[str, Any]] = (),
) -> dict[str, Any]:
    return {
        "schema": 1,
        "stacks": stacks if stacks is not None else [stack()],
        "series": series_table(statuses),
        "artifacts": [*artifacts(), *extra_artifacts],
    }


def build(data: dict[str, Any] | None = None) -> Catalog:
    return parse_catalog(data if data is not None else catalog_data(), "test catalog")


def render(data: dict[str, Any]) -> str:
    return tomlio.dumps(data)
