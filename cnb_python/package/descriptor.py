"""The packaged `buildpack.toml`: the checkout's descriptor with `[[targets]]` narrowed to the
arches the package carries an interpreter for.

The checkout lists every arch we support. A package for amd64 that still listed arm64 would let
pack put it on an arm64 builder, where `runtime/` cannot run and the build fails late with "no
usable Python". Narrowed, pack refuses the mismatch itself (`EnsureTargetSupport`) and a
Platform API >= 0.12 lifecycle skips the buildpack (`TargetSatisfiedForBuild`). A multi-arch
package keeps every arch it carries at its root: pack copies that root descriptor into each
`<os>/<arch>/` tree when it builds the image of each target.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cnb_python.cnb import tomlio

NAME = "buildpack.toml"
HEADER = (
    "# Written by `cnb-python package` from the source buildpack.toml: [[targets]] lists only\n"
    "# the architectures this package carries an interpreter for ({arches}).\n"
)


def narrowed(source_text: str, arches: Sequence[str]) -> str:
    """The descriptor `source_text` with only the `[[targets]]` of `arches`, in source order."""
    data: dict[str, Any] = tomlio.loads(source_text)
    targets = [t for t in data.get("targets", []) if t.get("arch") in arches]
    missing = sorted(set(arches) - {str(t.get("arch")) for t in targets})
    if missing:
        msg = f"{NAME} has no [[targets]] for {', '.join(missing)}"
        raise ValueError(msg)
    data["targets"] = targets
    return HEADER.format(arches=", ".join(arches)) + tomlio.dumps(data)


def write(source: Path, dest_dir: Path, arches: Sequence[str]) -> Path:
    path = dest_dir / NAME
    path.write_text(narrowed((source / NAME).read_text(encoding="utf-8"), arches), "utf-8")
    return path
