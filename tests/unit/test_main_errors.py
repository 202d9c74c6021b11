"""A full disk or exhausted memory is one clear message, never "Internal error"."""

from __future__ import annotations

import errno

import pytest

from cnb_python.__main__ import _fail


@pytest.mark.parametrize(
    ("error", "title"),
    [
        (
            OSError(errno.ENOSPC, "No space left on device", "/layers/venv/env/X.override"),
            "ERROR: The build ran out of disk space",
        ),
        (OSError(errno.EDQUOT, "Disk quota exceeded"), "ERROR: The build ran out of disk space"),
        (MemoryError(), "ERROR: The build ran out of memory"),
        (
            OSError(errno.EROFS, "Read-only file system", "/layers/python"),
            "ERROR: The build could not use /layers/python: Read-only file system",
        ),
        (
            OSError(errno.EIO, "Input/output error"),
            "ERROR: The build could not use a file: Input/output error",
        ),
    ],
)
def test_environment_problems_are_not_internal_errors(
    error: BaseException, title: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _fail({}, error, "build") == 1
    err = capsys.readouterr().err
    assert err.startswith(title + "\n")
    assert "Internal error" not in err
    assert "Traceback" not in err


def test_the_path_a_full_disk_struck_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    _fail({}, OSError(errno.ENOSPC, "No space left on device", "/layers/x.toml"), "build")
    assert "Writing /layers/x.toml failed: No space left on device." in capsys.readouterr().err


def test_other_errors_are_still_internal(capsys: pytest.CaptureFixture[str]) -> None:
    _fail({}, OSError(errno.EINVAL, "Invalid argument"), "build")
    assert "Internal error in cnb-python: OSError" in capsys.readouterr().err
