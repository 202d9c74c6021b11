"""Who the local platform runs things as: a build user and a different run user, as pack does.

Under the lifecycle the detector and builder refuse to run as root, the buildpack directory
belongs to root and cannot be written, and the app image runs as the run image's user, which
may differ from the build user: every file a build leaves must be readable by another user, and
nothing at launch may write into the layers. `cnb-python dev` started as root does the same:
`bin/detect` and `bin/build` run as the build user (default 1000:1000, the `cnb` user of pack's
builder images) and the app as the run user (default 1001:1001), so a mistake that only shows
under those conditions shows here too. A user who is not root cannot switch users, and builds
and launches as themselves.

A switch needs the other user to reach what it runs: the buildpack (and, for a source checkout,
the interpreter running `cnb-python`) and the work directory. When it cannot (an interpreter
under `/root`, a work directory below a private one), the platform says so in one warning and
runs as root, rather than failing in the middle of a phase.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cnb_python.dev.workdir import every_path
from cnb_python.errors import DevUsageError
from cnb_python.output import Output

DEFAULT_BUILD_USER = (1000, 1000)
DEFAULT_RUN_USER = (1001, 1001)
_IDS = re.compile(r"^(?P<uid>\d+):(?P<gid>\d+)$")
_EXAMPLE = "--build-user 1000:1000"

Ids = tuple[int, int]


def parse_ids(option: str, text: str) -> Ids:
    match = _IDS.match(text.strip())
    if match is None or int(match["uid"]) == 0:
        raise DevUsageError(option, text, "Expected UID:GID of a user other than root.", _EXAMPLE)
    return int(match["uid"]), int(match["gid"])


def switching() -> bool:
    """Whether this process can (and so does) run phases and apps as other users."""
    return os.geteuid() == 0


def _allows(info: os.stat_result, ids: Ids, want: int) -> bool:
    """Whether `ids` (no supplementary groups, as setpriv --clear-groups leaves them) have the
    permission bits `want` (an `R_OK | X_OK` style mask) on a file with `info`."""
    uid, gid = ids
    if info.st_uid == uid:
        shift = 6
    elif info.st_gid == gid:
        shift = 3
    else:
        shift = 0
    return (stat.S_IMODE(info.st_mode) >> shift) & want == want


def unreachable(paths: Iterable[Path], ids: Ids) -> Path | None:
    """The first of `paths` (or a directory above one) that `ids` cannot read or search."""
    for path in paths:
        resolved = path.resolve()
        for directory in reversed(resolved.parents):
            if not _allows(directory.stat(), ids, os.X_OK):
                return directory
        info = resolved.stat()
        need = os.R_OK | os.X_OK if stat.S_ISDIR(info.st_mode) else os.R_OK
        if not _allows(info, ids, need):
            return resolved
    return None


@dataclass(frozen=True)
class Identity:
    """Who a phase or an app runs as: `ids`, or (None) the invoking user."""

    ids: Ids | None
    home: Path | None = None

    def chown(self, *paths: Path) -> None:
        """Give `paths` (trees) to this identity, as the lifecycle gives its volumes to the
        build user (lc `priv.EnsureOwner`)."""
        if self.ids is None:
            return
        uid, gid = self.ids
        for top in paths:
            if top.exists():
                for path in every_path(top):
                    os.chown(path, uid, gid, follow_symlinks=False)


def choose(
    requested: Ids | None,
    default: Ids,
    needed: Sequence[Path],
    *,
    doing: str,
    who: str,
    output: Output,
) -> Ids | None:
    """The user to switch to (`requested`, else `default`) when this process can switch and
    that user can reach `needed`; None (stay as this process's user) otherwise, with a warning
    when that means staying root. `doing`/`who`: "Building"/"build user" and the like."""
    if not switching():
        return None
    ids = requested or default
    blocked = unreachable(needed, ids)
    if blocked is None:
        return ids
    output.warning(
        f"{doing} as root: the {who} {ids[0]}:{ids[1]} cannot reach {blocked}",
        [
            f"The lifecycle never does this as root; here it happens when the {who} cannot "
            "reach what it needs.",
            "Give --work a directory any user can reach, and use a packaged buildpack "
            "(cnb-python package) or an interpreter outside private directories.",
        ],
    )
    return None
