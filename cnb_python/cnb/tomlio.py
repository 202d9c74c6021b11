"""TOML reading and writing for spec files.

`tomllib` on 3.11+, `tomli` before; `tomli_w` for writing. Files are written atomically (a
temporary file renamed into place) so a killed build never leaves half a TOML file behind, and
readable by every user (`cnb.modes`): `mkstemp` alone would leave them 0600, which the
launcher, running the app as another user, cannot read.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import tomli_w

from cnb_python.cnb.modes import FILE_MODE

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib


class TOMLDecodeError(ValueError):
    """Not valid TOML, or nested deeper than the parser can follow.

    Our own class, not the parser's: `tomllib` raises `RecursionError` for arrays or inline
    tables nested a few thousand deep, and a plain `ValueError` for an integer of thousands of
    digits (a hostile pyproject.toml), which callers expecting a parse error would otherwise
    let through as an internal error.
    """


def loads(text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise TOMLDecodeError(str(error)) from None
    except RecursionError:
        raise TOMLDecodeError("arrays or tables are nested too deeply to be read") from None
    except ValueError as error:  # an integer of thousands of digits, which int() refuses
        raise TOMLDecodeError(f"a value cannot be read: {str(error)[:100]}") from None


def load(path: Path) -> dict[str, Any]:
    """Parse a TOML file. Raises OSError, UnicodeDecodeError or TOMLDecodeError."""
    return loads(path.read_text(encoding="utf-8"))


def dumps(data: dict[str, Any]) -> str:
    return tomli_w.dumps(data)


def write_atomic(path: Path, data: dict[str, Any]) -> None:
    write_text_atomic(path, tomli_w.dumps(data))


def write_text_atomic(path: Path, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """`data` at `path`, all of it or (after a kill) the old file and a stale `.<name>.*.tmp`
    beside it (`cnb.layers.remove_stale_temporaries` removes those)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(fd, FILE_MODE)
            handle.write(data)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
