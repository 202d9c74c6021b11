"""How built apps start: Procfile processes in launch.toml, each inferred web process started
with `dev launch` and answering HTTP on $PORT, and WEB_CONCURRENCY at launch (the exec.d program
itself is tested in test_web_concurrency.py). Real builds of fixture apps with packages from
PyPI (tests/support/devbuild.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from cnb_python.cnb import tomlio
from tests.support.devbuild import DevApp
from tests.support.serving import get, launched

pytestmark = pytest.mark.network

DevAppFactory = Callable[..., DevApp]


def _processes(app: DevApp) -> list[dict[str, object]]:
    processes: list[dict[str, object]] = tomlio.load(app.work / "image" / "launch.toml")[
        "processes"
    ]
    return processes


def test_procfile_processes_in_launch_toml_web_serves_web_concurrency_set(
    dev_app: DevAppFactory, tmp_path: Path
) -> None:
    app = dev_app("procfile_basic")
    app.build()
    assert '- Process web (default): exec python -m http.server --bind 0.0.0.0 "$PORT"' in app.log
    assert "- Process worker: python -c 'print(\"working\")'" in app.log
    assert _processes(app) == [
        {
            "type": "web",
            "command": ["bash", "-c", 'exec python -m http.server --bind 0.0.0.0 "$PORT"'],
            "default": True,
        },
        {
            "type": "worker",
            "command": ["bash", "-c", "python -c 'print(\"working\")'"],
            "default": False,
        },
    ]
    log = tmp_path / "web.log"
    with launched(app, log=log) as port:
        assert get(port, "/index.html", log=log) == "hello from procfile\n"

    # WEB_CONCURRENCY: the exec.d program's default at launch, and the user's value wins
    assert (app.layers_dir / "web-concurrency" / "exec.d" / "web_concurrency").is_file()
    cgroup = tmp_path / "cgroup"
    cgroup.mkdir()
    (cgroup / "memory.max").write_text(f"{768 * 1024 * 1024}\n")
    (cgroup / "cpu.max").write_text("max 100000\n")
    show = ["sh", "-c", 'echo "WEB_CONCURRENCY=$WEB_CONCURRENCY"']
    done = app.run(show, env={"CNB_PYTHON_CGROUP_ROOT": str(cgroup)})
    assert (done.returncode, done.stdout) == (0, "WEB_CONCURRENCY=3\n"), done.stderr
    done = app.run(show, env={"CNB_PYTHON_CGROUP_ROOT": str(cgroup), "WEB_CONCURRENCY": "11"})
    assert (done.returncode, done.stdout) == (0, "WEB_CONCURRENCY=11\n"), done.stderr
    assert "(Procfile:" not in app.log  # python is installed, where the launch PATH finds it


def test_procfile_mistakes_that_only_fail_at_launch_are_warned_about(
    dev_app: DevAppFactory,
) -> None:
    app = dev_app("procfile_basic")
    (app.app / "Procfile").write_text(
        "# neither gunicorn nor celery is in the dependencies\n"
        "Web: gunicorn app:app\n"
        "worker: FOO=1 exec celery -A proj worker\n"
        "release: ./bin/release.sh && python -c pass\n"
    )
    app.build()
    warnings = app.log[app.log.index("WARNING: The Procfile") :].splitlines()[:11]
    assert warnings == [
        "WARNING: The Procfile has no web process, but 'Web' (Procfile:2) looks like one",
        "  Process types are case-sensitive, and only a process called web is the image's "
        "default process (the one the platform starts and sends requests to).",
        "  If 'Web' is meant to serve the app, rename it to web in the Procfile.",
        "WARNING: The Web process runs 'gunicorn', which this build did not install (Procfile:2)",
        "  'gunicorn' is not in the app's virtual environment, the Python installation or the "
        'build image, so the process would fail with "command not found" at launch.',
        "  If it comes from a Python package, add that package to the app's dependencies "
        "(for gunicorn, usually the package of the same name).",
        "  If a later buildpack provides it, this warning can be ignored.",
        "WARNING: The worker process runs 'celery', which this build did not install (Procfile:3)",
        "  'celery' is not in the app's virtual environment, the Python installation or the "
        'build image, so the process would fail with "command not found" at launch.',
        "  If it comes from a Python package, add that package to the app's dependencies "
        "(for celery, usually the package of the same name).",
        "  If a later buildpack provides it, this warning can be ignored.",
    ]


def test_gunicorn_with_flask_is_inferred_and_serves(dev_app: DevAppFactory, tmp_path: Path) -> None:
    app = dev_app("infer_flask")
    app.build()
    command = 'exec gunicorn --bind "0.0.0.0:${PORT:-8000}" app:app'
    assert "- No Procfile: inferred the web process from `app` in app.py with gunicorn" in app.log
    assert f"- Process web (default): {command}" in app.log
    assert _processes(app) == [{"type": "web", "command": ["bash", "-c", command], "default": True}]
    log = tmp_path / "web.log"
    with launched(app, "web", env={"WEB_CONCURRENCY": "1"}, log=log) as port:
        assert get(port, log=log) == "hello from flask"
    assert "Booting worker" in log.read_text()


def test_uvicorn_is_inferred_and_serves(dev_app: DevAppFactory, tmp_path: Path) -> None:
    app = dev_app("infer_uvicorn")
    app.build()
    command = 'exec uvicorn main:app --host 0.0.0.0 --port "${PORT:-8000}"'
    assert "- No Procfile: inferred the web process from `app` in main.py with uvicorn" in app.log
    assert _processes(app) == [{"type": "web", "command": ["bash", "-c", command], "default": True}]
    log = tmp_path / "web.log"
    with launched(app, env={"WEB_CONCURRENCY": "1"}, log=log) as port:
        assert get(port, log=log) == "hello from uvicorn"


def test_a_procfile_mistake_is_refused_before_anything_is_downloaded(
    dev_app: DevAppFactory,
) -> None:
    app = dev_app("procfile_basic")
    (app.app / "Procfile").write_bytes(b"web: python -m http.server\x00; rm -rf /\n")
    result = app.build(check=False)
    assert result.returncode == 1, result.log
    assert "ERROR: The Procfile cannot be read" in result.log
    assert "the command contains the control character U+0000" in result.log
    assert "[Installing Python]" not in result.log
    assert "Internal error" not in result.log
