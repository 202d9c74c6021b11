"""Which package manager installs the app's dependencies, decided before any download.

Precedence, when an app carries files of several managers (say a `poetry.lock` and a
`requirements.txt` exported from it): uv.lock, poetry.lock, Pipfile.lock, requirements.txt,
then a project described by setup.py or a PEP 621 pyproject.toml (`pip install .`), then a
Pipfile without its lock. The winner is logged with a warning naming the others, and
`BP_PYTHON_PACKAGE_MANAGER=pip|pipenv|poetry|uv` overrides the order. Lock files come first
because a lock is the more precise statement of what to install.

A manager is only ever used with its lock: a Pipfile without Pipfile.lock is refused (the
build never resolves versions), and choosing Poetry or uv by setting needs their lock file.
A uv or Poetry project's pyproject.toml belongs to it, so it is not named as another manager's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cnb_python.cnb import tomlio
from cnb_python.detect import is_requirements_typo
from cnb_python.errors import InvalidPackageSetting, NoPackageManagerFile, PipfileLockMissing
from cnb_python.errors.dependencies import GROUPS_IGNORED_FOR_PIP, several_managers
from cnb_python.inputs import DEFAULT_LIMIT, read_whole
from cnb_python.limits import MAX_APP_FILE_MIB, MIB
from cnb_python.managers.base import PackageManager, requested_groups
from cnb_python.managers.locked import PipenvManager, PoetryManager, UvManager
from cnb_python.managers.pip import INSTALLERS, REQUIREMENTS, PipManager
from cnb_python.output import Output

__all__ = [
    "PackageManager",
    "PipManager",
    "PipenvManager",
    "PoetryManager",
    "UvManager",
    "choose",
    "find_evidence",
]

MANAGER_SETTING = "BP_PYTHON_PACKAGE_MANAGER"
INSTALLER_SETTING = "BP_PYTHON_INSTALLER"
MANAGERS = ("pip", "pipenv", "poetry", "uv")
PYPROJECT_PROJECT = "pyproject.toml"


@dataclass(frozen=True)
class Evidence:
    """A file in the app root that names a manager; `rank` orders the precedence."""

    file: str
    manager: str
    rank: int


# (file, manager), in precedence order. pyproject.toml counts only with a [project] table.
PRECEDENCE = (
    ("uv.lock", "uv"),
    ("poetry.lock", "poetry"),
    ("Pipfile.lock", "pipenv"),
    (REQUIREMENTS, "pip"),
    ("setup.py", "pip"),
    (PYPROJECT_PROJECT, "pip"),
    ("Pipfile", "pipenv"),
)
LOOKED_FOR = tuple(name for name, _ in PRECEDENCE)


def _is_pep621_project(path: Path, max_bytes: int) -> bool:
    try:
        data = tomlio.loads(read_whole(path, PYPROJECT_PROJECT, max_bytes=max_bytes).decode())
    except (OSError, UnicodeDecodeError, tomlio.TOMLDecodeError):
        return False
    return isinstance(data.get("project"), dict)


def find_evidence(app_dir: Path, *, max_bytes: int = DEFAULT_LIMIT) -> list[Evidence]:
    """Every manager file in the app root, best first."""
    found = []
    for rank, (name, manager) in enumerate(PRECEDENCE):
        path = app_dir / name
        if not path.is_file():
            continue
        if name == PYPROJECT_PROJECT and not _is_pep621_project(path, max_bytes):
            continue
        found.append(Evidence(name, manager, rank))
    return found


def _misspellings(app_dir: Path) -> tuple[str, ...]:
    try:
        return tuple(sorted(e.name for e in app_dir.iterdir() if is_requirements_typo(e.name)))
    except OSError:
        return ()


def _setting(env: Mapping[str, str], name: str, allowed: tuple[str, ...]) -> str | None:
    value = env.get(name, "").strip()
    if not value:
        return None
    if value.lower() not in allowed:
        raise InvalidPackageSetting(name, value, allowed)
    return value.lower()


def choose(
    app_dir: Path, platform_env: Mapping[str, str], output: Output, python_version: str = ""
) -> PackageManager:
    """The manager for this app, or one clear error. Logs the choice. `python_version` (the
    resolved one) only goes into error messages."""
    installer = _setting(platform_env, INSTALLER_SETTING, INSTALLERS) or "pip"
    requested = _setting(platform_env, MANAGER_SETTING, MANAGERS)
    groups = requested_groups(platform_env)
    max_bytes = MAX_APP_FILE_MIB.read(platform_env) * MIB
    evidence = find_evidence(app_dir, max_bytes=max_bytes)
    pip_files = tuple(e.file for e in evidence if e.manager == "pip")

    if requested is not None:
        chosen = requested
        origin = f"{MANAGER_SETTING}={requested}"
        if requested == "pip" and not pip_files:
            raise NoPackageManagerFile(
                tuple(n for n, m in PRECEDENCE if m == "pip"),
                _misspellings(app_dir),
                "pip",
                pyproject_without_project=(app_dir / PYPROJECT_PROJECT).is_file(),
            )
    elif evidence:
        best = evidence[0]
        chosen, origin = best.manager, best.file
        others = [
            e
            for e in evidence
            if e.manager != best.manager
            and not (e.file == PYPROJECT_PROJECT and best.manager in ("uv", "poetry"))
        ]
        if others:
            output.warn(
                several_managers(
                    (best.manager, best.file), tuple((e.file, e.manager) for e in others)
                )
            )
    else:
        raise NoPackageManagerFile(
            LOOKED_FOR,
            _misspellings(app_dir),
            pyproject_without_project=(app_dir / PYPROJECT_PROJECT).is_file(),
        )

    manager = _manager(
        app_dir,
        chosen,
        origin=origin,
        installer=installer,
        groups=groups,
        python_version=python_version,
        max_bytes=max_bytes,
    )
    output.step(f"Package manager: {manager.describe()} (from {origin})")
    if groups and chosen == "pip":
        output.warn(GROUPS_IGNORED_FOR_PIP)
    return manager


def _manager(
    app_dir: Path,
    chosen: str,
    *,
    origin: str,
    installer: str,
    groups: tuple[str, ...],
    python_version: str,
    max_bytes: int,
) -> PackageManager:
    if chosen == "pip":
        requirements = app_dir / REQUIREMENTS
        return PipManager(
            app_dir=app_dir,
            requirements=requirements if requirements.is_file() else None,
            installer=installer,
            max_file_bytes=max_bytes,
            python_version=python_version,
        )
    if chosen == "pipenv":
        if not (app_dir / "Pipfile.lock").is_file():
            raise PipfileLockMissing(origin)
        return PipenvManager(app_dir, python_version, groups)
    lock = "uv.lock" if chosen == "uv" else "poetry.lock"
    if not (app_dir / lock).is_file():
        raise NoPackageManagerFile((lock,), (), chosen)
    if chosen == "uv":
        return UvManager(app_dir, python_version, groups)
    return PoetryManager(app_dir, python_version, groups)
