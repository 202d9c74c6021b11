"""What the app's virtual environment contains, read from its files.

Django's static files and the inferred start command depend on which packages the build
installed. The answer comes from the venv's files (`bin/<command>`, `*.dist-info` directories),
never from importing anything: importing a package runs its code (and, for Django, possibly the
user's settings), which is slow and can fail for reasons that have nothing to do with the
question. The venv is the one `VIRTUAL_ENV` of the build env names (the dependencies step sets
it); without it nothing counts as installed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

_SEPARATORS = re.compile(r"[-_.]+")


def venv_dir(env: Mapping[str, str]) -> Path | None:
    value = env.get("VIRTUAL_ENV", "").strip()
    if not value:
        return None
    path = Path(value)
    return path if path.is_dir() else None


def normalize(name: str) -> str:
    """PEP 503 normalisation: `Django`, `django_admin` and `django.admin` compare equal."""
    return _SEPARATORS.sub("-", name).lower()


def has_command(env: Mapping[str, str], command: str) -> bool:
    """The venv provides the console script `command` (what a process would run)."""
    venv = venv_dir(env)
    return venv is not None and (venv / "bin" / command).is_file()


def has_distribution(env: Mapping[str, str], name: str) -> bool:
    """A distribution called `name` is installed in the venv's site-packages.

    Installers name the directory `<name>-<version>.dist-info` with the name as the wheel
    spells it (`Django` or `django`), so names are compared normalised.
    """
    venv = venv_dir(env)
    if venv is None:
        return False
    wanted = normalize(name)
    for site_packages in venv.glob("lib/python3*/site-packages"):
        for info in site_packages.glob("*.dist-info"):
            dist_name = info.name.removesuffix(".dist-info").rsplit("-", 1)[0]
            if normalize(dist_name) == wanted:
                return True
    return False


def has_package(env: Mapping[str, str], name: str, command: str | None = None) -> bool:
    """Installed either way: by its console script (cheap) or by its metadata."""
    return (command is not None and has_command(env, command)) or has_distribution(env, name)
