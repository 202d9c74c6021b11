"""What the python layer changes in an unpacked runtime, before it is declared complete.

- `drop_bundled_pip` and `drop_unneeded`: the archive's own pip, and what no app run needs
  where CPython documents it as optional (docs/image.md lists each and why);
- `relocate_sysconfig`: the build-time prefix that sysconfig and friends remember, rewritten
  to the layer (and python-build-standalone's toolchain paths, which no build image has);
- `compile_stdlib`: the standard library's unchecked-hash bytecode (`layers.bytecode`).

Kept apart from `layers.python` (the layer's key, reuse and install steps) because each is a
rule about CPython's files, tested on real archives, that changes for its own reasons.
"""

from __future__ import annotations

import ast
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cnb_python.layers import bytecode


def drop_bundled_pip(layer_dir: Path, series: str) -> list[str]:
    """Remove the archive's own pip (python-build-standalone ships one): its `bin/pip*` would
    come first on the launch PATH and on later buildpacks' (the python layer's `bin` precedes
    the pip layer's), an unpinned pip in the image. `ensurepip` and its bundled wheel stay:
    the pip layer installs from that wheel, and `python -m venv` with pip needs it. Returns
    what was removed, relative to the layer."""
    removed = []
    site_packages = layer_dir / "lib" / f"python{series}" / "site-packages"
    candidates = [
        *(layer_dir / "bin").glob("pip*"),
        site_packages / "pip",
        *site_packages.glob("pip-*.dist-info"),
    ]
    for path in candidates:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.is_symlink() or path.exists():
            path.unlink()
        else:
            continue
        removed.append(path.relative_to(layer_dir).as_posix())
    return sorted(removed)


# CPython's own test packages: what `configure --disable-test-modules` leaves out (TESTSUBDIRS
# of Makefile.pre.in, across 3.8 to 3.14), relative to lib/pythonX.Y.
TEST_PACKAGES = (
    "test",
    "idlelib/idle_test",
    "tkinter/test",
    "lib2to3/tests",
    "ctypes/test",
    "distutils/tests",
    "unittest/test",
    "sqlite3/test",
)


@dataclass(frozen=True)
class Dropped:
    files: int = 0
    bytes: int = 0


def drop_unneeded(layer_dir: Path, series: str) -> Dropped:
    """Remove what no app run needs, only where CPython documents it as optional
    (docs/image.md lists each and why):

    - the test packages (`configure --disable-test-modules`);
    - the static libpython (`configure --without-static-libpython`), when a shared one is
      there to link and embed against;
    - `.opt-1.pyc` / `.opt-2.pyc` bytecode: a cache for `-O`/`-OO` runs, which compile from
      source when it is absent (the import system's cached bytecode rules).
    """
    stdlib = layer_dir / "lib" / f"python{series}"
    paths: list[Path] = [stdlib / name for name in TEST_PACKAGES]
    if list((layer_dir / "lib").glob(f"libpython{series}*.so*")):
        paths += (layer_dir / "lib").glob(f"libpython{series}*.a")
        paths += stdlib.glob(f"config-{series}*/libpython{series}*.a")
    paths += (p for p in stdlib.rglob("*.opt-[12].pyc") if p.parent.name == "__pycache__")
    files = size = 0
    for path in paths:
        if path.is_symlink() or path.is_file():
            files, size = files + 1, size + path.lstat().st_size
            path.unlink()
        elif path.is_dir():
            for entry in path.rglob("*"):
                if entry.is_symlink() or entry.is_file():
                    files, size = files + 1, size + entry.lstat().st_size
            shutil.rmtree(path)
    return Dropped(files, size)


# --- relocation -------------------------------------------------------------------------------

_SYSCONFIGDATA = "_sysconfigdata_*.py"
# python-build-standalone's build-time toolchain paths, which do not exist on a build image.
_STANDALONE_FLAGS = re.compile(r"\s-[IL]/tools/\S*")
_STANDALONE_COMPILERS = (("/tools/llvm/bin/clang++", "c++"), ("/tools/llvm/bin/clang", "cc"))


def _build_prefix(sysconfigdata: Path) -> str | None:
    """The `prefix` the interpreter was configured with, read from its sysconfig data."""
    try:
        tree = ast.parse(sysconfigdata.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return None
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict):
            for key, value in zip(node.value.keys, node.value.values, strict=False):
                if (
                    isinstance(key, ast.Constant)
                    and key.value == "prefix"
                    and isinstance(value, ast.Constant)
                    and isinstance(value.value, str)
                ):
                    return value.value
    return None


def relocate_sysconfig(layer_dir: Path, series: str) -> list[Path]:
    """Rewrite the build-time prefix to the layer in `_sysconfigdata_*.py`, the config Makefile,
    `lib/pkgconfig/*.pc` and `bin/python*-config`, so C extensions built from sdists find the
    headers and libpython here. Returns the files changed."""
    stdlib = layer_dir / "lib" / f"python{series}"
    data_files = sorted(stdlib.glob(_SYSCONFIGDATA))
    old = next((p for p in map(_build_prefix, data_files) if p), None)
    new = str(layer_dir)
    if not old or old == new:
        return []
    pattern = re.compile(re.escape(old) + r"(?=[/'\"\s:;]|$)", re.MULTILINE)
    candidates = [
        *data_files,
        *stdlib.glob("config-*/Makefile"),
        *(layer_dir / "lib" / "pkgconfig").glob("*.pc"),
        *(layer_dir / "bin").glob("python*-config"),
    ]
    changed = []
    for path in candidates:
        if path.is_symlink() or not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # a compiled python-config: nothing textual to rewrite
        updated = pattern.sub(new.replace("\\", "\\\\"), text)
        updated = _STANDALONE_FLAGS.sub("", updated)
        for tool, replacement in _STANDALONE_COMPILERS:
            updated = updated.replace(tool, replacement)
        if updated != text:
            path.write_text(updated, encoding="utf-8")
            changed.append(path)
    return changed


# --- bytecode ---------------------------------------------------------------------------------


STDLIB_SKIP = ("site-packages",)


def stdlib_roots(layer_dir: Path, series: str) -> list[Path]:
    return [layer_dir / "lib" / f"python{series}"]


def compile_stdlib(layer_dir: Path, series: str, env: Mapping[str, str]) -> int:
    """Give the standard library's sources unchecked-hash pycs where they lack current ones
    (`layers.bytecode`). Returns how many were compiled."""
    return bytecode.compile_tree(
        layer_dir / "bin" / "python", stdlib_roots(layer_dir, series), env, skip=STDLIB_SKIP
    )
