"""The tool pins: one file per tool in cnb_python/pins/, one requirement per series."""

from __future__ import annotations

from pathlib import Path

import pytest

from cnb_python import pins
from cnb_python.catalog.loader import builtin_catalog
from cnb_python.errors import ToolSeriesUnsupported
from cnb_python.pins import Pin, parse_line, pin_for

HEX = "ab" * 32


@pytest.mark.parametrize("tool", pins.TOOLS)
def test_every_series_the_builtin_catalog_offers_has_a_pin_of_every_tool(tool: str) -> None:
    offered = {artifact.series for artifact in builtin_catalog().artifacts}
    assert offered
    for series in offered:
        pin = pin_for(tool, f"{series}.0")
        assert pin.name == tool
        assert pin.version


@pytest.mark.parametrize(
    ("tool", "python", "version"),
    [
        ("pip", "3.14.0", "26.3"),
        ("pip", "3.10.13", "26.3"),
        ("pip", "3.9.18", "26.0.1"),
        ("pip", "3.8.18", "25.0.1"),
        ("uv", "3.8.18", "0.13.9"),
        ("uv", "3.14.0", "0.13.9"),
        ("poetry", "3.13.0", "2.5.1"),
        ("poetry", "3.9.18", "2.2.1"),
        ("poetry", "3.8.18", "1.8.5"),
        ("pipenv", "3.12.1", "2026.10.3"),
        ("pipenv", "3.9.18", "2025.0.4"),
        ("pipenv", "3.8.18", "2024.4.1"),
    ],
)
def test_the_pin_follows_the_series(tool: str, python: str, version: str) -> None:
    assert pin_for(tool, python).version == version
    # A series alone ("3.9") selects the same pin as its patch versions.
    assert pin_for(tool, ".".join(python.split(".")[:2])).version == version


def test_a_line_holds_a_requirement_a_marker_and_hashes() -> None:
    line = f'Pip == 26.0.1 ; python_version == "3.9" --hash=sha256:{HEX.upper()}  # why'
    assert parse_line(line, where="x") == Pin("pip", "26.0.1", (HEX,), 'python_version == "3.9"')
    assert parse_line(
        f"uv==0.13.9 --hash=sha256:{HEX} --hash=sha256:{'cd' * 32}", where="x"
    ) == Pin("uv", "0.13.9", (HEX, "cd" * 32))
    assert parse_line("  # a comment", where="x") is None
    assert parse_line("", where="x") is None
    assert Pin("pip", "26.3").requirement == "pip==26.3"


@pytest.mark.parametrize(
    "line",
    [
        "pip>=26",
        "pip==26.*",
        "pip",
        "pip[x]==1",
        "pip==1 --hash=md5:00",
        "pip==1 --no-deps",
        "pip==",
    ],
)
def test_a_line_that_is_not_one_exact_pin_is_a_programming_error(line: str) -> None:
    with pytest.raises(ValueError, match="x:1"):
        parse_line(line, where="x:1")


def _pins_dir(tmp_path: Path, text: str) -> Path:
    (tmp_path / "poetry.txt").write_text(text)
    return tmp_path


def test_the_first_line_that_holds_wins_and_a_line_without_marker_holds_always(
    tmp_path: Path,
) -> None:
    pins_dir = _pins_dir(
        tmp_path,
        'poetry==3 ; python_version >= "3.12"\npoetry==2\npoetry==1 ; python_version < "3.9"\n',
    )
    assert pin_for("poetry", "3.13.1", pins_dir).version == "3"
    assert pin_for("poetry", "3.8.1", pins_dir).version == "2"


def test_a_series_no_pin_serves_is_refused_naming_the_series_that_work(tmp_path: Path) -> None:
    pins_dir = _pins_dir(
        tmp_path,
        'poetry==2.5.1 ; python_version >= "3.10"\npoetry==2.2.1 ; python_version == "3.9"\n',
    )
    with pytest.raises(ToolSeriesUnsupported) as raised:
        pin_for("poetry", "3.8.18", pins_dir)
    message = raised.value.message()
    assert message.title == "poetry cannot be installed for Python 3.8"
    assert "support Python 3.9 and later." in message.found[1]

    closed = _pins_dir(
        tmp_path, 'poetry==1 ; python_version >= "3.9" and python_version < "3.11"\n'
    )
    pins._read.cache_clear()
    with pytest.raises(ToolSeriesUnsupported) as raised:
        pin_for("poetry", "3.12.1", closed)
    assert "support Python 3.9, 3.10." in raised.value.message().found[1]


def test_a_file_that_pins_another_tool_or_nothing_is_a_programming_error(tmp_path: Path) -> None:
    (tmp_path / "pip.txt").write_text("uv==1\n")
    (tmp_path / "uv.txt").write_text("# nothing\n")
    with pytest.raises(ValueError, match="pins uv, not pip"):
        pins.pins("pip", tmp_path)
    with pytest.raises(ValueError, match="pins no version"):
        pins.pins("uv", tmp_path)


def test_a_pin_may_continue_over_lines_and_gives_pip_its_hashes(tmp_path: Path) -> None:
    (tmp_path / "pip.txt").write_text(
        "# a comment\n"
        'pip==26.3 ; python_version >= "3.10" \\\n'
        f"    --hash=sha256:{HEX} \\\n"
        f"    --hash=sha256:{'cd' * 32}\n"
        "pip==25.0.1\n"
    )
    first, second = pins.pins("pip", tmp_path)
    assert first == Pin("pip", "26.3", (HEX, "cd" * 32), 'python_version >= "3.10"')
    assert first.requirement_line == f"pip==26.3 --hash=sha256:{HEX} --hash=sha256:{'cd' * 32}"
    assert second.requirement_line == "pip==25.0.1"


@pytest.mark.parametrize("tool", ["pip", "uv"])
def test_every_pin_of_a_tool_installed_from_its_wheel_lists_sha256(tool: str) -> None:
    """`scripts/pin_hashes.py` writes them; without them the build runs pip to install it."""
    for pin in pins.pins(tool):
        assert pin.sha256, f"{pin.requirement} lists no --hash: run scripts/pin_hashes.py"
