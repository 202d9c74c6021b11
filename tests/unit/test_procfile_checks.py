"""Procfile sanity warnings: a type close to `web`, a program the build did not install."""

from __future__ import annotations

from pathlib import Path

import pytest

from cnb_python.processes import procfile_entries
from cnb_python.procfile_checks import check, launch_search_path, program_of


@pytest.mark.parametrize(
    ("command", "program"),
    [
        ("gunicorn app:app", "gunicorn"),
        ("exec gunicorn app:app", "gunicorn"),
        ("FOO=1 BAR=2 exec uvicorn main:app", "uvicorn"),
        ("env -i PATH=/x celery -A proj worker", "celery"),
        ("./bin/start", None),
        ("bin/web.sh", None),
        ("cd src && gunicorn app:app", None),
        ("$SERVER --port $PORT", None),
        ("'unterminated", None),
    ],
)
def test_the_program_a_command_starts(command: str, program: str | None) -> None:
    assert program_of(command) == program


def _titles(procfile: str, search: list[Path]) -> list[str]:
    return [notice.title for notice in check(procfile_entries(procfile), search)]


def test_types_close_to_web_are_named_only_without_a_web(tmp_path: Path) -> None:
    (tmp_path / "true").write_text("")
    (tmp_path / "true").chmod(0o755)
    search = [tmp_path]
    for near in ("Web", "WEB", "wbe", "weeb", "wb"):
        assert _titles(f"{near}: true\n", search) == [
            f"The Procfile has no web process, but {near!r} (Procfile:1) looks like one"
        ]
    assert _titles("web: true\nWeb: true\n", search) == []
    assert _titles("worker: true\nwww2: true\n", search) == []


def test_a_program_is_looked_for_where_the_launch_path_has_it(tmp_path: Path) -> None:
    layers = tmp_path / "layers"
    for name in ("venv", "python", "pip"):
        (layers / name / "bin").mkdir(parents=True)
    for name, program in (("venv", "gunicorn"), ("pip", "pip")):
        (layers / name / "bin" / program).write_text("")
        (layers / name / "bin" / program).chmod(0o755)
    path = f"{layers}/venv/bin:{layers}/pip/bin:{layers}/python/bin"
    search = launch_search_path({"PATH": path}, layers, ("venv", "python"))
    assert search == [layers / "venv" / "bin", layers / "python" / "bin"]
    assert _titles("web: gunicorn app:app\nworker: pip list\n", search) == [
        "The worker process runs 'pip', which this build did not install (Procfile:2)"
    ]
