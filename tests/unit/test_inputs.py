"""App and operator files are read whole or refused: never a prefix, never a FIFO or device."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnb_python.errors import InputNotRegular, InputTooLarge
from cnb_python.inputs import read_whole
from cnb_python.limits import MAX_CATALOG_MIB


@given(st.binary(max_size=64), st.integers(min_value=0, max_value=64))
def test_a_file_is_read_whole_exactly_when_it_fits(content: bytes, limit: int) -> None:
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"cnb-python-inputs-{os.getpid()}"
    path.write_bytes(content)
    try:
        if len(content) <= limit:
            assert read_whole(path, "f", max_bytes=limit) == content
        else:
            with pytest.raises(InputTooLarge):
                read_whole(path, "f", max_bytes=limit)
    finally:
        path.unlink()


def test_an_oversize_file_has_its_own_message(tmp_path: Path) -> None:
    path = tmp_path / "Pipfile.lock"
    path.write_bytes(b"{}" + b" " * (3 * 1024 * 1024))
    with pytest.raises(InputTooLarge) as caught:
        read_whole(path, "Pipfile.lock", max_bytes=1024 * 1024)

    message = caught.value.message()
    assert message.title == "Pipfile.lock is too large to read"
    assert message.found[0] == (
        "Pipfile.lock: it is 3.0 MiB, more than the limit of 1.0 MiB (BP_PYTHON_MAX_APP_FILE_MIB)."
    )
    assert "set BP_PYTHON_MAX_APP_FILE_MIB to a larger number of MiB" in message.fix[1]


def test_the_limit_names_its_own_setting(tmp_path: Path) -> None:
    path = tmp_path / "catalog.toml"
    path.write_bytes(b"x" * 10)
    with pytest.raises(InputTooLarge) as caught:
        read_whole(path, "catalog", max_bytes=5, limit=MAX_CATALOG_MIB)
    assert caught.value.reason() == (
        "it is 10 bytes, more than the limit of 5 bytes (BP_PYTHON_MAX_CATALOG_MIB)"
    )


def _read_in_thread(path: Path) -> BaseException | bytes | None:
    """Read `path` in a thread, so that a read that would block fails the test, not hangs it."""
    result: list[BaseException | bytes] = []

    def read() -> None:
        try:
            result.append(read_whole(path, path.name))
        except BaseException as error:  # reported to the test
            result.append(error)

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    thread.join(10)
    return result[0] if result else None


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / ".python-version"
    os.mkfifo(fifo)
    outcome = _read_in_thread(fifo)
    assert isinstance(outcome, InputNotRegular), outcome
    assert outcome.message().title == "Unable to read .python-version: it is not a regular file"
    assert outcome.reason() == "it is a FIFO (named pipe), not a regular file"


@pytest.mark.parametrize(
    ("target", "kind"), [("/dev/zero", "a character device"), ("/", "a directory")]
)
def test_devices_and_directories_are_refused(tmp_path: Path, target: str, kind: str) -> None:
    link = tmp_path / "catalog.toml"
    link.symlink_to(target)
    outcome = _read_in_thread(link)
    assert isinstance(outcome, InputNotRegular), outcome
    assert outcome.kind == kind


def test_a_symlink_to_a_regular_file_is_read(tmp_path: Path) -> None:
    (tmp_path / "real").write_text("3.12\n")
    (tmp_path / ".python-version").symlink_to("real")
    assert read_whole(tmp_path / ".python-version", ".python-version") == b"3.12\n"
