"""Extract a runtime archive safely, streaming, straight from the downloaded file.

Formats: `tar.gz`, `tar.xz` and `tar.zst` (the format of the Heroku and Scalingo runtime
archives, so operators can point a catalog at theirs). Members are written by this module, not
by `tarfile.extractall`, so every rule is explicit and the same on every Python version:

- member names must be relative and free of `..`; `strip_components` drops leading
  components (members that strip to nothing, such as the top directory itself, are skipped);
- symlinks must be relative and resolve inside the destination, and are checked again once
  everything is extracted (a later link can change where an earlier one points);
- hard links must point at a regular file already extracted inside the destination;
- files are never written through a path whose real location is outside the destination;
- device files and FIFOs are refused (the lifecycle's cache cannot even store them);
- permission bits are kept, minus setuid/setgid/sticky, plus what `cnb.modes` requires of a
  layer (readable by every user, the owner can write so the next build can delete a restored
  layer); modification times are kept.

Any violation raises `UnsafeArchive`; a stream that cannot be decompressed or parsed raises
`CorruptArchive`. The caller owns the destination and deletes it on error.
"""

from __future__ import annotations

import gzip
import lzma
import os
import shutil
import tarfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

from cnb_python.cnb.modes import readable_mode
from cnb_python.errors import CorruptArchive, UnsafeArchive

FORMATS = ("tar.gz", "tar.xz", "tar.zst")
_COPY_BUFFER = 1024 * 1024


@dataclass(frozen=True)
class Extracted:
    files: int
    bytes: int


@contextmanager
def _decompressed(path: Path, fmt: str) -> Iterator[Any]:
    """The archive's tar stream. Each decompressor raises on a stream that ends early, which
    tarfile's own stream mode would take for a normal end of archive."""
    with path.open("rb") as raw:
        if fmt == "tar.zst":
            import zstandard

            # max_window_size: Heroku's archives are made with `zstd --long` (up to 2 GiB
            # windows), which a default decompressor refuses.
            decompressor = zstandard.ZstdDecompressor(max_window_size=2**31)
            with decompressor.stream_reader(raw, read_size=_COPY_BUFFER) as reader:
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


def extract(archive: Path, dest: Path, *, fmt: str, strip_components: int = 0) -> Extracted:
    """Extract `archive` (of format `fmt`) into the existing directory `dest`."""
    if fmt not in FORMATS:
        raise CorruptArchive(archive.name, fmt, f"unsupported format; use one of {FORMATS}")
    extractor = _Extractor(dest, strip_components, archive.name)
    try:
        with (
            _decompressed(archive, fmt) as stream,
            tarfile.open(fileobj=stream, mode="r|", bufsize=_COPY_BUFFER) as tar,
        ):
            for member in tar:
                extractor.add(tar, member)
            # Read to the end so that a truncated or damaged tail is noticed too.
            while stream.read(_COPY_BUFFER):
                pass
    except (UnsafeArchive, CorruptArchive):
        raise
    except _corruption_types() as error:
        raise CorruptArchive(archive.name, fmt, _describe(error)) from None
    except OSError as error:
        # gzip raises a plain OSError ("Not a gzipped file") for foreign data.
        if error.errno is None:
            raise CorruptArchive(archive.name, fmt, _describe(error)) from None
        raise
    extractor.finish()
    return Extracted(extractor.files, extractor.bytes)


def _describe(error: BaseException) -> str:
    text = str(error).strip()
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


class _Extractor:
    def __init__(self, dest: Path, strip_components: int, archive: str) -> None:
        self.dest = dest
        self.root = os.path.realpath(dest)
        self.strip = strip_components
        self.archive = archive
        self.files = 0
        self.bytes = 0
        self.symlinks: list[tuple[str, Path]] = []
        self.directories: list[tuple[Path, int, float]] = []
        # Directories already resolved inside the destination. They stay real directories:
        # replacing a directory is refused, so the check never has to be repeated for them.
        self.verified: set[Path] = set()

    def _unsafe(self, member: str, reason: str) -> UnsafeArchive:
        return UnsafeArchive(member, reason, self.archive)

    def relative(self, name: str) -> PurePosixPath | None:
        """The member's path inside `dest` after stripping, or None to skip it."""
        if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
            raise self._unsafe(name, "absolute path")
        parts = [part for part in name.split("/") if part not in ("", ".")]
        if ".." in parts:
            raise self._unsafe(name, "path contains '..'")
        parts = parts[self.strip :]
        return PurePosixPath(*parts) if parts else None

    def _inside(self, path: str) -> bool:
        real = os.path.realpath(path)
        return real == self.root or real.startswith(self.root + os.sep)

    def _prepare_parent(self, name: str, target: Path, *, replace: bool = True) -> None:
        parent = target.parent
        if parent not in self.verified:
            # realpath() follows every existing link, so checking before mkdir() means no
            # directory is ever created outside the destination.
            if not self._inside(str(parent)):
                raise self._unsafe(name, "its directory resolves outside the destination")
            parent.mkdir(parents=True, exist_ok=True)
            self.verified.add(parent)
        if replace:
            self._replace(name, target)

    def _replace(self, name: str, target: Path) -> None:
        """Make way for a member that appears twice (later members win, as with tar)."""
        if target.is_symlink() or target.exists():
            if target.is_dir() and not target.is_symlink():
                raise self._unsafe(name, "would replace a directory")
            target.unlink()

    def add(self, tar: tarfile.TarFile, member: tarfile.TarInfo) -> None:
        relative = self.relative(member.name)
        if member.ischr() or member.isblk():
            raise self._unsafe(member.name, "device file")
        if member.isfifo():
            raise self._unsafe(member.name, "FIFO")
        if not (member.isdir() or member.isreg() or member.issym() or member.islnk()):
            raise self._unsafe(member.name, f"unsupported member type {member.type!r}")
        if relative is None:
            return
        target = self.dest / relative
        if member.isdir():
            self._directory(member, target)
        elif member.issym():
            self._symlink(member, relative, target)
        elif member.islnk():
            self._hardlink(member, target)
        else:
            self._file(tar, member, target)

    def _directory(self, member: tarfile.TarInfo, target: Path) -> None:
        if target.is_symlink() or (target.exists() and not target.is_dir()):
            target.unlink()
        if not self._inside(str(target)):
            raise self._unsafe(member.name, "resolves outside the destination")
        target.mkdir(parents=True, exist_ok=True)
        self.verified.add(target)
        # Modes and times of directories are applied at the end: children change mtimes, and
        # a read-only directory would stop us from filling it.
        self.directories.append((target, _mode(member.mode, directory=True), member.mtime))

    def _symlink(self, member: tarfile.TarInfo, relative: PurePosixPath, target: Path) -> None:
        link = member.linkname
        if not link or link.startswith("/"):
            raise self._unsafe(member.name, f"symlink to the absolute path {link!r}")
        resolved = os.path.normpath(f"{relative.parent}/{link}")
        if resolved == ".." or resolved.startswith("../"):
            raise self._unsafe(member.name, f"symlink to {link!r} points outside the destination")
        self._prepare_parent(member.name, target)
        if not self._inside(str(target.parent / link)):
            raise self._unsafe(member.name, f"symlink to {link!r} points outside the destination")
        target.symlink_to(link)
        self.symlinks.append((member.name, target))
        self.files += 1

    def _hardlink(self, member: tarfile.TarInfo, target: Path) -> None:
        try:
            source_relative = self.relative(member.linkname)
        except UnsafeArchive as error:
            raise self._unsafe(
                member.name, f"hard link to {member.linkname!r} ({error.reason})"
            ) from None
        if source_relative is None:
            raise self._unsafe(member.name, f"hard link to {member.linkname!r}")
        source = self.dest / source_relative
        if (
            not self._inside(str(source))
            or source.is_symlink()
            or not source.is_file()
            or not self._inside(str(source.parent))
        ):
            raise self._unsafe(
                member.name, f"hard link to {member.linkname!r}, not a file extracted before it"
            )
        self._prepare_parent(member.name, target)
        try:
            os.link(source, target)
        except OSError:
            shutil.copy2(source, target)
        self.files += 1

    def _file(self, tar: tarfile.TarFile, member: tarfile.TarInfo, target: Path) -> None:
        self._prepare_parent(member.name, target, replace=False)
        source = tar.extractfile(member)
        if source is None:  # pragma: no cover - regular members always have data
            raise self._unsafe(member.name, "no data")
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(target, flags, 0o600)
        except FileExistsError:
            # O_EXCL saves two stat() calls per member in the common case.
            self._replace(member.name, target)
            fd = os.open(target, flags, 0o600)
        with os.fdopen(fd, "wb") as handle:
            _copy(source, handle)
            handle.flush()
            os.fchmod(fd, _mode(member.mode, directory=False))
            os.utime(fd, (member.mtime, member.mtime))
        self.files += 1
        self.bytes += member.size

    def finish(self) -> None:
        for name, link in self.symlinks:
            if not self._inside(str(link)):
                raise self._unsafe(name, "symlink resolves outside the destination")
        for path, mode, mtime in reversed(self.directories):
            path.chmod(mode)
            os.utime(path, (mtime, mtime))


def _mode(mode: int, *, directory: bool) -> int:
    return readable_mode(mode, directory=directory)


def _copy(source: IO[bytes], target: Any) -> None:
    shutil.copyfileobj(source, target, _COPY_BUFFER)
