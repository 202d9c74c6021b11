"""The users of a CNB build: a build user (the builder image's `cnb`) and a different run user.

The lifecycle's detector and builder refuse to run as root, and the app image runs as the run
image's user, which the Platform spec allows to differ from the build user (Paketo's stacks do
that). CI runs as root, so the users are created here when missing, with `useradd`.
"""

from __future__ import annotations

import contextlib
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

BUILD_USER = "cnb"
RUN_USER = "cnb-run"


@dataclass(frozen=True)
class User:
    name: str
    uid: int
    gid: int
    home: str

    @property
    def ids(self) -> tuple[int, int]:
        return self.uid, self.gid


def ensure_user(name: str) -> User:
    """The user `name`, created (with a group of its own and a home) when missing."""
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        # Two test workers may race here: whichever loses finds the user the other made.
        subprocess.run(
            ["useradd", "--user-group", "--create-home", "--shell", "/bin/bash", name],
            capture_output=True,
            check=False,
        )
        entry = pwd.getpwnam(name)
    return User(entry.pw_name, entry.pw_uid, entry.pw_gid, entry.pw_dir)


def passwd_lines(*users: User) -> str:
    """`/etc/passwd` of a stack image that knows root and `users`."""
    lines = ["root:x:0:0:root:/root:/bin/bash"]
    lines += [f"{u.name}:x:{u.uid}:{u.gid}::/home/{u.name}:/bin/bash" for u in users]
    return "\n".join(lines) + "\n"


def group_lines(*users: User) -> str:
    lines = ["root:x:0:"] + [f"{u.name}:x:{u.gid}:" for u in users]
    return "\n".join(lines) + "\n"


@contextlib.contextmanager
def reachable_dir(prefix: str) -> Iterator[Path]:
    """A new directory any user can reach (0755, under /tmp), removed afterwards.

    Not under pytest's temporary directories: pytest keeps those private (0700) and re-applies
    that to its root whenever a worker starts, so opening them up races with the other
    workers."""
    path = Path(tempfile.mkdtemp(prefix=f"cnb-python-{prefix}-", dir="/tmp"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
