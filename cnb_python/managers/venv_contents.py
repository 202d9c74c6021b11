"""What an install put in the venv: for the log line that says so, and for compiling only
what a no-op uv sync reinstalled.

The top-level packages are the ones the app's own file lists (Pipfile `[packages]`,
pyproject.toml's dependencies), matched against what is installed; the count is every
distribution in the venv's site-packages.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement

from cnb_python.cnb import tomlio
from cnb_python.installed import normalize, venv_dir

SHOWN_TOP_LEVEL = 8
# uv's summary lines of what it changed: ` + six==1.17.0`, ` ~ greeting==1.0 (from file:...)`.
_UV_CHANGE = re.compile(r"^\s*[+~] ([A-Za-z0-9][A-Za-z0-9._-]*)(?:==| @ )", re.MULTILINE)


def _toml(path: Path) -> dict[str, Any]:
    try:
        return tomlio.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomlio.TOMLDecodeError):
        return {}


def _table(data: Any) -> dict[str, Any]:
    return data if isinstance(data, dict) else {}


def pipfile_packages(pipfile: Path, groups: Sequence[str]) -> list[str]:
    data = _toml(pipfile)
    names = list(_table(data.get("packages")))
    for group in groups:
        names += list(_table(data.get("dev-packages" if group == "dev" else group)))
    return names


def _requirement_names(entries: Any) -> list[str]:
    names = []
    for entry in entries if isinstance(entries, list) else []:
        try:
            names.append(Requirement(str(entry)).name)
        except InvalidRequirement:
            continue
    return names


def poetry_packages(pyproject: Path, groups: Sequence[str]) -> list[str]:
    data = _toml(pyproject)
    names = _requirement_names(_table(data.get("project")).get("dependencies"))
    poetry = _table(_table(data.get("tool")).get("poetry"))
    names += [name for name in _table(poetry.get("dependencies")) if name != "python"]
    for group in groups:
        group_table = _table(_table(poetry.get("group")).get(group))
        names += list(_table(group_table.get("dependencies")))
    return names


def uv_installed(output: str) -> list[str]:
    """The distributions a `uv sync` installed or reinstalled, from its summary lines."""
    return list(dict.fromkeys(match.group(1) for match in _UV_CHANGE.finditer(output)))


def _distributions(env: Mapping[str, str]) -> dict[str, Path]:
    """normalised name -> its .dist-info directory, for every distribution in the venv."""
    venv = venv_dir(env)
    found: dict[str, Path] = {}
    for site_packages in venv.glob("lib/python3*/site-packages") if venv else ():
        for info in site_packages.glob("*.dist-info"):
            name = info.name.removesuffix(".dist-info").rsplit("-", 1)[0]
            found[normalize(name)] = info
    return found


def _display_name(info: Path) -> str:
    return info.name.removesuffix(".dist-info").rsplit("-", 1)[0]


def installed_summary(env: Mapping[str, str], top_level: Sequence[str]) -> str:
    """`Installed 3 packages: six, greeting (and 1 dependency)`."""
    installed = _distributions(env)
    count = len(installed)
    noun = "package" if count == 1 else "packages"
    named = [
        _display_name(installed[normalize(n)])
        for n in dict.fromkeys(top_level)
        if normalize(n) in installed
    ]
    if not named:
        return f"Installed {count} {noun}"
    shown = ", ".join(named[:SHOWN_TOP_LEVEL])
    if len(named) > SHOWN_TOP_LEVEL:
        shown += f" and {len(named) - SHOWN_TOP_LEVEL} more"
    others = count - len(named)
    if others <= 0:
        return f"Installed {count} {noun}: {shown}"
    deps = "dependency" if others == 1 else "dependencies"
    return f"Installed {count} {noun}: {shown} (and {others} {deps} of theirs)"
