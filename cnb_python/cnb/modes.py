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
    on Linux and are never followed.

    It runs on every launch layer of every build, a reused venv's thousands of files too, so
    it walks with `os.scandir` and str paths: one `lstat` per entry (the kernel's file type
    says which are links and directories) and no `Path` per file, which made it five to ten
    times slower (a fifth of a no-op rebuild)."""
    top = os.fspath(root)
    mode = os.lstat(top).st_mode
    changed = 0 if stat.S_ISLNK(mode) else _fix(top, mode, directory=True)
    pending = [top]
    while pending:
        with os.scandir(pending.pop()) as entries:
            for entry in entries:
                if entry.is_symlink():
                    continue
                directory = entry.is_dir(follow_symlinks=False)
                mode = entry.stat(follow_symlinks=False).st_mode
                changed += _fix(entry.path, mode, directory=directory)
                if directory:
                    pending.append(entry.path)
    return changed


def _fix(path: str, mode: int, *, directory: bool) -> int:
    wanted = readable_mode(mode, directory=directory)
    if stat.S_IMODE(mode) == wanted:
        return 0
    os.chmod(path, wanted)  # noqa: PTH101 -- str paths: see make_readable
    return 1
