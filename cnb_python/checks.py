"""Refuse, before anything is downloaded, an environment that would redirect Python.

A user's `PYTHONHOME` makes the installed interpreter load another standard library;
`PIP_TARGET`, `PIP_PREFIX` or `PIP_USER` send packages somewhere that is not exported;
`VIRTUAL_ENV`, `UV_PROJECT_ENVIRONMENT` or Poetry's virtualenv settings make the installers
create or use an environment the buildpack does not manage; cache and home directories are the
buildpack's to choose. Builds "succeed" with such settings and then fail at run time, so they
are refused, all offenders in one error (the list is heroku/python's, with every
`POETRY_VIRTUALENVS_*` setting rather than only the three it names).

A `PYTHONPATH` is only warned about: some apps set it deliberately for their own source tree,
and the buildpack's own Pythons never see it (`proc.run_python`). Both the user's platform env
and the build's process env are checked. Only an empty value counts as unset, because that is
all CPython and pip ignore: CPython reads a variable that is set to anything else, blanks
included (`PYTHONHOME=" "` is a home named " ", where it finds no standard library and cannot
start), and pip takes `PIP_TARGET=" "` for a directory named " ".
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from cnb_python import notices
from cnb_python.errors import BuildWarning, CommittedEnvironment, ForbiddenEnvironment, quoted
from cnb_python.errors.apps import KEEP_COMMITTED_ENV_SETTING
from cnb_python.notices import Notice
from cnb_python.requested import platform_flag

FORBIDDEN = frozenset(
    {
        "PIP_CACHE_DIR",
        "PIP_PREFIX",
        "PIP_PYTHON",
        "PIP_ROOT",
        "PIP_TARGET",
        "PIP_USER",
        "POETRY_CACHE_DIR",
        "POETRY_DATA_DIR",
        "POETRY_HOME",
        "PYTHONHOME",
        "PYTHONINSPECT",
        "PYTHONNOUSERSITE",
        "PYTHONPLATLIBDIR",
        "PYTHONUSERBASE",
        "UV_CACHE_DIR",
        "UV_LINK_MODE",
        "UV_MANAGED_PYTHON",
        "UV_NO_CACHE",
        "UV_NO_MANAGED_PYTHON",
        "UV_PROJECT",
        "UV_PROJECT_ENVIRONMENT",
        "UV_PYTHON",
        "UV_PYTHON_DOWNLOADS",
        "UV_PYTHON_PREFERENCE",
        "VIRTUAL_ENV",
    }
)
FORBIDDEN_PREFIXES = ("POETRY_VIRTUALENVS_",)

PLATFORM = "the platform env (pack --env, project.toml)"
PROCESS = "the build environment"


class EnvWarning(BuildWarning):
    """A warning about the build's env."""


def is_forbidden(name: str) -> bool:
    return name in FORBIDDEN or name.startswith(FORBIDDEN_PREFIXES)


def check_environment(
    platform_env: Mapping[str, str], process_env: Mapping[str, str]
) -> list[EnvWarning]:
    """Raise `ForbiddenEnvironment` naming every offender; return the warnings to print."""
    offenders: dict[str, tuple[str, str, bool]] = {}
    for env, where in ((platform_env, PLATFORM), (process_env, PROCESS)):
        for name, value in env.items():
            if is_forbidden(name) and value and name not in offenders:
                offenders[name] = (name, where, not value.strip())
    if offenders:
        raise ForbiddenEnvironment(tuple(offenders[name] for name in sorted(offenders)))

    warnings: list[EnvWarning] = []
    pythonpath = (platform_env.get("PYTHONPATH") or process_env.get("PYTHONPATH") or "").strip()
    if pythonpath:
        warnings.append(
            EnvWarning(
                "PYTHONPATH is set",
                (
                    f"PYTHONPATH is {quoted(pythonpath)}.",
                    "Modules found there shadow the standard library and the packages this "
                    "build installs, at build time and when the app runs.",
                    "The buildpack's own steps ignore it. If the app only needs its own "
                    "directory importable, remove PYTHONPATH: the app directory is already the "
                    "working directory of its processes.",
                ),
            )
        )
    return warnings


# Directories of the app source that hold an environment made elsewhere: a venv counts only
# with its pyvenv.cfg (a package called `venv` is fine); anything at .heroku/python does.
COMMITTED_VENVS = (".venv", "venv")
HEROKU_PYTHON = ".heroku/python"


def _listing(app_dir: Path, directory: str) -> tuple[str, ...]:
    """Entries of `directory`, two levels deep, sorted, as `find -maxdepth 2` shows them."""
    root = app_dir / directory
    entries: list[str] = []
    try:
        for child in sorted(root.iterdir()) if root.is_dir() else ():
            entries.append(f"{directory}/{child.name}")
            if child.is_dir() and not child.is_symlink():
                inner = sorted(child.iterdir())
                entries.extend(f"{directory}/{child.name}/{grand.name}" for grand in inner)
    except OSError:
        pass
    return tuple(entries)


def check_app_source(app_dir: Path, platform_env: Mapping[str, str]) -> list[Notice]:
    """Refuse a committed virtual environment or Python install (`CommittedEnvironment`)
    unless KEEP_COMMITTED_ENV_SETTING says to keep it; then return the warnings to print."""
    found = [name for name in COMMITTED_VENVS if (app_dir / name / "pyvenv.cfg").is_file()]
    if os.path.lexists(app_dir / HEROKU_PYTHON):
        found.insert(0, HEROKU_PYTHON)
    if not found:
        return []
    if not platform_flag(platform_env, KEEP_COMMITTED_ENV_SETTING):
        raise CommittedEnvironment(found[0], _listing(app_dir, found[0]))
    return [notices.committed_environment_kept(name) for name in found]
