"""Paths confined to one directory: resolved from file descriptors, never through the kernel's
own following of symbolic links.

`archive.py` writes untrusted archives into a layer. Checking a path with `realpath` and then
writing through it leaves a gap: a later member can replace a link the checked path goes
through, and a check remembered for that path would let a file land outside. Here every path
is walked one component at a time from a descriptor of a directory already known to be inside,
with `O_NOFOLLOW | O_DIRECTORY`; a link on the way is read and applied by this code against the
real directories reached so far (`..` climbs the real path, as the kernel would), and one that
leaves the root raises `Escapes`. What is remembered is only descriptors of real directories,
keyed by their real path: the extractor never replaces or removes a directory, so those stay
true whatever links later members create or swap.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_MAX_LINK_HOPS = 40  # the kernel's own limit for one path


class Escapes(Exception):
    """A path would leave the root."""


class NotADirectory(Exception):
    """A component that should be a directory on the way is a file."""

    def __init__(self, path: tuple[str, ...]) -> None:
        super().__init__("/".join(path))
        self.path = path


class ConfinedTree:
    """The root directory, opened once, and the real directories reached inside it.

    The caller promises never to replace or remove a directory it reached through this tree
    (the extractor refuses to), which is what keeps remembered descriptors true."""

    _MAX_OPEN = 256

    def __init__(self, dest: Path) -> None:
        self.root = os.open(dest, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        self._fds: dict[tuple[str, ...], int] = {}

    def __enter__(self) -> ConfinedTree:
        return self

    def __exit__(self, *_: object) -> None:
        self.forget()
        os.close(self.root)

    def forget(self) -> None:
        """Close the remembered descriptors (between members, to bound how many are open)."""
        for fd in self._fds.values():
            os.close(fd)
        self._fds.clear()

    def trim(self) -> None:
        if len(self._fds) > self._MAX_OPEN:
            self.forget()

    def fd(self, real: tuple[str, ...]) -> int:
        """The descriptor of the real directory `real` (a path without links)."""
        if not real:
            return self.root
        fd = self._fds.get(real)
        if fd is None:
            fd = os.open(real[-1], DIR_FLAGS, dir_fd=self.fd(real[:-1]))
            self._fds[real] = fd
        return fd

    def resolve(self, start: tuple[str, ...], parts: list[str], *, create: bool) -> tuple[str, ...]:
        """The real directory `parts` names from the real directory `start`, following links
        ourselves. With `create`, missing directories are made (as `mkdir -p`); without it,
        the first missing component ends the walk and the rest is applied lexically (what a
        link pointing at a path that does not exist yet would mean). Raises `Escapes` when
        the path leaves the destination, `NotADirectory` when it runs into a file."""
        real = list(start)
        pending = list(parts)
        hops = 0
        while pending:
            name = pending.pop(0)
            if name in ("", "."):
                continue
            if name == "..":
                if not real:
                    raise Escapes
                real.pop()
                continue
            key = (*real, name)
            if key in self._fds:
                real.append(name)
                continue
            parent = self.fd(tuple(real))
            try:
                self._fds[key] = os.open(name, DIR_FLAGS, dir_fd=parent)
            except FileNotFoundError:
                if not create:
                    return self._lexical(real, [name, *pending])
                os.mkdir(name, 0o755, dir_fd=parent)
                pending.insert(0, name)  # opened on the next turn
                continue
            except OSError as error:
                if error.errno not in (errno.ELOOP, errno.ENOTDIR):
                    raise
                info = os.stat(name, dir_fd=parent, follow_symlinks=False)
                if not stat.S_ISLNK(info.st_mode):
                    raise NotADirectory(key) from None
                hops += 1
                target = os.readlink(name, dir_fd=parent)
                if hops > _MAX_LINK_HOPS or target.startswith("/"):
                    raise Escapes from None
                pending[:0] = target.split("/")
                continue
            real.append(name)
        return tuple(real)

    @staticmethod
    def _lexical(real: list[str], rest: list[str]) -> tuple[str, ...]:
        for name in rest:
            if name == "..":
                if not real:
                    raise Escapes
                real.pop()
            elif name not in ("", "."):
                real.append(name)
        return tuple(real)

    def lstat(self, real: tuple[str, ...], name: str) -> os.stat_result | None:
        try:
            return os.stat(name, dir_fd=self.fd(real), follow_symlinks=False)
        except FileNotFoundError:
            return None
