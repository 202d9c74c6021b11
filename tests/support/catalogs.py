"""Operator catalogs (schema 1) listing runtime archives with their real sha256."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cnb_python.cnb import tomlio
from cnb_python.dev.runtime_archive import RuntimeArchive


@dataclass(frozen=True)
class StackSpec:
    id: str
    distro: str = "ubuntu"
    distro_version: str = "22.04"
    archs: tuple[str, ...] = ("amd64",)
    aliases: tuple[str, ...] = ()
    status: str = "supported"
    default: str | None = None  # the newest series listed when None
    series: tuple[str, ...] | None = None  # every archive's series when None


@dataclass(frozen=True)
class Entry:
    """One artifact: an archive served at `url`, offered on `stacks` ("*" = all)."""

    archive: RuntimeArchive
    url: str
    stacks: tuple[str, ...] = ("*",)
    version: str | None = None  # list the archive under another version (e.g. a fake patch)
    arch: str | None = None
    sha256: str | None = None  # a wrong digest, to test verification
    extra: dict[str, Any] = field(default_factory=dict)


def _series(version: str) -> str:
    return ".".join(version.split(".")[:2])


def catalog_data(entries: Sequence[Entry], stacks: Sequence[StackSpec]) -> dict[str, Any]:
    all_series = sorted(
        {_series(entry.version or entry.archive.version) for entry in entries},
        key=lambda s: tuple(int(p) for p in s.split(".")),
    )
    stack_tables = []
    for stack in stacks:
        series = list(stack.series or all_series)
        stack_tables.append(
            {
                "id": stack.id,
                "aliases": list(stack.aliases),
                "distro": stack.distro,
                "distro-version": stack.distro_version,
                "archs": list(stack.archs),
                "series": series,
                "default": stack.default or series[-1],
                "status": stack.status,
            }
        )
    artifacts = []
    for entry in entries:
        table: dict[str, Any] = {
            "version": entry.version or entry.archive.version,
            "arch": entry.arch or entry.archive.arch,
            "url": entry.url,
            "sha256": entry.sha256 or entry.archive.sha256,
            "format": entry.archive.format,
            "strip-components": entry.archive.strip_components,
            "stacks": list(entry.stacks),
        }
        table.update(entry.extra)
        artifacts.append(table)
    return {
        "schema": 1,
        "stacks": stack_tables,
        "series": [
            {"version": series, "end-of-life": "2099-10-31", "status": "supported"}
            for series in all_series
        ],
        "artifacts": artifacts,
    }


def write_catalog(path: Path, entries: Sequence[Entry], stacks: Sequence[StackSpec]) -> Path:
    tomlio.write_atomic(path, catalog_data(entries, stacks))
    return path
