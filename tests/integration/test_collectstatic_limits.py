"""Django's manage.py commands during the build: shown as they run, stopped at their limit.

No Django is needed: the venv is a directory whose `bin/python` is this test's interpreter and
whose `bin/django-admin` makes it look like a Django install (`installed.has_package`), and
`manage.py` is a script that starts like Django's settings loading, then hangs.
"""

from __future__ import annotations

import io
import os
import sys
import time
from pathlib import Path

import pytest

from cnb_python.cnb.context import BuildContext
from cnb_python.django import collectstatic
from cnb_python.errors import DjangoTimedOut
from cnb_python.output import Output
from tests.support.contexts import build_context


def _django_app(tmp_path: Path, manage_py: str) -> tuple[BuildContext, dict[str, str]]:
    app = tmp_path / "app"
    app.mkdir()
    (app / "manage.py").write_text(manage_py)
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(sys.executable)
    (venv / "bin" / "django-admin").write_text("")
    ctx = build_context(tmp_path, app, {"BP_PYTHON_COLLECTSTATIC_TIMEOUT": "1"})
    return ctx, {"PATH": os.environ["PATH"], "VIRTUAL_ENV": str(venv)}


def test_a_manage_py_that_hangs_while_inspected_is_shown_then_stopped(tmp_path: Path) -> None:
    ctx, env = _django_app(
        tmp_path, "import time\nprint('connecting to the database', flush=True)\ntime.sleep(600)\n"
    )
    out = io.StringIO()
    started = time.monotonic()
    with pytest.raises(DjangoTimedOut) as caught:
        collectstatic(ctx, env, Output(stdout=out, stderr=out), enabled=True)
    assert time.monotonic() - started < 15
    log = out.getvalue()
    assert "  Running 'python manage.py help collectstatic'\n  connecting to the database\n" in log
    message = caught.value.message()
    assert message.title == "`python manage.py help collectstatic` did not finish within 1 s"
    assert "BP_PYTHON_COLLECTSTATIC_TIMEOUT" in message.found[0]
    assert any("DISABLE_COLLECTSTATIC=1" in step for step in message.fix)


def test_collectstatic_itself_is_stopped_at_the_limit(tmp_path: Path) -> None:
    manage_py = (
        "import sys, time\n"
        "if sys.argv[1:] == ['help', 'collectstatic']:\n"
        "    print('usage: manage.py collectstatic')\n"
        "else:\n"
        "    time.sleep(600)\n"
    )
    ctx, env = _django_app(tmp_path, manage_py)
    out = io.StringIO()
    with pytest.raises(DjangoTimedOut) as caught:
        collectstatic(ctx, env, Output(stdout=out, stderr=out), enabled=True)
    assert caught.value.command == "collectstatic --noinput"
    assert "  usage: manage.py collectstatic\n" in out.getvalue()
