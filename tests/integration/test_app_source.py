"""The app source as the build finds it: a committed virtual environment or Python install is
refused before anything is downloaded (tests/support/devbuild.py builds)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.support.devbuild import DevApp

pytestmark = pytest.mark.network

DevAppFactory = Callable[..., DevApp]


def _error_block(log: str) -> list[str]:
    lines = log.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("ERROR: "))
    return lines[start:]


def test_a_committed_venv_is_refused_before_any_download(dev_app: DevAppFactory) -> None:
    app = dev_app("pip_basic")
    venv = app.app / ".venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").write_text("")
    (venv / "pyvenv.cfg").write_text("home = /home/someone/.pyenv/versions/3.12.1/bin\n")

    result = app.build(check=False)

    assert result.returncode == 1
    assert "[Installing Python]" not in app.log
    assert "Traceback" not in app.log
    assert _error_block(app.log)[:12] == [
        "ERROR: The app source contains .venv/",
        "",
        "  .venv/ in the app directory is a Python virtual environment (it has a pyvenv.cfg). "
        "It holds:",
        "    .venv/bin",
        "    .venv/bin/python",
        "    .venv/pyvenv.cfg",
        "  Its files point at the machine that made them, so the app would ship with a broken "
        "environment next to the one this build installs.",
        "",
        "  How to fix:",
        "  - Remove it from the app: `git rm -r --cached .venv/`, then add `.venv/` on a line "
        "of its own to .gitignore (and .dockerignore, or project.toml's exclude) and commit.",
        "  - If a bin/pre_compile hook or an earlier buildpack made it, make them put it "
        "somewhere else.",
        "  - If the directory is meant to be there, set BP_PYTHON_KEEP_COMMITTED_VENV=1 in the "
        "platform env: the build keeps it and only warns.",
    ]


def test_heroku_python_in_the_app_source_is_refused(dev_app: DevAppFactory) -> None:
    app = dev_app("pip_basic")
    (app.app / ".heroku" / "python" / "bin").mkdir(parents=True)
    (app.app / ".heroku" / "python" / "bin" / "python").write_text("")

    assert app.build(check=False).returncode == 1
    assert "[Installing Python]" not in app.log
    assert _error_block(app.log)[:6] == [
        "ERROR: The app source contains .heroku/python/",
        "",
        "  .heroku/python/ in the app directory is a Python installation (where Heroku's "
        "classic buildpack installs Python). It holds:",
        "    .heroku/python/bin",
        "    .heroku/python/bin/python",
        "  Its files point at the machine that made them, so the app would ship with a broken "
        "environment next to the one this build installs.",
    ]
