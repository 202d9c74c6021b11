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
from email.message import Message
from email.parser import HeaderParser
from pathlib import Path

_SEPARATORS = re.compile(r"[-_.]+")
# Where a METADATA file's headers end: the first empty line (core metadata is RFC 822).
_END_OF_HEADERS = re.compile(rb"\r?\n\r?\n")


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


def read_metadata(dist_info: Path) -> Message | None:
    """The header fields of `<dist_info>/METADATA` (Name, Version, Requires-Dist, License...),
    or None when it cannot be read.

    Only the headers are parsed: the body after the first empty line is the long
    description, often most of the file, which the email parser would otherwise go through
    line by line for every distribution of the venv on every rebuild. Undecodable bytes are
    replaced, as a reader of metadata should (names and versions are ASCII).
    """
    try:
        data = (dist_info / "METADATA").read_bytes()
    except OSError:
        return None
    end = _END_OF_HEADERS.search(data)
    head = data[: end.start()] if end else data
    return HeaderParser().parsestr(head.decode("utf-8", errors="replace") + "\n")
