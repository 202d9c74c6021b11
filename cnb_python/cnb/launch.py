"""The files a build writes beside its layers: launch.toml and SBOMs.

Validated when constructed, against the spec's rules rather than the lifecycle's looser decoder
(contract §3.3, §3.8-3.10): commands are arrays (API >= 0.9 has no implicit shell), at most one
default process, process types match the spec's pattern. The spec's names (the process type
pattern, the SBOM formats and media types) are defined here once; `cnb_python.dev` validates
against them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from cnb_python.cnb import tomlio

PROCESS_TYPE = re.compile(r"^[A-Za-z0-9._-]+$")

SbomFormat = Literal["cdx.json", "spdx.json", "syft.json"]
SBOM_MEDIA_TYPES: Mapping[str, str] = {
    "cdx.json": "application/vnd.cyclonedx+json",
    "spdx.json": "application/spdx+json",
    "syft.json": "application/vnd.syft+json",
}


@dataclass(frozen=True)
class Process:
    type: str
    command: tuple[str, ...]
    args: tuple[str, ...] = ()
    default: bool = False
    working_dir: str | None = None

    def __post_init__(self) -> None:
        if not PROCESS_TYPE.match(self.type):
            msg = f"invalid process type {self.type!r}: use letters, digits, '.', '_' or '-'"
            raise ValueError(msg)
        if not self.command or not all(isinstance(part, str) for part in self.command):
            msg = f"process {self.type!r} needs a command: a non-empty list of strings"
            raise ValueError(msg)

    def to_toml(self) -> dict[str, Any]:
        data: dict[str, Any] = {"type": self.type, "command": list(self.command)}
        if self.args:
            data["args"] = list(self.args)
        data["default"] = self.default
        if self.working_dir is not None:
            data["working-dir"] = self.working_dir
        return data


@dataclass(frozen=True)
class Launch:
    processes: tuple[Process, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        defaults = [p.type for p in self.processes if p.default]
        if len(defaults) > 1:
            msg = f"at most one default process is allowed, got {defaults}"
            raise ValueError(msg)
        types = [p.type for p in self.processes]
        if len(set(types)) != len(types):
            msg = f"process types must be unique, got {types}"
            raise ValueError(msg)

    def to_toml(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if self.labels:
            data["labels"] = [{"key": k, "value": v} for k, v in sorted(self.labels.items())]
        if self.processes:
            data["processes"] = [p.to_toml() for p in self.processes]
        return data

    def write(self, layers_dir: Path) -> None:
        """launch.toml is never restored, so it is written on every build (even empty)."""
        tomlio.write_atomic(layers_dir / "launch.toml", self.to_toml())


def sbom_path(layers_dir: Path, owner: str, fmt: SbomFormat) -> Path:
    """`<layer>.sbom.<ext>`, or `launch.sbom.<ext>` / `build.sbom.<ext>` for the whole build.
    The layer name must not contain a dot: the lifecycle cuts at the first one."""
    if "." in owner:
        msg = f"SBOM owner {owner!r} must not contain a dot"
        raise ValueError(msg)
    return layers_dir / f"{owner}.sbom.{fmt}"
