"""A layer's manifest: every entry it held when it was declared complete, written last.

A restored layer may hold fewer files than the build that made it wrote: a cache copy killed
half-way, a cache that ran out of space. Checking that `bin/python` and the standard library's
directory exist says nothing about the thousands of files beside them, so the python layer
records, as the last step of its install, every entry it holds (path, kind, size), and a
restored layer is complete only when each one is still there with the same kind and size.
Entries added later are fine (nothing removes files from a layer it reuses). The check costs
one `lstat` per entry, tens of milliseconds for a CPython.

Stored gzip-compressed inside the layer (about 100 KiB for a CPython), so it travels with the
layer wherever the layer goes, and read back with a size cap like any other input.
"""

from __future__ import annotations

import gzip
import json
import os
import stat
import zlib
from pathlib import Path
from typing import Any

from cnb_python.cnb import tomlio

FILE_NAME = ".cnb-python-manifest.json.gz"
_MAX_BYTES = 64 * 1024 * 1024
Entry = tuple[str, str, int]  # (path relative to the layer, "d" | "f" | "l", size of a file)


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "d"
    if stat.S_ISLNK(mode):
        return "l"
    return "f"


def entries(layer_dir: Path) -> list[Entry]:
    """Every entry under `layer_dir` but the manifest, sorted."""
    found: list[Entry] = []
    for directory, subdirectories, files in os.walk(layer_dir):
        parent = Path(directory)
        for name in [*subdirectories, *files]:
            path = parent / name
            relative = str(path.relative_to(layer_dir))
            if relative == FILE_NAME:
                continue
            info = path.lstat()
            kind = _kind(info.st_mode)
            found.append((relative, kind, info.st_size if kind == "f" else 0))
    return sorted(found)


def write(layer_dir: Path) -> int:
    """Record the layer's entries; call it last. Returns how many."""
    listed = entries(layer_dir)
    text = json.dumps({"entries": listed}, separators=(",", ":"))
    tomlio.write_bytes_atomic(layer_dir / FILE_NAME, gzip.compress(text.encode(), mtime=0))
    return len(listed)


def _read(layer_dir: Path) -> list[Entry] | None:
    try:
        with gzip.open(layer_dir / FILE_NAME, "rb") as handle:
            raw = handle.read(_MAX_BYTES + 1)
        data: Any = json.loads(raw) if len(raw) <= _MAX_BYTES else None
    except (OSError, EOFError, zlib.error, ValueError, RecursionError):
        return None
    listed = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(listed, list):
        return None
    result: list[Entry] = []
    for item in listed:
        if not (isinstance(item, list) and len(item) == 3):
            return None
        path, kind, size = item
        if not (isinstance(path, str) and kind in ("d", "f", "l") and isinstance(size, int)):
            return None
        result.append((path, kind, size))
    return result


def is_complete(layer_dir: Path) -> bool:
    """The manifest is there and every entry it lists is still there, of the same kind and,
    for a file, the same size."""
    listed = _read(layer_dir)
    if listed is None:
        return False
    # Every rebuild runs this over the whole runtime: str paths, no `Path` per entry (as
    # `cnb.modes.make_readable`).
    top = os.fspath(layer_dir)
    for relative, kind, size in listed:
        try:
            info = os.lstat(os.path.join(top, relative))  # noqa: PTH118
        except OSError:
            return False
        if _kind(info.st_mode) != kind or (kind == "f" and info.st_size != size):
            return False
    return True
