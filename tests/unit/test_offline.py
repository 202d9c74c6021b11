"""Which pip source arguments a tool gets from an offline edition's `dependencies/`."""

from __future__ import annotations

from pathlib import Path

import pytest

from cnb_python import offline


def _edition(root: Path, wheels: list[str], closures: dict[str, list[str]]) -> Path:
    """A buildpack directory whose `dependencies/` holds these wheel names and closure files."""
    wheels_dir = root / "dependencies" / "wheels"
    wheels_dir.mkdir(parents=True)
    for name in wheels:
        (wheels_dir / name).write_bytes(b"")
    for series, pins in closures.items():
        offline.write_closures(series, pins, root)
    return root


WHEELS = [
    "pip-26.3-py3-none-any.whl",
    "uv-0.13.9-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    "pipenv-2026.10.3-py3-none-any.whl",
    "poetry-2.5.1-py3-none-any.whl",
    "rapidfuzz-3.13.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
]
CLOSURES = {"3.12": ["poetry==2.5.1", "pipenv==2026.10.3"]}


@pytest.fixture
def edition(tmp_path: Path) -> Path:
    return _edition(tmp_path, WHEELS, CLOSURES)


def _carried(edition: Path) -> list[str]:
    return ["--no-index", "--find-links", str(edition / "dependencies" / "wheels")]


@pytest.mark.parametrize(("tool", "version"), [("pip", "26.3"), ("uv", "0.13.9")])
def test_a_tool_installed_alone_needs_only_its_own_wheel(
    edition: Path, tool: str, version: str
) -> None:
    assert offline.wheel_source_args(tool, version, buildpack_dir=edition) == _carried(edition)


def test_a_tool_installed_alone_falls_back_to_the_index_for_another_version(
    edition: Path,
) -> None:
    assert offline.wheel_source_args("pip", "26.2", buildpack_dir=edition) == []
    # "uv-0.13.9" must not pass for "uv-0.13".
    assert offline.wheel_source_args("uv", "0.13", buildpack_dir=edition) == []


@pytest.mark.parametrize(("tool", "version"), [("pipenv", "2026.10.3"), ("poetry", "2.5.1")])
def test_a_tool_with_dependencies_uses_the_wheels_for_a_carried_series(
    edition: Path, tool: str, version: str
) -> None:
    args = offline.wheel_source_args(tool, version, series="3.12", buildpack_dir=edition)
    assert args == _carried(edition)


def test_a_tool_with_dependencies_falls_back_to_the_index_for_a_series_not_carried(
    edition: Path,
) -> None:
    # Its own wheel is there, but not its closure for 3.13: --no-index would fail.
    assert offline.wheel_source_args("poetry", "2.5.1", series="3.13", buildpack_dir=edition) == []


def test_a_tool_with_dependencies_falls_back_to_the_index_for_another_version(
    edition: Path,
) -> None:
    assert offline.wheel_source_args("poetry", "2.6.0", series="3.12", buildpack_dir=edition) == []


def test_a_tool_absent_from_the_closure_file_is_not_carried(tmp_path: Path) -> None:
    edition = _edition(tmp_path, WHEELS, {"3.12": ["pipenv==2026.10.3"]})
    assert offline.wheel_source_args("poetry", "2.5.1", series="3.12", buildpack_dir=edition) == []
    args = offline.wheel_source_args("pipenv", "2026.10.3", series="3.12", buildpack_dir=edition)
    assert args == _carried(edition)


def test_without_dependencies_everything_comes_from_the_index(tmp_path: Path) -> None:
    assert offline.wheel_source_args("pip", "26.3", buildpack_dir=tmp_path) == []
    assert offline.wheel_source_args("poetry", "2.5.1", series="3.12", buildpack_dir=tmp_path) == []
    assert offline.carried_closures("3.12", tmp_path) == frozenset()


def test_closure_files_list_one_sorted_pin_a_line_and_read_back_case_blind(
    tmp_path: Path,
) -> None:
    path = offline.write_closures("3.12", ["poetry==2.5.1", "Pipenv==2026.10.3"], tmp_path)
    assert path == tmp_path / "dependencies" / "closures" / "3.12.txt"
    assert path.read_text() == "Pipenv==2026.10.3\npoetry==2.5.1\n"
    assert offline.carried_closures("3.12", tmp_path) == {"pipenv==2026.10.3", "poetry==2.5.1"}
    args = offline.wheel_source_args("pipenv", "2026.10.3", series="3.12", buildpack_dir=tmp_path)
    assert args[:1] == ["--no-index"]
