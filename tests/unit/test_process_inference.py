"""Inferring the web process without a Procfile: ast-only module reading, Django project names,
venv contents, and refusing to guess when two rules match."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from cnb_python.installed import has_distribution, normalize
from cnb_python.output import Output
from cnb_python.processes import (
    defines_app,
    django_project,
    from_app,
    infer_web,
    settings_module,
)

BIND = '"0.0.0.0:${PORT:-8000}"'
MANAGE_PY = """\
import os
import sys

def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "{module}")
    from django.core.management import execute_from_command_line
    execute_from_command_line(sys.argv)

if __name__ == "__main__":
    main()
"""


def _venv(tmp_path: Path, *commands: str) -> dict[str, str]:
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    for command in commands:
        (venv / "bin" / command).write_text("#!/bin/sh\n")
    return {"VIRTUAL_ENV": str(venv)}


def _app(tmp_path: Path, files: dict[str, str]) -> Path:
    app = tmp_path / "app"
    for name, text in files.items():
        path = app / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    app.mkdir(exist_ok=True)
    return app


def _log(app: Path, env: dict[str, str]) -> tuple[tuple[str, ...], str]:
    out = io.StringIO()
    processes = from_app(app, env, Output(stdout=out, stderr=out))
    assert len(processes) <= 1
    commands = tuple(p.command[-1] for p in processes)
    assert all(p.type == "web" and p.default and p.command[:2] == ("bash", "-c") for p in processes)
    return commands, out.getvalue()


@pytest.mark.parametrize(
    "source",
    [
        "from flask import Flask\napp = Flask(__name__)\n",
        "import fastapi\napp: fastapi.FastAPI = fastapi.FastAPI()\n",
        "app = application = make()\n",
        "try:\n    from x import make\nexcept ImportError:\n    make = None\napp = make()\n",
        "if True:\n    app = 1\nelse:\n    pass\n",
        "async def app(scope, receive, send):\n    pass\n",
        "def app(environ, start_response):\n    return []\n",
        "from project.web import create_app, app\n",
        "from .factory import application as app\n",
    ],
)
def test_module_level_app_assignments_count(tmp_path: Path, source: str) -> None:
    path = tmp_path / "app.py"
    path.write_text(source)
    assert defines_app(path)


@pytest.mark.parametrize(
    "source",
    [
        "def create():\n    app = 1\n    return app\n",
        "class X:\n    app = 1\n",
        "application = 1\n",
        "app: int\n",
        "from flask import app\n",
        "import app\n",
        "for app in []:\n    pass\n",
        "app = (\n",  # a syntax error is no match, not a crash
        "print('imported!')\nraise SystemExit(3)\n",
    ],
)
def test_other_modules_do_not(tmp_path: Path, source: str) -> None:
    path = tmp_path / "app.py"
    path.write_text(source)
    assert not defines_app(path)


def test_a_missing_or_binary_module_is_no_match(tmp_path: Path) -> None:
    assert not defines_app(tmp_path / "absent.py")
    (tmp_path / "bin.py").write_bytes(b"\x00\xff\xfe")
    assert not defines_app(tmp_path / "bin.py")


def test_settings_module_from_setdefault_or_assignment(tmp_path: Path) -> None:
    manage = tmp_path / "manage.py"
    manage.write_text(MANAGE_PY.format(module="mysite.settings"))
    assert settings_module(manage) == "mysite.settings"
    manage.write_text('import os\nos.environ["DJANGO_SETTINGS_MODULE"] = "conf.settings.prod"\n')
    assert settings_module(manage) == "conf.settings.prod"
    manage.write_text('import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", x)\n')
    assert settings_module(manage) is None
    manage.write_text(MANAGE_PY.format(module="not a module; rm -rf /"))
    assert settings_module(manage) is None


def test_django_project_is_the_innermost_package_with_wsgi(tmp_path: Path) -> None:
    app = _app(
        tmp_path,
        {
            "manage.py": MANAGE_PY.format(module="config.settings.production"),
            "config/wsgi.py": "",
            "config/settings/production.py": "",
        },
    )
    assert django_project(app) == "config"
    (app / "config" / "settings" / "wsgi.py").write_text("")
    assert django_project(app) == "config.settings"
    (app / "manage.py").write_text(MANAGE_PY.format(module="other.settings"))
    assert django_project(app) is None


def test_django_with_gunicorn(tmp_path: Path) -> None:
    app = _app(
        tmp_path,
        {"manage.py": MANAGE_PY.format(module="mysite.settings"), "mysite/wsgi.py": ""},
    )
    commands, log = _log(app, _venv(tmp_path, "gunicorn", "django-admin"))
    assert commands == (f"exec gunicorn --bind {BIND} mysite.wsgi",)
    assert "- No Procfile: inferred the web process from Django project mysite with gunicorn" in log
    assert f"- Process web (default): exec gunicorn --bind {BIND} mysite.wsgi" in log


def test_django_without_gunicorn_says_what_is_missing(tmp_path: Path) -> None:
    app = _app(
        tmp_path,
        {"manage.py": MANAGE_PY.format(module="mysite.settings"), "mysite/wsgi.py": ""},
    )
    commands, log = _log(app, _venv(tmp_path, "django-admin"))
    assert commands == ()
    assert "Django project mysite found, but gunicorn is not installed" in log
    assert "add a Procfile such as" in log


@pytest.mark.parametrize("module", ["app", "wsgi"])
def test_gunicorn_with_a_flask_style_app(tmp_path: Path, module: str) -> None:
    app = _app(tmp_path, {f"{module}.py": "from flask import Flask\napp = Flask(__name__)\n"})
    commands, log = _log(app, _venv(tmp_path, "gunicorn"))
    assert commands == (f"exec gunicorn --bind {BIND} {module}:app",)
    assert f"inferred the web process from `app` in {module}.py with gunicorn" in log


def test_uvicorn_with_an_asgi_app_in_main(tmp_path: Path) -> None:
    app = _app(tmp_path, {"main.py": "from fastapi import FastAPI\napp = FastAPI()\n"})
    commands, _ = _log(app, _venv(tmp_path, "uvicorn"))
    assert commands == ('exec uvicorn main:app --host 0.0.0.0 --port "${PORT:-8000}"',)


def test_uvicorn_is_not_used_for_app_py(tmp_path: Path) -> None:
    app = _app(tmp_path, {"app.py": "app = 1\n"})
    commands, log = _log(app, _venv(tmp_path, "uvicorn"))
    assert commands == ()
    assert "`app` found in app.py, but gunicorn is not installed" in log


def test_two_matching_rules_are_ambiguous(tmp_path: Path) -> None:
    app = _app(tmp_path, {"app.py": "app = 1\n", "wsgi.py": "app = 2\n"})
    commands, log = _log(app, _venv(tmp_path, "gunicorn"))
    assert commands == ()
    assert (
        "- No Procfile, and the web process is ambiguous: "
        "`app` in app.py with gunicorn and `app` in wsgi.py with gunicorn"
    ) in log
    assert "add a Procfile such as" in log


def test_without_a_venv_nothing_is_installed(tmp_path: Path) -> None:
    app = _app(tmp_path, {"main.py": "app = 1\n"})
    assert infer_web(app, {}).matches == ()
    assert infer_web(app, {"VIRTUAL_ENV": str(tmp_path / "missing")}).matches == ()


def test_a_procfile_wins_over_inference(tmp_path: Path) -> None:
    app = _app(tmp_path, {"app.py": "app = 1\n", "Procfile": "worker: python worker.py\n"})
    out = io.StringIO()
    processes = from_app(app, _venv(tmp_path, "gunicorn"), Output(stdout=out, stderr=out))
    assert [(p.type, p.default) for p in processes] == [("worker", False)]
    assert "inferred" not in out.getvalue()


def test_distributions_are_found_by_normalised_name(tmp_path: Path) -> None:
    env = _venv(tmp_path)
    site = Path(env["VIRTUAL_ENV"]) / "lib" / "python3.12" / "site-packages"
    (site / "Django-5.1.4.dist-info").mkdir(parents=True)
    (site / "zope.interface-7.0.dist-info").mkdir()
    assert has_distribution(env, "django")
    assert has_distribution(env, "Zope_Interface")
    assert not has_distribution(env, "gunicorn")
    assert normalize("A.b__C") == "a-b-c"
