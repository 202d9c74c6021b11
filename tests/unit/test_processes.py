from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnb_python.errors import InputTooLarge, InvalidProcfile
from cnb_python.output import Output
from cnb_python.processes import from_app, parse_procfile


def test_procfile_lines_become_bash_processes_with_web_default() -> None:
    processes = parse_procfile(
        "# comment\n\nworker: celery -A app worker\nweb: gunicorn --bind :$PORT app:app\n"
    )
    assert [(p.type, p.command, p.default) for p in processes] == [
        ("worker", ("bash", "-c", "celery -A app worker"), False),
        ("web", ("bash", "-c", "gunicorn --bind :$PORT app:app"), True),
    ]


def test_no_web_means_no_default() -> None:
    assert [p.default for p in parse_procfile("worker: python w.py\n")] == [False]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("web gunicorn\n", "expected `<type>: <command>`"),
        ("we/b: x\n", "expected `<type>: <command>`"),
        ("web: a\nweb: b\n", "repeated"),
    ],
)
def test_bad_procfiles(text: str, reason: str) -> None:
    with pytest.raises(InvalidProcfile) as info:
        parse_procfile(text)
    assert reason in info.value.message().render()


def test_missing_procfile_says_how_to_add_one(tmp_path: Path) -> None:
    out = io.StringIO()
    assert from_app(tmp_path, {}, Output(stdout=out, stderr=out)) == ()
    assert "No Procfile: no process is declared" in out.getvalue()
    assert "add a Procfile such as: web: gunicorn --bind 0.0.0.0:$PORT app:app" in out.getvalue()


def test_an_oversize_procfile_is_refused_whole(tmp_path: Path) -> None:
    (tmp_path / "Procfile").write_text("web: python app.py\n" + "# x\n" * 1000)
    out = io.StringIO()
    with pytest.raises(InputTooLarge) as caught:
        from_app(tmp_path, {}, Output(stdout=out, stderr=out), max_bytes=1000)
    assert caught.value.message().title == "Procfile is too large to read"


def test_modules_that_cannot_be_read_whole_match_no_rule_and_never_hang(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "app.py")
    (tmp_path / "main.py").symlink_to("/dev/zero")
    (tmp_path / "wsgi.py").write_text("app = " + "(" * 50_000 + ")" * 50_000 + "\n")
    out = io.StringIO()
    assert from_app(tmp_path, {}, Output(stdout=out, stderr=out)) == ()
    assert "No Procfile: no process is declared" in out.getvalue()


@pytest.mark.parametrize("control", ["\x00", "\x01", "\x1b", "\x7f"])
def test_a_control_character_in_a_command_is_refused(control: str) -> None:
    with pytest.raises(InvalidProcfile) as caught:
        parse_procfile(f"web: gunicorn app:app{control}--evil\n")
    assert caught.value.line_number == 1
    assert caught.value.reason == (
        f"the command contains the control character U+{ord(control):04X}, which a process "
        "command cannot hold"
    )


@given(st.text(alphabet=st.characters(exclude_categories=["Cs"]), min_size=1, max_size=30))
def test_commands_reach_launch_toml_verbatim_or_are_refused(command: str) -> None:
    try:
        processes = parse_procfile(f"web: {command}\n")
    except InvalidProcfile:
        return
    assert all(ord(ch) >= 32 or ch == "\t" for p in processes for ch in p.command[-1])
    assert all(ord(ch) != 127 for p in processes for ch in p.command[-1])


def test_a_byte_order_mark_is_not_part_of_the_first_process_type(tmp_path: Path) -> None:
    (tmp_path / "Procfile").write_bytes(b"\xef\xbb\xbfweb: python app.py\nworker: python w.py\n")
    out = io.StringIO()
    processes = from_app(tmp_path, {}, Output(stdout=out, stderr=out))
    assert [(p.type, p.default) for p in processes] == [("web", True), ("worker", False)]
