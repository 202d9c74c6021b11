"""The packager's reproducibility rules: normalised modes and mtimes, a byte-stable `.tgz`."""

from __future__ import annotations

import tarfile
from pathlib import Path

from cnb_python.package import tree


def _sample(root: Path) -> Path:
    (root / "bin").mkdir(parents=True)
    (root / "bin" / "detect").write_text("#!/bin/sh\n")
    (root / "bin" / "detect").chmod(0o775)
    (root / "b.txt").write_text("b")
    (root / "a.txt").write_text("a")
    (root / "a.txt").chmod(0o600)
    (root / "link").symlink_to("a.txt")
    (root / "pkg" / "__pycache__").mkdir(parents=True)
    (root / "pkg" / "__pycache__" / "m.cpython-311.pyc").write_bytes(b"x")
    (root / "pkg" / "m.py").write_text("")
    (root / "vendor" / "lib" / "tests").mkdir(parents=True)
    (root / "vendor" / "lib" / "tests" / "t.py").write_text("")
    return root


def test_normalise_sets_modes_and_mtimes(tmp_path: Path) -> None:
    root = _sample(tmp_path / "tree")
    tree.remove_junk(root)
    tree.normalise(root, 315532801)

    assert not (root / "pkg" / "__pycache__").exists()
    assert not (root / "vendor" / "lib" / "tests").exists()
    assert (root / "a.txt").stat().st_mode & 0o777 == 0o644
    assert (root / "bin" / "detect").stat().st_mode & 0o777 == 0o755
    assert {path.lstat().st_mtime for path in root.rglob("*")} == {315532801}


def test_tgz_is_byte_identical_sorted_and_anonymous(tmp_path: Path) -> None:
    first = _sample(tmp_path / "one")
    second = _sample(tmp_path / "two")
    (second / "b.txt").touch()  # a different mtime before normalising
    archives = []
    for root in (first, second):
        tree.normalise(root, 315532801)
        archives.append(tree.write_tgz(root, tmp_path / f"{root.name}.tgz", 315532801))

    assert archives[0].read_bytes() == archives[1].read_bytes()
    header = archives[0].read_bytes()[:10]
    assert header[4:8] == b"\0\0\0\0"  # gzip MTIME: none
    assert not header[3] & 0x08  # FLG.FNAME: no file name recorded
    with tarfile.open(archives[0]) as tar:
        members = tar.getmembers()
    names = [member.name for member in members]
    assert names[:4] == ["a.txt", "b.txt", "bin", "bin/detect"]
    assert {(m.uid, m.gid, m.uname, m.gname, m.mtime) for m in members} == {
        (0, 0, "", "", 315532801)
    }
    assert next(m for m in members if m.name == "link").linkname == "a.txt"
