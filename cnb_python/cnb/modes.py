"""Who may read what a buildpack writes into a layer: every user.

The app runs as the run image's user, which is often not the user that built it (a builder's
`cnb` user, then `heroku` or an arbitrary uid chosen by the platform). The launcher treats an
env file it cannot read as fatal, and Python cannot import a module or run a program it cannot
read, so every file of a layer is readable by all and every directory searchable by all; what
the owner may execute, everyone may. The owner also keeps write access, so that the next build
can delete a restored layer. Nothing is made group- or world-writable.

Files we create ourselves get `FILE_MODE` directly; everything else a layer holds (extracted
archives, what pip or uv wrote under whatever umask) is normalised by `make_readable` when the
layer is declared complete (`cnb.layers`).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

FILE_MODE = 0o644
DIRECTORY_MODE = 0o755
# The build's own umask: what it and its subprocesses create starts out readable by all.
UMASK = 0o022


def readable_mode(mode: int, *, directory: bool) -> int:
    """`mode` (permission bits) made readable by all, searchable or executable by all where
    the owner may execute, writable by the owner; set-id and sticky bits dropped."""
    permissions = stat.S_IMODE(mode) & 0o777
    if directory:
        return permissions | DIRECTORY_MODE
    executable = 0o111 if permissions & 0o100 else 0
    return permissions | FILE_MODE | executable


def make_readable(root: Path) -> int:
    """Give every file and directory under `root` (itself included) its `readable_mode`;
    returns how many needed a change. Directories are fixed before they are listed, so one
    its owner could not even read is no obstacle. Symbolic links have no mode of their own
    on Linux and are never followed."""
    changed = _fix(root, directory=True)
    for directory, subdirectories, files in os.walk(root):
        parent = Path(directory)
        for name in subdirectories:
            changed += _fix(parent / name, directory=True)
        for name in files:
            changed += _fix(parent / name, directory=False)
    return changed


def _fix(path: Path, *, directory: bool) -> int:
    info = path.lstat()
    if stat.S_ISLNK(info.st_mode):
        return 0
    wanted = readable_mode(info.st_mode, directory=directory)
    if stat.S_IMODE(info.st_mode) == wanted:
        return 0
    path.chmod(wanted)
    return 1
