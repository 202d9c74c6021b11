"""`installed.read_metadata`: a distribution's METADATA headers, without its long description."""

from __future__ import annotations

from pathlib import Path

from cnb_python.installed import read_metadata


def _dist_info(tmp_path: Path, data: bytes) -> Path:
    info = tmp_path / "demo-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_bytes(data)
    return info


def test_only_the_headers_are_read_never_the_description(tmp_path: Path) -> None:
    info = _dist_info(
        tmp_path,
        b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nRequires-Dist: six\n"
        b"Requires-Dist: idna ; extra == 'x'\n\nName: not-a-header\nRequires-Dist: body\n",
    )
    metadata = read_metadata(info)
    assert metadata is not None
    assert metadata.get_all("Name") == ["demo"]
    assert metadata.get_all("Requires-Dist") == ["six", "idna ; extra == 'x'"]


def test_crlf_files_folded_headers_and_undecodable_bytes(tmp_path: Path) -> None:
    info = _dist_info(
        tmp_path,
        b"Name: demo\r\nVersion: 2.0\r\nLicense: caf\xe9\r\n  and more\r\n\r\nName: body\r\n",
    )
    metadata = read_metadata(info)
    assert metadata is not None
    assert (metadata["Name"], metadata["Version"]) == ("demo", "2.0")
    assert metadata.get_all("Name") == ["demo"]
    assert metadata["License"].split() == ["caf\ufffd", "and", "more"]


def test_a_file_without_a_body_and_a_missing_file(tmp_path: Path) -> None:
    metadata = read_metadata(_dist_info(tmp_path, b"Name: demo\nVersion: 3"))
    assert metadata is not None
    assert metadata["Version"] == "3"
    assert read_metadata(tmp_path / "absent.dist-info") is None
