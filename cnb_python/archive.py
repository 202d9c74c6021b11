"""Extract a runtime archive safely, streaming, straight from the downloaded file.

Formats: `tar.gz`, `tar.xz` and `tar.zst` (the format of the Heroku and Scalingo runtime
archives, so operators can point a catalog at theirs). Members are written by this module, not
by `tarfile.extractall`, so every rule is explicit and the same on every Python version:

- member names must be relative and free of `..`, with no component longer than the file
  system allows and no path longer than `MAX_PATH`; `strip_components` drops leading
  components (members that strip to nothing, such as the top directory itself, are skipped);
- nothing is ever written outside the destination, by construction (`cnb_python.confined`):
  every member's directory is reached from a file descriptor of the destination, one component
  at a time, with `O_NOFOLLOW`. A symbolic link on the way is read and followed by us, never by
  the kernel, against the real directories reached so far; one that would leave the
  destination is refused. So no check is ever cached across a change of a link: only real
  directories are remembered, and a directory is never replaced;
- symlinks must be relative and stay inside the destination, and are checked again once
  everything is extracted (a later link can change where an earlier one points);
- hard links must point at a regular file already extracted inside the destination;
- device files, FIFOs and sparse files are refused (the lifecycle's cache cannot store the
  first two, and no runtime needs the last);
- permission bits are kept, minus setuid/setgid/sticky, plus what `cnb.modes` requires of a
  layer (readable by every user, the owner can write so the next build can delete a restored
  layer); modification times are kept;
- what the archive unpacks to is capped (`ExtractLimits`), so a decompression bomb served with
  a matching checksum stops with a message instead of filling the disk.

Any violation raises `UnsafeArchive` or `ArchiveTooLarge`; a stream that cannot be
decompressed or parsed raises `CorruptArchive`; a full disk raises `DiskFull`, another failure
of the file system `ExtractionFailed`. The caller owns the destination and deletes it on error.
"""

from __future__ import annotations

import errno
import gzip
import lzma
import math
import os
import stat
import tarfile
import zlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from cnb_python.cnb.modes import readable_mode
from cnb_python.confined import DIR_FLAGS, ConfinedTree, Escapes, NotADirectory
from cnb_python.errors import (
    ArchiveTooLarge,
    CorruptArchive,
    DiskFull,
    ExtractionFailed,
    UnsafeArchive,
)
from cnb_python.limits import MAX_RUNTIME_FILES, MAX_RUNTIME_MIB, MAX_RUNTIME_RATIO, MIB

FORMATS = ("tar.gz", "tar.xz", "tar.zst")
_COPY_BUFFER = 1024 * 1024
# Far beyond any runtime's longest path (CPython's is under 120 bytes), and short enough that
# a layer's absolute paths stay below PATH_MAX for every tool that later walks it.
MAX_PATH = 1024
NAME_MAX = 255
# Below this, the ratio limit does not apply: small archives of small files compress well.
RATIO_FLOOR = 64 * MIB
_FILE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
_DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})


@dataclass(frozen=True)
class ExtractLimits:
    """What an archive may unpack to: bytes of tar stream, times its own size (above
    `ratio_floor`), and entries."""

    max_bytes: int = MAX_RUNTIME_MIB.default * MIB
    max_ratio: int = MAX_RUNTIME_RATIO.default
    max_members: int = MAX_RUNTIME_FILES.default
    ratio_floor: int = RATIO_FLOOR

    @classmethod
    def from_env(cls, platform_env: Mapping[str, str]) -> ExtractLimits:
        return cls(
            max_bytes=MAX_RUNTIME_MIB.read(platform_env) * MIB,
            max_ratio=MAX_RUNTIME_RATIO.read(platform_env),
            max_members=MAX_RUNTIME_FILES.read(platform_env),
        )


@dataclass(frozen=True)
class Extracted:
    files: int
    bytes: int


class _Counted:
    """The decompressed stream, refusing to yield more than the limits allow."""

    def __init__(self, stream: Any, archive: str, compressed: int, limits: ExtractLimits) -> None:
        self.stream = stream
        self.archive = archive
        self.read_so_far = 0
        by_ratio = max(limits.ratio_floor, compressed * limits.max_ratio)
        self.cap = min(limits.max_bytes, by_ratio)
        if by_ratio < limits.max_bytes:
            self.limit = (
                f"{limits.max_ratio} times its compressed size of {compressed // 1024} KiB "
                f"({MAX_RUNTIME_RATIO.setting})"
            )
        else:
            self.limit = MAX_RUNTIME_MIB.describe(limits.max_bytes // MIB)

    def read(self, size: int = -1) -> bytes:
        data: bytes = self.stream.read(size)
        self.read_so_far += len(data)
        if self.read_so_far > self.cap:
            raise ArchiveTooLarge(
                self.archive, f"It unpacks to more than {self.cap // MIB} MiB", self.limit
            )
        return data


@contextmanager
def _decompressed(raw: IO[bytes], fmt: str) -> Iterator[Any]:
    """The archive's tar stream. Each decompressor raises on a stream that ends early, which
    tarfile's own stream mode would take for a normal end of archive."""
    if fmt == "tar.zst":
        import zstandard

        # max_window_size: Heroku's archives are made with `zstd --long` (up to 2 GiB
        # windows), which a default decompressor refuses.
        decompressor = zstandard.ZstdDecompressor(max_window_size=2**31)
        with decompressor.stream_reader(raw, read_size=_COPY_BUFFER, closefd=False) as reader:
            yield reader
    elif fmt == "tar.xz":
        with lzma.LZMAFile(raw) as reader:
            yield reader
    else:
        with gzip.GzipFile(fileobj=raw) as reader:
            yield reader


def _corruption_types() -> tuple[type[BaseException], ...]:
    types: list[type[BaseException]] = [tarfile.TarError, zlib.error, lzma.LZMAError, EOFError]
    try:
        import zstandard

        types.append(zstandard.ZstdError)
    except ImportError:  # pragma: no cover - zstandard is a runtime dependency
        pass
    return tuple(types)


def extract(
    archive: Path | IO[bytes],
    dest: Path,
    *,
    fmt: str,
    strip_components: int = 0,
    limits: ExtractLimits | None = None,
    name: str = "",
    where: str = "",
) -> Extracted:
    """Extract `archive` (a path, or a binary file positioned at its start) of format `fmt`
    into the empty (or missing) directory `dest`. `name` names the archive in messages (default:
    the file name); `where` says where a full disk struck ("in the python layer")."""
    limits = limits or ExtractLimits()
    if isinstance(archive, Path):
        with archive.open("rb") as raw:
            return extract(
                raw,
                dest,
                fmt=fmt,
                strip_components=strip_components,
                limits=limits,
                name=name or archive.name,
                where=where,
            )
    label = name or "the runtime archive"
    if fmt not in FORMATS:
        raise CorruptArchive(label, fmt, f"unsupported format; use one of {FORMATS}")
    compressed = os.fstat(archive.fileno()).st_size
    dest.mkdir(parents=True, exist_ok=True)
    with ConfinedTree(dest) as tree:
        extractor = _Extractor(tree, strip_components, label, limits.max_members)
        try:
            with _decompressed(archive, fmt) as decompressed:
                stream: Any = _Counted(decompressed, label, compressed, limits)
                with tarfile.open(fileobj=stream, mode="r|", bufsize=_COPY_BUFFER) as tar:
                    for member in tar:
                        extractor.add(tar, member)
                # Read to the end so that a truncated or damaged tail is noticed too.
                while stream.read(_COPY_BUFFER):
                    pass
            extractor.finish()
        except (UnsafeArchive, CorruptArchive, ArchiveTooLarge):
            raise
        except _corruption_types() as error:
            raise CorruptArchive(label, fmt, _describe(error)) from None
        except OSError as error:
            # gzip raises a plain OSError ("Not a gzipped file") for foreign data.
            if error.errno is None:
                raise CorruptArchive(label, fmt, _describe(error)) from None
            raise _file_system_error(
                error, label, extractor.current, where or f"in {dest}"
            ) from None
    return Extracted(extractor.files, extractor.bytes)


def _file_system_error(error: OSError, archive: str, member: str, where: str) -> Exception:
    reason = error.strerror or str(error)
    if error.errno in _DISK_FULL:
        return DiskFull(where, reason)
    if error.errno == errno.ENAMETOOLONG:
        return UnsafeArchive(member, "its name is longer than the file system allows", archive)
    return ExtractionFailed(archive, member, reason)


def _describe(error: BaseException) -> str:
    text = str(error).strip()
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


class _Extractor:
    def __init__(
        self, tree: ConfinedTree, strip_components: int, archive: str, max_members: int
    ) -> None:
        self.tree = tree
        self.strip = strip_components
        self.archive = archive
        self.max_members = max_members
        self.members = 0
        self.files = 0
        self.bytes = 0
        self.current = ""
        # (member name, real directory, link name) of every symlink, checked again at the end.
        self.symlinks: list[tuple[str, tuple[str, ...], str]] = []
        self.directories: list[tuple[tuple[str, ...], int, float]] = []

    def _unsafe(self, member: str, reason: str) -> UnsafeArchive:
        return UnsafeArchive(member, reason, self.archive)

    def relative(self, name: str) -> list[str] | None:
        """The member's path components inside `dest` after stripping, or None to skip it."""
        if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
            raise self._unsafe(name, "absolute path")
        parts = [part for part in name.split("/") if part not in ("", ".")]
        if ".." in parts:
            raise self._unsafe(name, "path contains '..'")
        parts = parts[self.strip :]
        if any(len(part.encode("utf-8", "surrogateescape")) > NAME_MAX for part in parts):
            raise self._unsafe(name, f"a component of its name is longer than {NAME_MAX} bytes")
        if len("/".join(parts).encode("utf-8", "surrogateescape")) > MAX_PATH:
            raise self._unsafe(name, f"its path is longer than {MAX_PATH} bytes")
        return parts or None

    def _parent(self, member: str, parts: list[str]) -> tuple[str, ...]:
        """The real directory that will hold `parts[-1]`, created as needed."""
        try:
            return self.tree.resolve((), parts[:-1], create=True)
        except Escapes:
            raise self._unsafe(member, "its directory resolves outside the destination") from None
        except NotADirectory as error:
            where = "/".join(error.path)
            raise self._unsafe(member, f"its directory {where!r} is not a directory") from None

    def _make_way(self, member: str, real: tuple[str, ...], name: str) -> None:
        """Make way for a member that appears twice (later members win, as with tar)."""
        info = self.tree.lstat(real, name)
        if info is None:
            return
        if stat.S_ISDIR(info.st_mode):
            raise self._unsafe(member, "would replace a directory")
        os.unlink(name, dir_fd=self.tree.fd(real))

    def add(self, tar: tarfile.TarFile, member: tarfile.TarInfo) -> None:
        self.current = member.name
        self.members += 1
        if self.members > self.max_members:
            raise ArchiveTooLarge(
                self.archive,
                f"It holds more than {self.max_members} entries",
                MAX_RUNTIME_FILES.describe(self.max_members),
            )
        parts = self.relative(member.name)
        if member.ischr() or member.isblk():
            raise self._unsafe(member.name, "device file")
        if member.isfifo():
            raise self._unsafe(member.name, "FIFO")
        if member.issparse():
            raise self._unsafe(member.name, "sparse file")
        if not (member.isdir() or member.isreg() or member.issym() or member.islnk()):
            raise self._unsafe(member.name, f"unsupported member type {member.type!r}")
        if parts is None:
            return
        self.tree.trim()
        real = self._parent(member.name, parts)
        name = parts[-1]
        if member.isdir():
            self._directory(member, real, name)
        elif member.issym():
            self._symlink(member, real, name)
        elif member.islnk():
            self._hardlink(member, real, name)
        else:
            self._file(tar, member, real, name)

    def _directory(self, member: tarfile.TarInfo, real: tuple[str, ...], name: str) -> None:
        info = self.tree.lstat(real, name)
        if info is not None and not stat.S_ISDIR(info.st_mode):
            os.unlink(name, dir_fd=self.tree.fd(real))
            info = None
        if info is None:
            os.mkdir(name, 0o755, dir_fd=self.tree.fd(real))
        # Modes and times of directories are applied at the end: children change mtimes, and
        # a read-only directory would stop us from filling it.
        self.directories.append(
            ((*real, name), _mode(member.mode, directory=True), _mtime(member.mtime))
        )

    def _check_link(self, member: str, real: tuple[str, ...], link: str) -> None:
        if not link or link.startswith("/"):
            raise self._unsafe(member, f"symlink to the absolute path {link!r}")
        if len(link.encode("utf-8", "surrogateescape")) > MAX_PATH:
            raise self._unsafe(member, f"symlink target longer than {MAX_PATH} bytes")
        try:
            self.tree.resolve(real, link.split("/"), create=False)
        except Escapes:
            raise self._unsafe(
                member, f"symlink to {link!r} points outside the destination"
            ) from None
        except NotADirectory:
            pass  # it goes through a file: dangling, but inside

    def _symlink(self, member: tarfile.TarInfo, real: tuple[str, ...], name: str) -> None:
        self._check_link(member.name, real, member.linkname)
        self._make_way(member.name, real, name)
        os.symlink(member.linkname, name, dir_fd=self.tree.fd(real))
        self.symlinks.append((member.name, real, name))
        self.files += 1

    def _hardlink(self, member: tarfile.TarInfo, real: tuple[str, ...], name: str) -> None:
        refused = self._unsafe(
            member.name, f"hard link to {member.linkname!r}, not a file extracted before it"
        )
        try:
            source = self.relative(member.linkname)
        except UnsafeArchive as error:
            raise self._unsafe(
                member.name, f"hard link to {member.linkname!r} ({error.reason})"
            ) from None
        if source is None:
            raise self._unsafe(member.name, f"hard link to {member.linkname!r}")
        try:
            source_dir = self.tree.resolve((), source[:-1], create=False)
        except (Escapes, NotADirectory):
            raise refused from None
        info = self.tree.lstat(source_dir, source[-1])
        if info is None or not stat.S_ISREG(info.st_mode):
            raise refused
        if (source_dir, source[-1]) == (real, name):
            raise self._unsafe(member.name, "hard link to itself")
        self._make_way(member.name, real, name)
        os.link(
            source[-1],
            name,
            src_dir_fd=self.tree.fd(source_dir),
            dst_dir_fd=self.tree.fd(real),
            follow_symlinks=False,
        )
        self.files += 1

    def _file(
        self, tar: tarfile.TarFile, member: tarfile.TarInfo, real: tuple[str, ...], name: str
    ) -> None:
        source = tar.extractfile(member)
        if source is None:  # pragma: no cover - regular members always have data
            raise self._unsafe(member.name, "no data")
        parent = self.tree.fd(real)
        try:
            fd = os.open(name, _FILE_FLAGS, 0o600, dir_fd=parent)
        except FileExistsError:
            # O_EXCL saves a stat() call per member in the common case.
            self._make_way(member.name, real, name)
            fd = os.open(name, _FILE_FLAGS, 0o600, dir_fd=parent)
        with os.fdopen(fd, "wb") as handle:
            while chunk := source.read(_COPY_BUFFER):
                handle.write(chunk)
            handle.flush()
            os.fchmod(fd, _mode(member.mode, directory=False))
            os.utime(fd, (_mtime(member.mtime),) * 2)
        self.files += 1
        self.bytes += member.size

    def finish(self) -> None:
        self.current = ""
        for member, real, name in self.symlinks:
            try:
                link = os.readlink(name, dir_fd=self.tree.fd(real))
            except OSError:
                continue  # replaced by a later member, which was checked itself
            try:
                self.tree.resolve(real, link.split("/"), create=False)
            except Escapes:
                raise self._unsafe(member, "symlink resolves outside the destination") from None
            except NotADirectory:
                pass
        for real, mode, mtime in reversed(self.directories):
            fd = os.open(real[-1], DIR_FLAGS, dir_fd=self.tree.fd(real[:-1]))
            try:
                os.fchmod(fd, mode)
                os.utime(fd, (mtime, mtime))
            finally:
                os.close(fd)
            self.tree.trim()


def _mtime(value: float) -> float:
    """A modification time the file system can hold: a PAX header may say `1e30` or `nan`
    (the lifecycle resets every mtime anyway; only the bytes matter)."""
    if not math.isfinite(value):
        return 0.0
    return min(max(value, 0.0), float(2**32))


def _mode(mode: int, *, directory: bool) -> int:
    return readable_mode(mode, directory=directory)
