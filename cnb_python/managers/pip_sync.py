"""Updating a pip app's venv in place when its requirements files change.

pip only adds to a venv, so a changed `requirements.txt` used to rebuild it from scratch. When
the files hold nothing but requirements on names from the index (pins, ranges, extras,
markers, hashes, and options that stay the same), the venv can be made to match instead:

1. the installer installs into the reused venv what the installed distributions do not
   already satisfy (`unsatisfied`: a new or changed line; given with the files' options, or
   the files themselves when they carry hashes), or, with uv and files that list every
   dependency, `uv pip sync` of the files; nothing when all is satisfied (a removed line);
2. what the requirements no longer need is uninstalled: the closure of the files'
   requirements over the installed distributions' `Requires-Dist` (markers evaluated for the
   venv's interpreter) is what stays (`needed`);
3. the result is verified: `pip check` (or `uv pip check`) passes, every requirement is
   installed in a version it allows, and nothing is installed that the closure lacks.

Anything that makes the result uncertain is decided before the installer runs, from the files
(`plan`): a local directory, a URL or VCS requirement, an editable one, a constraints file, a
line that is no requirement; those rebuild from scratch, with the reason in the log. The
options of the files and the index settings are part of the key (`KeyInputs.sync_options`):
when they change, so may every package, and the venv is rebuilt. A failed verification also
rebuilds from scratch (`RebuildNeeded`), saying what failed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from cnb_python.installed import read_metadata
from cnb_python.managers.requirements import logical_lines

# `-r file` and friends are followed by `requirements.parse_tree`; `-c` blocks an update.
_INCLUDE = re.compile(r"^(?:--requirement|-r)(?:\s*=\s*|\s+|(?<=-r))\S")
_CONSTRAINT = re.compile(r"^(?:--constraint|-c)(?:\s*=\s*|\s+|(?<=-c))\S")
_EDITABLE = re.compile(r"^(?:--editable|-e)(?:\s*=\s*|\s+|(?<=-e))\S")
# Per-requirement options pip allows after a requirement (`--hash`, `--config-settings`, ...).
_REQUIREMENT_OPTIONS = re.compile(r"\s+--\S.*$")
# The PEP 508 environment of an interpreter, as `packaging.markers.default_environment` makes
# it, printed by that interpreter (the venv's, not the buildpack's).
MARKER_ENV_SCRIPT = """
import json, os, platform, sys
def fmt(info):
    version = "{0.major}.{0.minor}.{0.micro}".format(info)
    if info.releaselevel != "final":
        version += info.releaselevel[0] + str(info.serial)
    return version
print(json.dumps({
    "implementation_name": sys.implementation.name,
    "implementation_version": fmt(sys.implementation.version),
    "os_name": os.name,
    "platform_machine": platform.machine(),
    "platform_release": platform.release(),
    "platform_system": platform.system(),
    "platform_version": platform.version(),
    "python_full_version": platform.python_version(),
    "platform_python_implementation": platform.python_implementation(),
    "python_version": ".".join(platform.python_version_tuple()[:2]),
    "sys_platform": sys.platform,
}))
"""


class RebuildNeeded(Exception):
    """An in-place update could not be trusted: the venv is rebuilt from scratch instead."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Plan:
    """What the requirements files ask for, as far as an in-place update needs to know."""

    requirements: tuple[Requirement, ...] = ()
    options: tuple[str, ...] = ()  # option lines other than includes, sorted
    blocker: str = ""  # why the venv cannot be updated in place; "" when it can
    hashes: bool = False  # a line carries `--hash`: the installer gets the files themselves


def plan(files: Mapping[str, str]) -> Plan:
    """`files`: each requirements file's name (for messages) and text, includes followed."""
    requirements: list[Requirement] = []
    options: set[str] = set()
    hashes = False
    for name, text in files.items():
        for number, line in logical_lines(text):
            where = f"{name}:{number}"
            if _INCLUDE.match(line):
                continue
            if _CONSTRAINT.match(line):
                return Plan(blocker=f"{where} names a constraints file")
            if _EDITABLE.match(line):
                return Plan(blocker=f"{where} is an editable requirement")
            if line.startswith("-"):
                options.add(" ".join(line.split()))
                continue
            hashes = hashes or "--hash" in line
            try:
                requirement = Requirement(_REQUIREMENT_OPTIONS.sub("", line))
            except InvalidRequirement:
                return Plan(blocker=f"{where} is not a requirement on a package name")
            if requirement.url:
                return Plan(blocker=f"{where} is a URL, VCS or local requirement")
            requirements.append(requirement)
    return Plan(tuple(requirements), tuple(sorted(options)), hashes=hashes)


@dataclass(frozen=True)
class Installed:
    name: str  # canonical
    version: str
    requires: tuple[str, ...] = field(default_factory=tuple)


def read_installed(site_packages: Path) -> dict[str, Installed]:
    """Every distribution in `site_packages`, by canonical name, from its `METADATA`."""
    found: dict[str, Installed] = {}
    for info in sorted(site_packages.glob("*.dist-info")):
        headers = read_metadata(info)
        if headers is None:
            continue
        name, version = headers.get("Name"), headers.get("Version")
        if not name or not version:
            continue
        canonical = canonicalize_name(str(name))
        found[canonical] = Installed(
            canonical, str(version), tuple(str(r) for r in headers.get_all("Requires-Dist") or ())
        )
    return found


def applies(requirement: Requirement, env: Mapping[str, str], extras: Iterable[str]) -> bool:
    if requirement.marker is None:
        return True
    marker: Marker = requirement.marker
    return any(marker.evaluate({**env, "extra": extra}) for extra in ("", *extras))


def needed(
    requirements: Sequence[Requirement],
    installed: Mapping[str, Installed],
    env: Mapping[str, str],
) -> tuple[set[str], list[str]]:
    """The canonical names the requirements need, transitively, and every problem found (a
    requirement not installed, or installed in a version it does not allow)."""
    keep: set[str] = set()
    seen: set[tuple[str, frozenset[str]]] = set()
    problems: list[str] = []
    pending = [r for r in requirements if applies(r, env, ())]
    while pending:
        requirement = pending.pop()
        name = canonicalize_name(requirement.name)
        extras = frozenset(canonicalize_name(e) for e in requirement.extras)
        dist = installed.get(name)
        if dist is None:
            problems.append(f"{requirement.name} is required but not installed")
            continue
        if not requirement.specifier.contains(dist.version, prereleases=True):
            problems.append(f"{requirement} is required, {dist.name} {dist.version} is installed")
        keep.add(name)
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        for text in dist.requires:
            try:
                dependency = Requirement(text)
            except InvalidRequirement:
                problems.append(f"{dist.name} {dist.version} declares an unreadable dependency")
                continue
            if applies(dependency, env, extras):
                pending.append(dependency)
    return keep, problems


def unsatisfied(
    requirements: Sequence[Requirement], installed: Mapping[str, Installed], env: Mapping[str, str]
) -> list[Requirement]:
    """The requirements that the installed distributions do not meet, with everything they
    need: what the installer has to be given (the rest is already in place)."""
    missing = []
    for requirement in requirements:
        if not applies(requirement, env, ()):
            continue
        _, problems = needed([requirement], installed, env)
        if problems:
            missing.append(requirement)
    return missing


def lists_everything(
    requirements: Sequence[Requirement], installed: Mapping[str, Installed], env: Mapping[str, str]
) -> bool:
    """Whether the files name every dependency of what they name (a frozen or compiled file),
    as far as the installed distributions tell: then `uv pip sync` may install exactly them."""
    named = {canonicalize_name(r.name) for r in requirements}
    if any(not _pinned(r) for r in requirements):
        return False
    keep, _ = needed(requirements, installed, env)
    return keep <= named


def _pinned(requirement: Requirement) -> bool:
    specs = list(requirement.specifier)
    return len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version


def sync_options(found: Plan) -> str:
    """The part of the key an in-place update needs unchanged (joined with the index settings'
    digest by the venv layer); never empty for pip, so that digest always counts."""
    return json.dumps(["pip", *found.options], separators=(",", ":"))
