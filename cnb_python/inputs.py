"""Read the files an app or an operator hands the build: regular files, whole, or refused.

Two ways such a file used to go wrong: read with a size cap, a truncated prefix was parsed as
if it were the file (a 1.4 MiB Pipfile.lock "was not valid JSON", a second version line past
the cap was ignored); and read blindly, `/dev/zero` or a FIFO exhausted memory or hung the
build. So a file is opened without blocking (a FIFO with no writer opens at once), must be a
regular file (a symlink to one is fine), and is read to its end unless it is larger than the
limit, in which case it is refused with its own message. The limits (`cnb_python.limits`)
are far above what real lock files reach.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from cnb_python.errors import InputNotRegular, InputTooLarge
from cnb_python.limits import MAX_APP_FILE_MIB, MIB, Limit

_CHUNK = 1024 * 1024
_FLAGS = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)
DEFAULT_LIMIT = MAX_APP_FILE_MIB.default * MIB


def read_whole(
    path: Path, label: str, *, max_bytes: int = DEFAULT_LIMIT, limit: Limit = MAX_APP_FILE_MIB
) -> bytes:
    """The bytes of the regular file `path`, all of them, or `InputNotRegular` /
    `InputTooLarge` naming it as `label`; `limit` is the setting that changes `max_bytes`.
    OSError (missing, unreadable) is the caller's to explain."""
    fd = os.open(path, _FLAGS)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = next((name for test, name in _KINDS if test(info.st_mode)), "not a file")
            raise InputNotRegular(label, kind)
        if info.st_size > max_bytes:
            raise InputTooLarge(label, info.st_size, max_bytes, limit.setting)
        chunks = []
        total = 0
        # Read to the end, not to st_size: a file that grows while it is read is noticed.
        while chunk := os.read(fd, _CHUNK):
            total += len(chunk)
            if total > max_bytes:
                raise InputTooLarge(label, total, max_bytes, limit.setting)
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)
