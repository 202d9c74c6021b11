"""The build plan a buildpack writes in detect, and the buildpack plan it reads in build: an
oracle for tests (detect writes a constant plan text, and build reads no plan entries).

Shapes from the spec and the lifecycle's decoder (contract §2.3, §3.2). A require's metadata is
always a table, and never a top-level `version` (the lifecycle rejects that for every API).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cnb_python.cnb import tomlio


@dataclass(frozen=True)
class Require:
    name: str
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class BuildPlan:
    """What detect passes with: the names provided and required (no `[[or]]` alternatives)."""

    provides: tuple[str, ...] = ()
    requires: tuple[Require, ...] = ()

    def to_toml(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if self.provides:
            data["provides"] = [{"name": name} for name in self.provides]
        if self.requires:
            data["requires"] = [
                {"name": req.name, "metadata": dict(req.metadata)} for req in self.requires
            ]
        return data

    def write(self, path: Path) -> None:
        tomlio.write_atomic(path, self.to_toml())


@dataclass(frozen=True)
class BuildpackPlan:
    """The entries the lifecycle gives this buildpack: every require of a name we provide.

    The same name appears once per requiring buildpack, in group order; `merged()` folds them
    into one table where later entries win key by key.
    """

    entries: tuple[Require, ...] = ()

    @classmethod
    def read(cls, path: Path) -> BuildpackPlan:
        if not path.exists():
            return cls()
        data = tomlio.load(path)
        entries = []
        for raw in data.get("entries", []):
            if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
                continue
            metadata = raw.get("metadata")
            entries.append(Require(raw["name"], metadata if isinstance(metadata, dict) else {}))
        return cls(tuple(entries))

    def names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(entry.name for entry in self.entries))

    def merged(self, name: str) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for entry in self.entries:
            if entry.name == name:
                result.update(entry.metadata)
        return result
