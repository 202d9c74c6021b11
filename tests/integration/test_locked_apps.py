"""uv, Poetry and Pipenv apps built by the real buildpack, from real lock files.

The fixtures' locks were made with the pinned tool versions (cnb_python/pins/). Each app
depends on `six` from the package index and has a `dev` group with `idna`; the Poetry and
Pipenv apps and `uv_project` also depend on a local package by path. Several scenarios share
one app and its cache, so each manager costs a few builds: first build, no-op rebuild,
groups, a stale lock, a Python the project excludes."""

from __future__ import annotations

import platform
import re

from cnb_python.pins import pin_for
from tests.integration.test_pip_apps import venv_files
from tests.support.devbuild import DevApp, DevApps

# The default test runtime is this interpreter's version; its pins (cnb_python/pins/).
PIPENV = pin_for("pipenv", platform.python_version()).version
POETRY = pin_for("poetry", platform.python_version()).version
UV = pin_for("uv", platform.python_version()).version

TOOL_LAYERS = {"pip", "pip-cache", "uv", "uv-cache", "pipenv", "poetry", "poetry-cache"}
EXPECTED = "six 1.17.0 greeting v1"


def assert_launches_without_tools(app: DevApp, tool: str, expected: str = EXPECTED) -> None:
    result = app.run(["python", "app.py"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected
    layers = {p.name for p in app.layers_dir.iterdir() if p.is_dir()}
    assert {"python", "venv"} <= layers
    assert not layers & TOOL_LAYERS
    venv = app.layers_dir / "venv"
    assert not list((venv / "bin").glob(f"{tool}*"))
    assert not list(venv.glob(f"lib/python*/site-packages/{tool}"))
    assert not list(venv.glob("lib/python*/site-packages/pip"))
    assert app.run(["python", "-c", f"import {tool}"]).returncode != 0


def _lines(log: str) -> list[str]:
    """Non-blank lines, with timings (`in 3ms`, `in 1.2s`) as `in <time>`."""
    timed = re.sub(r"in \d+(?:\.\d+)?m?s\b", "in <time>", log)
    return [line for line in timed.splitlines() if line.strip()]


def imports(app: DevApp, module: str) -> bool:
    return app.run(["python", "-c", f"import {module}"]).returncode == 0


def test_uv_app_syncs_in_place_and_refuses_stale_locks(dev_app: DevApps) -> None:
    app = dev_app("uv_basic")
    app.build()
    assert "Package manager: uv with uv.lock (from uv.lock)" in app.log
    assert "Files of several package managers" not in app.log  # pyproject.toml is uv's
    assert "Running 'uv sync --locked --no-default-groups'" in app.log
    assert re.search(r"^  Compiled bytecode for \d+ modules?$", app.log, re.MULTILINE), app.log
    assert_launches_without_tools(app, "uv", "six 1.17.0")
    assert not imports(app, "idna")  # dev group: not in production

    # No-op rebuild: uv runs once and changes nothing.
    before = venv_files(app)
    app.rebuild()
    assert f"Using cached uv {UV}" in app.log
    assert "Using cached virtual environment" in app.log
    assert "Syncing the virtual environment with uv: nothing changed" in app.log
    assert app.log.count("uv sync --locked") == 1
    assert "The virtual environment matches uv.lock: nothing to do" in app.log
    assert venv_files(app) == before

    # A group added, then removed: synced in the same venv, both ways.
    app.rebuild(env={"BP_PYTHON_GROUPS": "dev"})
    assert "Package manager: uv with uv.lock, with groups dev" in app.log
    assert "Syncing the virtual environment with uv: the options changed from none to " in (app.log)
    assert "--group dev" in app.log
    assert "Creating virtual environment" not in app.log
    assert imports(app, "idna")
    app.rebuild()
    assert "Creating virtual environment" not in app.log
    assert not imports(app, "idna")

    # A stale lock: uv's message first (no probe's output before it), then ours.
    pyproject = app.app / "pyproject.toml"
    original = pyproject.read_text()
    pyproject.write_text(original.replace('"six==1.17.0"', '"six==1.17.0", "idna"'))
    assert not app.rebuild(check=False).ok
    synced = app.log.split("- Syncing the virtual environment with uv: pyproject.toml changed")[1]
    assert _lines(synced)[:5] == [
        "  Running 'uv sync --locked --no-default-groups'",
        "  Resolved 3 packages in <time>",
        "  error: The lockfile at `uv.lock` needs to be updated, but `--locked` was provided.",
        "  hint: To update the lockfile, run `uv lock`.",
        "ERROR: uv.lock is out of date",
    ]
    assert "- Run `uv lock` in the app directory and commit uv.lock with pyproject.toml." in (
        app.log
    )

    # A Python the project excludes: refused, no other Python looked for.
    pyproject.write_text(original.replace('">=3.10"', '">=3.99"'))
    (app.app / ".python-version").write_text(
        app.run(["python", "-c", "import sys; print(sys.version.split()[0])"]).stdout
    )
    assert not app.rebuild(check=False).ok
    assert "incompatible with the project's Python requirement: `>=3.99`" in app.log
    assert "Downloading" not in app.log.split("Installing dependencies")[-1]

    # Switching to pip: the venv is rebuilt with the reason, uv's layers are dropped.
    pyproject.write_text(original)
    (app.app / ".python-version").unlink()
    (app.app / "requirements.txt").write_text("six==1.17.0\n")
    app.rebuild(env={"BP_PYTHON_PACKAGE_MANAGER": "pip"})
    assert "the package manager changed from uv to pip" in app.log
    assert_launches_without_tools(app, "uv", "six 1.17.0")


def test_uv_installs_the_project_and_its_path_dependency(dev_app: DevApps) -> None:
    app = dev_app("uv_project")
    app.build()
    expected = "six 1.17.0 greeting v1 uv_project v1"
    assert_launches_without_tools(app, "uv", expected)
    where = app.run(["python", "-c", "import uv_project; print(uv_project.__file__)"])
    assert where.stdout.strip() == str(app.workspace / "src" / "uv_project" / "__init__.py")

    # The project is editable: its new code is used by the reused venv.
    module = app.app / "src" / "uv_project" / "__init__.py"
    module.write_text(module.read_text().replace("v1", "v2"))
    app.rebuild()
    assert "Using cached virtual environment" in app.log
    assert "Creating virtual environment" not in app.log
    assert_launches_without_tools(app, "uv", expected.replace("uv_project v1", "uv_project v2"))


def test_poetry_app_syncs_in_place_and_refuses_stale_locks(dev_app: DevApps) -> None:
    app = dev_app("poetry_basic")
    app.build()
    assert "Package manager: poetry with poetry.lock (from poetry.lock)" in app.log
    assert "Files of several package managers" not in app.log
    assert f"Installing poetry {POETRY}" in app.log
    assert "Running 'poetry sync --only main'" in app.log
    assert_launches_without_tools(app, "poetry")
    assert not imports(app, "idna")

    before = venv_files(app)
    app.rebuild()
    assert f"Using cached poetry {POETRY}" in app.log
    assert "Syncing the virtual environment with poetry: nothing changed" in app.log
    assert app.log.count("poetry sync") == 1
    assert venv_files(app) == before

    app.rebuild(env={"BP_PYTHON_GROUPS": "dev"})
    assert "poetry sync --only main,dev" in app.log
    assert "Creating virtual environment" not in app.log
    assert imports(app, "idna")
    app.rebuild()
    assert not imports(app, "idna")

    pyproject = app.app / "pyproject.toml"
    original = pyproject.read_text()
    pyproject.write_text(original.replace('"six==1.17.0",', '"six==1.17.0", "idna",'))
    assert not app.rebuild(check=False).ok
    assert "Run `poetry lock` to fix the lock file." in app.log
    assert "ERROR: poetry.lock is out of date" in app.log
    assert "- Run `poetry lock` in the app directory and commit poetry.lock with " in app.log

    pyproject.write_text(original.replace('">=3.10"', '">=3.99"'))
    (app.app / ".python-version").write_text(
        app.run(["python", "-c", "import sys; print(sys.version.split()[0])"]).stdout
    )
    assert not app.rebuild(check=False).ok
    assert "is not allowed by the project (>=3.99)" in app.log
    assert "ERROR: Unable to install dependencies with poetry" in app.log


def test_pipenv_app_is_reused_while_its_files_are_unchanged(dev_app: DevApps) -> None:
    app = dev_app("pipenv_basic")
    (app.app / "requirements.txt").write_text("six\n")
    app.build()
    assert "Files of several package managers found: using pipenv (Pipfile.lock)" in app.log
    assert "Also found: requirements.txt (pip)." in app.log
    assert "Package manager: pipenv with Pipfile.lock (from Pipfile.lock)" in app.log
    assert f"Installing pipenv {PIPENV}" in app.log
    assert "Running 'pipenv install --deploy'" in app.log
    assert_launches_without_tools(app, "pipenv")
    assert not imports(app, "idna")

    before = venv_files(app)
    app.rebuild()
    assert "Using cached virtual environment" in app.log
    assert "pipenv install" not in app.log
    assert venv_files(app) == before

    app.rebuild(env={"BP_PYTHON_GROUPS": "dev"})
    assert "Discarding cached virtual environment: the options changed from none to groups=dev" in (
        app.log
    )
    assert "pipenv install --deploy --dev" in app.log
    assert imports(app, "idna")

    pipfile = app.app / "Pipfile"
    pipfile.write_text(
        pipfile.read_text().replace("[dev-packages]", 'idna = "*"\n\n[dev-packages]')
    )
    assert not app.rebuild(check=False).ok
    assert "Discarding cached virtual environment: Pipfile changed" in app.log
    assert "is out of date" in app.log
    assert "ERROR: Pipfile.lock is out of date" in app.log
    assert "- Run `pipenv lock` in the app directory and commit Pipfile.lock with Pipfile." in (
        app.log
    )

    (app.app / "Pipfile.lock").unlink()
    (app.app / "requirements.txt").unlink()
    assert not app.rebuild(check=False).ok
    assert "ERROR: Pipfile.lock is missing" in app.log
    assert "Run `pipenv lock` and commit Pipfile.lock with the app." in app.log


def test_pipenv_groups_other_than_dev_are_pipfile_categories(dev_app: DevApps) -> None:
    # Pipfile.lock made with the pinned Pipenv: [packages] six, [dev-packages] idna, and a
    # custom category [docs] iniconfig.
    app = dev_app("pipenv_categories")
    app.build(env={"BP_PYTHON_GROUPS": "docs"})
    assert "Package manager: pipenv with Pipfile.lock, with groups docs" in app.log
    assert "Running 'pipenv install --deploy --categories 'packages docs''" in app.log
    assert imports(app, "six")
    assert imports(app, "iniconfig")
    assert not imports(app, "idna")

    app.rebuild(env={"BP_PYTHON_GROUPS": "dev,docs"})
    assert "the options changed from groups=docs to groups=dev,docs" in app.log
    assert re.search(
        r"pipenv install --deploy --categories '?packages dev-packages docs'?'$", app.log, re.M
    )
    assert imports(app, "idna")
    assert imports(app, "iniconfig")
