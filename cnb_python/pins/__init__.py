"""The versions of the tools the buildpack installs (pip, uv, Poetry, Pipenv), per Python series.

Each tool has one file beside this module, `<tool>.txt`, shipped as package data so an
installed wheel and a packaged buildpack read the same pins as a checkout. A file holds one
requirement line per pin, comments allowed:

    pip==26.3 ; python_version >= "3.10"
    pip==26.0.1 ; python_version == "3.9" \\
        --hash=sha256:<hex>

A PEP 508 marker limits a pin to the series its release supports (the newest releases drop old
series); the first line whose marker holds for the app's Python wins, and a line without one
holds for every series. pip-style `--hash=sha256:<hex>` options after the requirement are
parsed and kept (`Pin.sha256`): pip and uv are installed straight from their wheels, and
only a wheel with one of those sha256 is installed (`cnb_python.tool_wheels`); a line may
continue on the next after a backslash. `scripts/pin_hashes.py` writes them. A tool with no line
for a series cannot serve it: `pin_for` raises `ToolSeriesUnsupported`, naming the series that
work, and the build asks for every pin while deciding, before anything is downloaded.

To bump a pin, edit its line, then (for pip and uv) run `scripts/pin_hashes.py` to write the
sha256 of the new release's wheels; `tests/unit/test_pins.py` checks every file parses, that
pip and uv list hashes, and the tests take their expected versions from here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from packaging.markers import InvalidMarker, Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from cnb_python.errors import ToolSeriesUnsupported

PINS_DIR = Path(__file__).resolve().parent
TOOLS = ("pip", "uv", "poetry", "pipenv")
_HASH = re.compile(r"\s--hash=sha256:([0-9a-fA-F]{64})(?=\s|$)")


@dataclass(frozen=True)
class Pin:
    """One pinned release of a tool: `name==version`, with the wheel hashes its line gives."""

    name: str
    version: str
    sha256: tuple[str, ...] = ()
    marker: str = ""  # the line's marker, "" for every series

    @property
    def requirement(self) -> str:
        """`name==version`, as pip takes it."""
        return f"{self.name}=={self.version}"

    @property
    def requirement_line(self) -> str:
        """A requirements-file line for pip: `name==version` with every `--hash` listed, which
        puts pip in hash-checking mode for it."""
        return " ".join([self.requirement, *(f"--hash=sha256:{h}" for h in self.sha256)])

    def holds_for(self, python_version: str) -> bool:
        if not self.marker:
            return True
        series = ".".join(python_version.split(".")[:2])
        return Marker(self.marker).evaluate(
            {"python_version": series, "python_full_version": python_version}
        )


def parse_line(line: str, *, where: str) -> Pin | None:
    """The pin on one line of a pin file, None for a blank or comment line. A malformed line is
    a mistake in the buildpack itself, hence ValueError."""
    text = line.split("#", 1)[0].strip()
    if not text:
        return None
    hashes = tuple(match.lower() for match in _HASH.findall(f" {text}"))
    text = _HASH.sub("", f" {text}").strip()
    if "--" in text:
        msg = f"{where}: only --hash=sha256:<64 hex digits> options are allowed: {line!r}"
        raise ValueError(msg)
    try:
        requirement = Requirement(text)
    except (InvalidRequirement, InvalidMarker) as error:
        msg = f"{where}: not a requirement: {line!r} ({error})"
        raise ValueError(msg) from None
    specifiers = list(requirement.specifier)
    if len(specifiers) != 1 or specifiers[0].operator != "==" or "*" in specifiers[0].version:
        msg = f"{where}: a pin is `name==X.Y.Z`: {line!r}"
        raise ValueError(msg)
    if requirement.extras or requirement.url:
        msg = f"{where}: a pin has no extras or URL: {line!r}"
        raise ValueError(msg)
    marker = str(requirement.marker) if requirement.marker else ""
    return Pin(canonicalize_name(requirement.name), specifiers[0].version, hashes, marker)


def pins(tool: str, pins_dir: Path | None = None) -> tuple[Pin, ...]:
    """Every pin of `tool`, in the file's order, from `pins_dir` (by default this package)."""
    return _read(tool, pins_dir or PINS_DIR)


@cache
def _read(tool: str, pins_dir: Path) -> tuple[Pin, ...]:
    path = pins_dir / f"{tool}.txt"
    found = []
    for number, line in logical_lines(path.read_text(encoding="utf-8")):
        pin = parse_line(line, where=f"{path}:{number}")
        if pin is None:
            continue
        if pin.name != tool:
            msg = f"{path}:{number} pins {pin.name}, not {tool}"
            raise ValueError(msg)
        found.append(pin)
    if not found:
        msg = f"{path} pins no version of {tool}"
        raise ValueError(msg)
    return tuple(found)


def logical_lines(text: str) -> list[tuple[int, str]]:
    """Lines joined where one ends with a backslash (as in a requirements file), each with the
    number of its first physical line."""
    joined: list[tuple[int, str]] = []
    pending: tuple[int, str] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        start, head = pending if pending is not None else (number, "")
        if line.rstrip().endswith("\\"):
            pending = (start, f"{head}{line.rstrip()[:-1]} ")
            continue
        pending = None
        joined.append((start, f"{head}{line}"))
    if pending is not None:
        joined.append(pending)
    return joined


def pin_for(tool: str, python_version: str, pins_dir: Path | None = None) -> Pin:
    """The pin of `tool` for an app on Python `python_version` ("3.12.1" or "3.12")."""
    for pin in pins(tool, pins_dir):
        if pin.holds_for(python_version):
            return pin
    raise ToolSeriesUnsupported(tool, python_version, series_served(tool, pins_dir))


def series_served(
    tool: str, pins_dir: Path | None = None, *, candidates: tuple[str, ...] = ()
) -> tuple[str, ...]:
    """Which of `candidates` (by default 3.0 to 3.29) some pin of `tool` serves, oldest first."""
    every = candidates or tuple(f"3.{minor}" for minor in range(30))
    return tuple(
        series for series in every if any(pin.holds_for(series) for pin in pins(tool, pins_dir))
    )


def newest(tool: str, pins_dir: Path | None = None) -> Pin:
    """The pin of the newest series: the first line (tests and tools that need one version)."""
    return pins(tool, pins_dir)[0]
