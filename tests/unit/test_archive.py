"""Safe extraction: every format, strip-components, modes, links, and every refusal."""

from __future__ import annotations

import gzip
import io
import lzma
import os
import stat
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
import zstandard
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnb_python.archive import FORMATS, ExtractLimits, extract
from cnb_python.errors import ArchiveTooLarge, CorruptArchive, UnsafeArchive

Member = Callable[[tarfile.TarFile], None]


def _file(name: str, data: bytes = b"data", mode: int = 0o644) -> Member:
    def add(tar: tarfile.TarFile) -> None:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        info.mode = mode
        info.mtime = 1_000_000
        tar.addfile(info, io.BytesIO(data))

    return add


def _special(name: str, kind: bytes, linkname: str = "", mode: int = 0o755) -> Member:
    def add(tar: tarfile.TarFile) -> None:
        info = tarfile.TarInfo(name)
        info.type = kind
        info.linkname = linkname
        info.mode = mode
        tar.addfile(info)

    return add


def _dir(name: str, mode: int = 0o755) -> Member:
    return _special(name, tarfile.DIRTYPE, mode=mode)


def _symlink(name: str, target: str) -> Member:
    return _special(name, tarfile.SYMTYPE, target, 0o777)


def _hardlink(name: str, target: str) -> Member:
    return _special(name, tarfile.LNKTYPE, target, 0o644)


def _archive(tmp_path: Path, members: list[Member], fmt: str = "tar.gz") -> Path:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for add in members:
            add(tar)
    raw = buffer.getvalue()
    compressed = {
        "tar.gz": lambda: gzip.compress(raw),
        "tar.xz": lambda: lzma.compress(raw),
        "tar.zst": lambda: zstandard.ZstdCompressor().compress(raw),
    }[fmt]()
    path = tmp_path / f"archive.{fmt}"
    path.write_bytes(compressed)
    return path


@pytest.fixture
def dest(tmp_path: Path) -> Path:
    path = tmp_path / "layer"
    path.mkdir()
    return path


PYTHON_TREE = [
    _dir("python"),
    _dir("python/bin"),
    _file("python/bin/python3.12", b"\x7fELF...", 0o755),
    _symlink("python/bin/python3", "python3.12"),
    _symlink("python/bin/python", "python3"),
    _dir("python/lib/python3.12", 0o755),
    _file("python/lib/python3.12/os.py", b"# os\n", 0o644),
    _file("python/lib/libpython3.12.so.1.0", b"lib", 0o755),
    _symlink("python/lib/libpython3.12.so", "libpython3.12.so.1.0"),
    _hardlink("python/lib/python3.12/os_copy.py", "python/lib/python3.12/os.py"),
    _symlink("python/lib/python3.12/config", "../../include"),
    _dir("python/include"),
]


@pytest.mark.parametrize("fmt", FORMATS)
def test_extracts_every_format_with_strip_components(tmp_path: Path, dest: Path, fmt: str) -> None:
    result = extract(_archive(tmp_path, PYTHON_TREE, fmt), dest, fmt=fmt, strip_components=1)

    assert (dest / "bin" / "python3.12").read_bytes() == b"\x7fELF..."
    assert (dest / "bin" / "python").resolve() == (dest / "bin" / "python3.12").resolve()
    assert (dest / "bin" / "python3").readlink() == Path("python3.12")
    assert (dest / "lib" / "python3.12" / "os_copy.py").read_bytes() == b"# os\n"
    assert (dest / "lib" / "python3.12" / "config").resolve() == (dest / "include").resolve()
    assert not (dest / "python").exists()
    assert result.files == 8


def test_keeps_permission_bits_and_times_but_not_setuid(tmp_path: Path, dest: Path) -> None:
    members = [
        _file("run", b"#!", 0o755),
        _file("private", b"x", 0o400),
        _file("owner-only-program", b"x", 0o700),
        _file("setuid", b"x", 0o4755),
        _dir("ro", 0o555),
        _dir("closed", 0o700),
        _file("ro/inside", b"x", 0o444),
    ]
    extract(_archive(tmp_path, members), dest, fmt="tar.gz")

    assert stat.S_IMODE((dest / "run").stat().st_mode) == 0o755
    # Owner read/write is always added: the next build must be able to delete the layer.
    # Everyone may read: the app may run as another user than the build.
    assert stat.S_IMODE((dest / "private").stat().st_mode) == 0o644
    assert stat.S_IMODE((dest / "owner-only-program").stat().st_mode) == 0o755
    assert stat.S_IMODE((dest / "setuid").stat().st_mode) == 0o755
    assert stat.S_IMODE((dest / "ro").stat().st_mode) == 0o755
    assert stat.S_IMODE((dest / "closed").stat().st_mode) == 0o755
    assert stat.S_IMODE((dest / "ro" / "inside").stat().st_mode) == 0o644
    assert (dest / "run").stat().st_mtime == 1_000_000


def test_strip_components_zero_keeps_the_tree(tmp_path: Path, dest: Path) -> None:
    extract(_archive(tmp_path, [_file("bin/python3", b"x", 0o755)], "tar.zst"), dest, fmt="tar.zst")
    assert (dest / "bin" / "python3").is_file()


@pytest.mark.parametrize(
    ("members", "offender", "reason"),
    [
        ([_file("/etc/passwd")], "/etc/passwd", "absolute path"),
        ([_file("python/../../evil")], "python/../../evil", "'..'"),
        ([_file("python/bin/../../../evil")], "python/bin/../../../evil", "'..'"),
        ([_symlink("python/lib", "/usr/lib")], "python/lib", "absolute path"),
        ([_symlink("python/bin/up", "../../..")], "python/bin/up", "outside"),
        ([_symlink("python/x", "../x")], "python/x", "outside"),
        ([_hardlink("python/passwd", "/etc/passwd")], "python/passwd", "hard link"),
        ([_hardlink("python/h", "python/../../etc/passwd")], "python/h", "'..'"),
        ([_hardlink("python/h", "python/missing")], "python/h", "hard link"),
        ([_special("python/tty", tarfile.CHRTYPE)], "python/tty", "device file"),
        ([_special("python/disk", tarfile.BLKTYPE)], "python/disk", "device file"),
        ([_special("python/pipe", tarfile.FIFOTYPE)], "python/pipe", "FIFO"),
    ],
)
def test_refuses_unsafe_members(
    tmp_path: Path, dest: Path, members: list[Member], offender: str, reason: str
) -> None:
    with pytest.raises(UnsafeArchive) as caught:
        extract(_archive(tmp_path, members), dest, fmt="tar.gz", strip_components=1)

    assert caught.value.member == offender
    assert reason in caught.value.reason
    assert not (tmp_path / "evil").exists()
    assert "Refusing to extract an unsafe archive" in caught.value.message().title


def test_refuses_writing_through_a_link_to_outside(tmp_path: Path, dest: Path) -> None:
    # "a" points at "x/..", harmless while x does not exist; "x" then points at "." so that
    # "a" escapes, and a file is written through it.
    members = [_symlink("a", "x/.."), _symlink("x", "."), _file("a/evil")]
    with pytest.raises(UnsafeArchive) as caught:
        extract(_archive(tmp_path, members), dest, fmt="tar.gz")

    assert caught.value.member == "a/evil"
    assert not (tmp_path / "evil").exists()


def test_rechecks_links_once_everything_is_extracted(tmp_path: Path, dest: Path) -> None:
    members = [_symlink("a", "x/.."), _symlink("x", ".")]
    with pytest.raises(UnsafeArchive, match="a") as caught:
        extract(_archive(tmp_path, members), dest, fmt="tar.gz")
    assert "outside" in caught.value.reason


def test_in_tree_relative_links_through_directories_are_kept(tmp_path: Path, dest: Path) -> None:
    members = [_dir("lib"), _symlink("lib64", "lib"), _file("lib64/libz.so", b"z")]
    extract(_archive(tmp_path, members), dest, fmt="tar.gz")
    assert (dest / "lib" / "libz.so").read_bytes() == b"z"


@pytest.mark.parametrize("fmt", FORMATS)
def test_corrupt_data_is_a_typed_error(tmp_path: Path, dest: Path, fmt: str) -> None:
    path = _archive(tmp_path, PYTHON_TREE, fmt)
    data = bytearray(path.read_bytes())
    path.write_bytes(bytes(data[: len(data) // 2]))
    with pytest.raises(CorruptArchive) as caught:
        extract(path, dest, fmt=fmt, strip_components=1)
    assert caught.value.format == fmt


@pytest.mark.parametrize("fmt", FORMATS)
def test_wrong_format_is_a_typed_error(tmp_path: Path, dest: Path, fmt: str) -> None:
    path = tmp_path / "not-an-archive"
    path.write_bytes(b"<html>Not Found</html>" * 50)
    with pytest.raises(CorruptArchive, match="Could not read"):
        extract(path, dest, fmt=fmt)


def test_a_swapped_symlink_cannot_redirect_a_later_member(tmp_path: Path, dest: Path) -> None:
    # `l` first leads to `d` (a file is written through it), then is swapped for a link to
    # `n`, which is made to point outside through `q`; a file is written through `l` again,
    # and `n` is finally pointed back inside so that the last check would pass. A check
    # cached for `l` would have let `evil` land outside.
    members = [
        _dir("d"),
        _symlink("l", "d"),
        _file("l/ok"),
        _symlink("l", "n"),
        _symlink("n", "q/.."),
        _symlink("q", "."),
        _file("l/evil"),
        _symlink("n", "d"),
    ]
    with pytest.raises(UnsafeArchive) as caught:
        extract(_archive(tmp_path, members), dest, fmt="tar.gz")

    assert caught.value.member == "l/evil"
    assert "outside the destination" in caught.value.reason
    assert sorted(p.name for p in tmp_path.iterdir()) == ["archive.tar.gz", "layer"]


def test_a_member_through_a_file_is_refused_clearly(tmp_path: Path, dest: Path) -> None:
    with pytest.raises(UnsafeArchive) as caught:
        extract(_archive(tmp_path, [_file("a"), _file("a/b")]), dest, fmt="tar.gz")
    assert caught.value.reason == "its directory 'a' is not a directory"


@pytest.mark.parametrize(
    ("members", "reason"),
    [
        ([_file("x" * 256)], "a component of its name is longer than 255 bytes"),
        ([_file("/".join(["d" * 200] * 6))], "its path is longer than 1024 bytes"),
        ([_symlink("l", "/".join(["d"] * 600))], "symlink target longer than 1024 bytes"),
        ([_file("f"), _hardlink("f", "f")], "hard link to itself"),
        ([_file("f"), _symlink("l", "f"), _hardlink("h", "l")], "not a file extracted before"),
    ],
)
def test_names_no_file_system_can_hold_and_odd_links_are_refused(
    tmp_path: Path, dest: Path, members: list[Member], reason: str
) -> None:
    with pytest.raises(UnsafeArchive) as caught:
        extract(_archive(tmp_path, members), dest, fmt="tar.gz")
    assert reason in caught.value.reason


def test_a_decompression_bomb_stops_at_the_size_limit(tmp_path: Path, dest: Path) -> None:
    bomb = _archive(tmp_path, [_file("zeros", b"\0" * (24 * 1024 * 1024))], "tar.zst")
    assert bomb.stat().st_size < 64 * 1024
    limits = ExtractLimits(max_bytes=8 * 1024 * 1024)
    with pytest.raises(ArchiveTooLarge) as caught:
        extract(bomb, dest, fmt="tar.zst", limits=limits)

    message = caught.value.message()
    assert message.title == "Refusing to extract archive.tar.zst: it is larger than the limit"
    assert message.found[0] == (
        "It unpacks to more than 8 MiB; the limit is 8 MiB (BP_PYTHON_MAX_RUNTIME_MIB)."
    )
    written = sum(p.stat().st_size for p in dest.rglob("*") if p.is_file())
    assert written <= 8 * 1024 * 1024


def test_the_ratio_limit_stops_a_bomb_early(tmp_path: Path, dest: Path) -> None:
    bomb = _archive(tmp_path, [_file("zeros", b"\0" * (8 * 1024 * 1024))], "tar.gz")
    limits = ExtractLimits(max_ratio=10, ratio_floor=0)
    with pytest.raises(ArchiveTooLarge) as caught:
        extract(bomb, dest, fmt="tar.gz", limits=limits)
    assert "10 times its compressed size" in caught.value.limit
    assert "(BP_PYTHON_MAX_RUNTIME_RATIO)" in caught.value.limit


def test_the_entry_limit_stops_an_inode_bomb(tmp_path: Path, dest: Path) -> None:
    archive = _archive(tmp_path, [_file(f"f{i}") for i in range(5)])
    with pytest.raises(ArchiveTooLarge, match="larger than the limit") as caught:
        extract(archive, dest, fmt="tar.gz", limits=ExtractLimits(max_members=3))
    assert caught.value.found == "It holds more than 3 entries"
    assert caught.value.limit == "3 entries (BP_PYTHON_MAX_RUNTIME_FILES)"


def test_an_open_file_is_extracted_and_left_open(tmp_path: Path, dest: Path) -> None:
    path = _archive(tmp_path, [_file("bin/python3", b"x", 0o755)], "tar.zst")
    with path.open("rb") as handle:
        extract(handle, dest, fmt="tar.zst", name="python.tar.zst")
        assert not handle.closed
    assert (dest / "bin" / "python3").read_bytes() == b"x"


# -- hostile archives, generated ------------------------------------------------------------

_NAMES = st.sampled_from(["a", "b", "c"])
_PATHS = st.lists(_NAMES, min_size=1, max_size=3).map("/".join)
_TARGETS = st.lists(st.sampled_from(["a", "b", "c", "..", "."]), min_size=1, max_size=4).map(
    "/".join
)
_MEMBERS = st.one_of(
    _PATHS.map(_dir),
    _PATHS.map(lambda name: _file(name, b"payload")),
    st.tuples(_PATHS, _TARGETS).map(lambda pair: _symlink(*pair)),
    st.tuples(_PATHS, _PATHS).map(lambda pair: _hardlink(*pair)),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_MEMBERS, min_size=1, max_size=8))
def test_no_sequence_of_members_writes_outside_the_destination(members: list[Member]) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        outer = Path(scratch) / "outer"
        dest = outer / "layer"
        dest.mkdir(parents=True)
        archive = _archive(Path(scratch), members)
        try:
            extract(archive, dest, fmt="tar.gz")
        except UnsafeArchive:
            pass
        else:
            for path in dest.rglob("*"):
                if path.is_symlink():
                    resolved = os.path.realpath(path)
                    assert resolved == str(dest) or resolved.startswith(f"{dest}/"), path
        assert [p.name for p in outer.iterdir()] == ["layer"]
        assert sorted(p.name for p in Path(scratch).iterdir()) == ["archive.tar.gz", "outer"]


@pytest.mark.parametrize("mtime", ["1e30", "-1e30", "nan", "inf"])
def test_a_modification_time_no_file_system_holds_is_clamped(
    tmp_path: Path, dest: Path, mtime: str
) -> None:
    def add(tar: tarfile.TarFile) -> None:
        for kind in (tarfile.REGTYPE, tarfile.DIRTYPE):
            info = tarfile.TarInfo("f" if kind == tarfile.REGTYPE else "d")
            info.type = kind
            info.size = 1 if kind == tarfile.REGTYPE else 0
            info.pax_headers = {"mtime": mtime}
            tar.addfile(info, io.BytesIO(b"x") if kind == tarfile.REGTYPE else None)

    extract(_archive(tmp_path, [add]), dest, fmt="tar.gz")
    assert (dest / "f").read_bytes() == b"x"
    assert 0 <= (dest / "d").stat().st_mtime <= 2**32
