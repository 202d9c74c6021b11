"""The requirements-file reader: includes, continuations, comments and local paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from cnb_python.errors import RequirementsIncludeMissing
from cnb_python.managers.requirements import logical_lines, parse_tree, sha256_file


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_logical_lines_join_continuations_and_drop_comments() -> None:
    text = "# header\nsix==1.17.0 \\\n  --hash=sha256:abc  # pinned\n\nidna#not-a-comment\n"
    assert logical_lines(text) == [
        (2, "six==1.17.0   --hash=sha256:abc"),
        (5, "idna#not-a-comment"),
    ]


def test_includes_are_followed_transitively_relative_to_their_file(tmp_path: Path) -> None:
    top = write(tmp_path / "requirements.txt", "-r reqs/base.txt\n--constraint=c.txt\nsix\n")
    write(tmp_path / "reqs" / "base.txt", "-rcommon.txt\n--requirement ${EXTRA}.txt\n")
    write(tmp_path / "reqs" / "common.txt", "idna\n-r ../requirements.txt\n")
    write(tmp_path / "reqs" / "extra.txt", "certifi\n")
    write(tmp_path / "c.txt", "six==1.16.0\n")
    tree = parse_tree(top, tmp_path, {"EXTRA": "extra"})
    digests = tree.digests(tmp_path)
    assert list(digests) == [
        "requirements.txt",
        "reqs/base.txt",
        "c.txt",
        "reqs/common.txt",
        "reqs/extra.txt",
    ]
    assert digests["c.txt"] == sha256_file(tmp_path / "c.txt")


def test_a_missing_include_names_the_line_and_the_path(tmp_path: Path) -> None:
    top = write(tmp_path / "requirements.txt", "six\n-c constraints.txt\n")
    with pytest.raises(RequirementsIncludeMissing) as raised:
        parse_tree(top, tmp_path, {})
    assert raised.value.origin == "requirements.txt:2"
    assert raised.value.include == "constraints.txt"


def test_remote_includes_are_left_to_pip(tmp_path: Path) -> None:
    top = write(tmp_path / "requirements.txt", "-r https://example.invalid/reqs.txt\n")
    assert [p.name for p in parse_tree(top, tmp_path, {}).files] == ["requirements.txt"]


def test_local_requirements_and_their_packaging_files(tmp_path: Path) -> None:
    write(tmp_path / "pkg" / "pyproject.toml", "[project]\nname = 'pkg'\n")
    write(tmp_path / "lib" / "setup.py", "")
    top = write(
        tmp_path / "requirements.txt",
        "-e .\n./pkg\nfile:./lib\nname @ file:///opt/x\n"
        "six @ https://example.invalid/six.whl\nrequests[socks]\n--index-url https://x\n",
    )
    tree = parse_tree(top, tmp_path, {})
    assert [(r.text, r.editable) for r in tree.local] == [
        (".", True),
        ("./pkg", False),
        ("file:./lib", False),
        ("name @ file:///opt/x", False),
    ]
    assert tree.local[1].path == tmp_path / "pkg"
    assert tree.local[3].path == Path("/opt/x")
    assert set(tree.digests(tmp_path)) == {"requirements.txt", "pkg/pyproject.toml", "lib/setup.py"}
