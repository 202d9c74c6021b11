"""The package's files: sources copied from the checkout, then made reproducible.

Two runs with the same inputs give the same tree: files are copied in sorted order, every
mtime is set to `SOURCE_DATE_EPOCH` (1980 by default, as the lifecycle does), modes are reduced
to 0755/0644, and bytecode and caches are removed. The `.tgz` form sorts its members, gives
them uid/gid 0 and no owner names, and writes a gzip header without a timestamp or file name.

Bytecode from the sources (and any a wheel brings) is removed here; the package's own
unchecked-hash bytecode is compiled afterwards (`bytecode.py`), since every mtime here is
normalised (here, and again by pack), which makes timestamp pycs stale.
"""

from __future__ import annotations

import gzip
import os
import shutil
import stat
import tarfile
from collections.abc import Iterator, Mapping
from pathlib import Path

# 1980-01-01T00:00:01Z: the lifecycle's normalised mtime (and valid in zip files too).
DEFAULT_EPOCH = 315532801
SOURCE_FILES = ("buildpack.toml",)
# What of the checkout the buildpack needs at detect and build time.
SOURCE_DIRS = {
    "bin": ("detect", "build", "_phase.sh", "_boot.py"),
}
PACKAGE_SUFFIXES = (".py", ".toml", ".txt", ".sh", ".typed")
# Never part of a package: bytecode, caches, and test suites of the interpreter.
JUNK_DIRS = frozenset({"__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache"})
TEST_DIRS = frozenset({"test", "tests", "idle_test"})
# Only third-party trees are pruned of tests: cnb_python has none, and the check stays narrow.
TESTED_DIRS = frozenset({"runtime", "vendor"})
PACKAGE_TOML = '[buildpack]\nuri = "."\n'
# Files of vendored packages that can never load in the package, by package: zstandard's wheel
# carries a cffi backend (`backend_cffi.py` and its `_cffi` extension, about 12 MB) next to the
# C one. On CPython `import zstandard` loads the C backend only, and the cffi one would need the
# `cffi` package, which is not vendored. tests/integration/test_package_tree.py checks both.
UNLOADABLE_VENDOR_FILES = {"zstandard": ("backend_cffi.py", "_cffi.*")}


def epoch(env: Mapping[str, str]) -> int:
    value = env.get("SOURCE_DATE_EPOCH", "").strip()
    return int(value) if value.isdigit() else DEFAULT_EPOCH


def copy_sources(source: Path, out: Path) -> None:
    """buildpack.toml, bin/, cnb_python/ (sources and data, the tool pins included) and
    package.toml."""
    for name in SOURCE_FILES:
        shutil.copy2(source / name, out / name)
    for directory, patterns in SOURCE_DIRS.items():
        (out / directory).mkdir()
        for pattern in patterns:
            for path in sorted((source / directory).glob(pattern)):
                shutil.copy2(path, out / directory / path.name)
    package_dir = source / "cnb_python"
    for path in sorted(package_dir.rglob("*")):
        relative = path.relative_to(source)
        if JUNK_DIRS.intersection(relative.parts) or not path.is_file():
            continue
        if path.suffix not in PACKAGE_SUFFIXES:
            continue
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    (out / "package.toml").write_text(PACKAGE_TOML, encoding="utf-8")


def remove_junk(root: Path) -> None:
    """Bytecode and caches (pip leaves `__pycache__` behind in some wheels' installs), the test
    suites in the interpreter and the vendored packages, which the buildpack never imports, and
    the vendored files that cannot load (`UNLOADABLE_VENDOR_FILES`)."""
    for path in sorted(root.rglob("*"), reverse=True):
        if not path.is_dir() or path.is_symlink():
            if path.suffix in (".pyc", ".pyo"):
                path.unlink()
            continue
        relative = path.relative_to(root).parts
        if path.name in JUNK_DIRS or (relative[0] in TESTED_DIRS and path.name in TEST_DIRS):
            shutil.rmtree(path)
    for package, patterns in UNLOADABLE_VENDOR_FILES.items():
        for pattern in patterns:
            for path in (root / "vendor" / package).glob(pattern):
                path.unlink()


def walk(root: Path) -> Iterator[Path]:
    """Every path under `root` (symlinks not followed), sorted by relative path."""
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        base = Path(dirpath)
        found.extend(base / name for name in [*dirnames, *filenames])
    yield from sorted(found, key=lambda path: path.relative_to(root).as_posix())


def normalise(root: Path, mtime: int) -> None:
    """Reproducible modes and mtimes (directories last, so their mtimes stick)."""
    paths = list(walk(root))
    for path in paths:
        if path.is_symlink():
            continue
        mode = path.stat().st_mode
        executable = path.is_dir() or mode & stat.S_IXUSR
        path.chmod(0o755 if executable else 0o644)
    for path in [*reversed(paths), root]:
        os.utime(path, (mtime, mtime), follow_symlinks=False)


def write_tgz(root: Path, archive: Path, mtime: int) -> Path:
    """`root`'s contents as a reproducible gzip'd tar (members relative, sorted)."""

    def info_for(path: Path, tar: tarfile.TarFile) -> tarfile.TarInfo:
        info = tar.gettarinfo(str(path), arcname=path.relative_to(root).as_posix())
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        info.mtime = mtime
        return info

    with (
        archive.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as zipped,
        tarfile.open(fileobj=zipped, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        for path in walk(root):
            info = info_for(path, tar)
            if info.isreg():
                with path.open("rb") as handle:
                    tar.addfile(info, handle)
            else:
                tar.addfile(info)
    return archive
