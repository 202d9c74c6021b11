"""An operator catalog that is not a regular file, or is too large, is refused at once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cnb_python.catalog.loader import load_catalog
from cnb_python.errors import CatalogUnreadable


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda path: path.symlink_to("/dev/zero"), "it is a character device, not a regular file"),
        (os.mkfifo, "it is a FIFO (named pipe), not a regular file"),
        (
            lambda path: path.write_bytes(b"#" * (2 * 1024 * 1024)),
            "it is 2.0 MiB, more than the limit of 1.0 MiB (BP_PYTHON_MAX_CATALOG_MIB)",
        ),
    ],
)
def test_a_catalog_that_cannot_be_read_whole_is_refused(
    tmp_path: Path, make: object, problem: str
) -> None:
    path = tmp_path / "catalog.toml"
    make(path)  # type: ignore[operator]
    env = {"BP_PYTHON_CATALOG": str(path), "BP_PYTHON_MAX_CATALOG_MIB": "1"}
    with pytest.raises(CatalogUnreadable) as caught:
        load_catalog(env)
    assert caught.value.message().found[1] == f"Problem: {problem}"
