"""Choosing the pip and uv wheel to unpack (`cnb_python.tool_wheels`): pages, tags, settings."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from packaging.tags import Tag

from cnb_python import tool_wheels
from cnb_python.errors import ToolWheelNotPinned
from cnb_python.pins import Pin
from cnb_python.tool_wheels import Fallback, IndexFile, Located, choose, parse_page

UV = Pin("uv", "0.13.9", ("ab" * 32,))
LINUX_X86 = [
    Tag("py3", "none", "manylinux_2_28_x86_64"),
    Tag("py3", "none", "manylinux_2_17_x86_64"),
    Tag("py3", "none", "musllinux_1_1_x86_64"),
    Tag("py3", "none", "any"),
]


def test_a_json_page_gives_names_absolute_urls_and_sha256() -> None:
    body = json.dumps(
        {
            "meta": {"api-version": "1.1"},
            "files": [
                {"filename": "pip-26.3-py3-none-any.whl", "url": "../../f/pip.whl",
                 "hashes": {"sha256": "ab" * 32}},
                {"filename": "pip-26.3.tar.gz", "url": "https://files.example/p.tgz", "hashes": {}},
            ],
        }
    ).encode()  # fmt: skip
    files = parse_page(body, "application/vnd.pypi.simple.v1+json", "https://i.example/s/pip/")
    assert files == [
        IndexFile("pip-26.3-py3-none-any.whl", "https://i.example/f/pip.whl", "ab" * 32),
        IndexFile("pip-26.3.tar.gz", "https://files.example/p.tgz", ""),
    ]


def test_an_html_page_gives_the_same_from_anchors_and_fragments() -> None:
    body = (
        b"<html><body><a href='../../f/pip-26.3-py3-none-any.whl#sha256=" + b"ab" * 32 + b"' "
        b"data-requires-python='&gt;=3.9'>pip-26.3-py3-none-any.whl</a><br/>"
        b"<a href='/f/pip-26.3.tar.gz#md5=00'>pip-26.3.tar.gz</a></body></html>"
    )
    files = parse_page(body, "text/html; charset=utf-8", "https://i.example/s/pip/")
    assert files == [
        IndexFile(
            "pip-26.3-py3-none-any.whl", "https://i.example/f/pip-26.3-py3-none-any.whl", "ab" * 32
        ),
        IndexFile("pip-26.3.tar.gz", "https://i.example/f/pip-26.3.tar.gz", ""),
    ]


def test_the_wheel_of_exactly_the_pin_with_the_best_ranked_tag_is_chosen() -> None:
    names = [
        "uv-0.13.9-py3-none-musllinux_1_1_x86_64.whl",
        "uv-0.13.9-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "uv-0.13.9-py3-none-manylinux_2_17_aarch64.manylinux2014_aarch64.whl",
        "uv-0.13.10-py3-none-manylinux_2_28_x86_64.whl",  # another version
        "uv-0.13.9.tar.gz",
        "not a wheel.whl",
    ]
    files = [IndexFile(name, f"https://f/{name}", "") for name in names]
    chosen = choose(files, UV, LINUX_X86)
    assert chosen is not None
    assert chosen.filename == names[1]
    assert choose(files, UV, [Tag("py3", "none", "macosx_11_0_arm64")]) is None


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_only_the_pip_options_that_say_where_files_come_from_matter(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {"HOME": str(home), "XDG_CONFIG_DIRS": str(tmp_path / "none")}
    config = _write(home / ".config" / "pip" / "pip.conf", "[global]\ncert = /ca.pem\n")
    assert tool_wheels.pip_sources(env) == ("", "")
    config.write_text("[global]\nindex-url = https://mirror.example/simple\n")
    assert tool_wheels.pip_sources(env) == ("https://mirror.example/simple", "")
    config.write_text("[install]\nfind_links = /wheels\n")
    assert tool_wheels.pip_sources(env) == ("", f"find-links in {config}")
    assert tool_wheels.pip_sources({**env, "PIP_CONFIG_FILE": "/dev/null"}) == ("", "")
    assert tool_wheels.pip_sources({**env, "PIP_EXTRA_INDEX_URL": "https://x"}) == (
        "",
        "PIP_EXTRA_INDEX_URL",
    )


def test_a_carried_wheel_is_used_only_when_its_sha256_is_pinned(tmp_path: Path) -> None:
    wheel = _write(tmp_path / "uv-0.13.9-py3-none-any.whl", "wheel bytes")
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    pinned = Pin("uv", "0.13.9", (digest,))
    found = tool_wheels.locate(pinned, {}, wheels_dir=tmp_path)
    assert found == Located(wheel.name, str(wheel), digest, carried=True)
    with pytest.raises(ToolWheelNotPinned) as raised:
        tool_wheels.locate(UV, {}, wheels_dir=tmp_path)
    assert digest in raised.value.message().found[0]


def test_no_hash_or_no_index_leaves_the_install_to_pip(tmp_path: Path) -> None:
    unhashed = Pin("uv", "0.13.9")
    assert tool_wheels.locate(unhashed, {}, wheels_dir=tmp_path) == Fallback(
        "the buildpack lists no sha256 for uv==0.13.9"
    )
    env = {"PIP_NO_INDEX": "1", "PIP_CONFIG_FILE": "/dev/null"}
    assert tool_wheels.locate(UV, env, wheels_dir=tmp_path) == Fallback(
        "pip is told to use no index"
    )


def test_credentials_follow_a_file_only_on_the_index_host() -> None:
    index = "https://user:secret@i.example/simple/"
    on_host = tool_wheels._with_credentials("https://i.example/f/a.whl", index)
    assert on_host == "https://user:secret@i.example/f/a.whl"
    elsewhere = tool_wheels._with_credentials("https://cdn.example/a.whl", index)
    assert elsewhere == "https://cdn.example/a.whl"
