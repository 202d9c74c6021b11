"""pip apps built by the real buildpack (`cnb-python dev build`), with real packages.

Each test builds a fixture app copy with a runtime made from this machine's CPython and
installs small pure-Python packages from the package index. Rebuilds restore from the app's own
cache as the lifecycle would, so the reuse rules are tested end to end: the log lines, the
files in the venv, and what the launched app can import.
"""

from __future__ import annotations

import hashlib
import json
import platform
import re
from pathlib import Path

import pytest

from cnb_python.pins import pin_for
from tests.support.devbuild import DevApp, DevApps

# The default test runtime is this interpreter's version; its pins (cnb_python/pins/).
PIP = pin_for("pip", platform.python_version()).version
UV = pin_for("uv", platform.python_version()).version
ABSENT = "cnb-python-no-such-distribution-anywhere"
PIP_INSTALL = re.compile(r"Running '(pip|uv pip) install")


def venv_files(app: DevApp) -> dict[str, tuple[int, int]]:
    """Every file in the venv layer with its (mtime_ns, size)."""
    venv = app.layers_dir / "venv"
    return {
        str(path.relative_to(venv)): (path.lstat().st_mtime_ns, path.lstat().st_size)
        for path in venv.rglob("*")
        if not path.is_dir()
    }


def is_unchecked_hash(pyc: Path) -> bool:
    # PEP 552: bit 0 of the flags word marks a hash-based pyc; bit 1 "check source".
    return int.from_bytes(pyc.read_bytes()[4:8], "little") == 0b01


def assert_no_tools_at_launch(app: DevApp) -> None:
    """After export, the layers dir holds exactly the launch image's layers."""
    layers = {p.name for p in app.layers_dir.iterdir() if p.is_dir()}
    assert {"python", "venv"} <= layers
    assert not layers & {"pip", "pip-cache", "uv", "uv-cache"}
    venv = app.layers_dir / "venv"
    assert not list((venv / "bin").glob("pip*"))
    assert not list(venv.glob("lib/python*/site-packages/pip"))
    result = app.run(["python", "-c", "import pip"])
    assert result.returncode != 0
    assert "No module named 'pip'" in result.stderr


def test_pip_app_builds_launches_and_rebuilds_only_when_needed(dev_app: DevApps) -> None:
    app = dev_app("pip_basic")
    app.build()
    assert "Package manager: pip with requirements.txt (from requirements.txt)" in app.log
    assert f"Installing pip {PIP}" in app.log
    assert "Creating virtual environment" in app.log
    assert "Successfully installed idna-3.10 six-1.17.0" in app.log

    result = app.run(["python", "app.py"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "six 1.17.0 idna 3.10"
    assert_no_tools_at_launch(app)
    env = app.launch_env()
    venv = app.layers_dir / "venv"
    assert env["VIRTUAL_ENV"] == str(venv)
    assert env["PATH"].split(":")[0] == str(venv / "bin")
    pycs = list(venv.glob("lib/python*/site-packages/**/*.pyc"))
    assert pycs
    assert all(is_unchecked_hash(pyc) for pyc in pycs)

    # No-op rebuild: nothing runs, nothing in the venv changes.
    before = venv_files(app)
    app.rebuild()
    assert f"Using cached pip {PIP}" in app.log
    assert "Using cached virtual environment" in app.log
    assert not PIP_INSTALL.search(app.log), app.log
    assert venv_files(app) == before

    # A requirement added: the reused venv is updated in place, checked, and compiled.
    requirements = app.app / "requirements.txt"
    requirements.write_text(requirements.read_text() + "certifi\n")
    app.rebuild()
    assert "Using cached virtual environment" in app.log
    assert "- Updating the virtual environment in place: requirements.txt changed" in app.log
    assert "Creating virtual environment" not in app.log
    assert re.search(r"^  Checked: `pip check` passes, 3 packages, each one", app.log, re.M)
    assert app.run(["python", "-c", "import certifi"]).returncode == 0
    pycs = list(venv.glob("lib/python*/site-packages/certifi/__pycache__/*.pyc"))
    assert pycs
    assert all(is_unchecked_hash(pyc) for pyc in pycs)

    # A requirement removed: uninstalled, gone from the venv.
    requirements.write_text("six==1.17.0\ncertifi\n")
    app.rebuild()
    assert "- Updating the virtual environment in place: requirements.txt changed" in app.log
    assert "  Removing what the requirements no longer need: idna" in app.log
    gone = app.run(["python", "-c", "import idna"])
    assert "No module named 'idna'" in gone.stderr
    assert not list(venv.glob("lib/python*/site-packages/idna*"))

    # Changed options may change every package: rebuilt from scratch, saying why.
    requirements.write_text("--only-binary=:all:\nsix==1.17.0\ncertifi\n")
    app.rebuild()
    assert (
        "- Discarding cached virtual environment: the options in the requirements files or "
        "the package index settings changed"
    ) in app.log
    assert "Creating virtual environment" in app.log
    assert app.run(["python", "-c", "import six, certifi"]).returncode == 0

    # A local directory: an in-place update cannot tell what it needs.
    (app.app / "pkg").mkdir()
    (app.app / "pkg" / "pyproject.toml").write_text(
        '[project]\nname = "pkg"\nversion = "1"\n[build-system]\n'
        'requires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n'
    )
    (app.app / "pkg" / "pkg.py").write_text("")
    requirements.write_text("six==1.17.0\ncertifi\n./pkg\n")
    app.rebuild()
    assert (
        "- Discarding cached virtual environment: pkg/pyproject.toml is new; "
        "requirements.txt changed; it cannot be updated in place: requirements.txt:3 names "
        "a local directory"
    ) in app.log
    assert app.run(["python", "-c", "import pkg, six"]).returncode == 0


def test_an_in_place_update_that_fails_its_check_rebuilds_from_scratch(
    dev_app: DevApps,
) -> None:
    app = dev_app("pip_basic")
    app.build()
    # A venv changed behind the buildpack's back (here: six now needs a package no index
    # has): the in-place install fails, and a fresh venv is built instead.
    for venv in (app.layers_dir / "venv", app.cache_dir / "venv"):
        for metadata in venv.glob("lib/python*/site-packages/six-*.dist-info/METADATA"):
            text = metadata.read_text()
            metadata.write_text(text.replace("Name: six", f"Name: six\nRequires-Dist: {ABSENT}"))
    requirements = app.app / "requirements.txt"
    requirements.write_text(requirements.read_text() + "# a comment\n")
    app.rebuild()
    assert "- Updating the virtual environment in place: requirements.txt changed" in app.log
    assert (
        "- Discarding cached virtual environment: pip could not update it in place (exit status 1)"
    ) in app.log
    assert "Creating virtual environment" in app.log
    assert app.run(["python", "-c", "import six, idna"]).returncode == 0


def test_includes_and_constraints_are_followed_and_keyed(dev_app: DevApps) -> None:
    app = dev_app("pip_includes")
    app.build()
    versions = app.run(
        ["python", "-c", "import six, idna; print(six.__version__, idna.__version__)"]
    )
    assert versions.stdout.strip() == "1.16.0 3.9"

    common = app.app / "requirements" / "common.txt"
    common.write_text(common.read_text() + "# a comment still changes the file\n")
    app.rebuild()
    assert "Discarding cached virtual environment: requirements/common.txt changed" in app.log


def test_local_packages_show_code_changes_without_a_key_change(dev_app: DevApps) -> None:
    app = dev_app("pip_local")
    app.build()
    check = "import editable_pkg, local_pkg; print(editable_pkg.MESSAGE, local_pkg.MESSAGE)"
    assert app.run(["python", "-c", check]).stdout.strip() == "editable_pkg v1 local_pkg v1"
    where = app.run(["python", "-c", "import editable_pkg; print(editable_pkg.__file__)"])
    assert where.stdout.strip().startswith(str(app.workspace / "editable_pkg"))

    for name in ("editable_pkg", "local_pkg"):
        module = app.app / name / name / "__init__.py"
        module.write_text(module.read_text().replace("v1", "v2"))
    app.rebuild()
    assert "Using cached virtual environment" in app.log
    assert "Reinstalling local packages, whose code may have changed" in app.log
    assert "--no-deps --force-reinstall ./local_pkg" in app.log
    assert app.run(["python", "-c", check]).stdout.strip() == "editable_pkg v2 local_pkg v2"


def test_setup_py_project_is_installed_and_reinstalled(dev_app: DevApps) -> None:
    app = dev_app("pip_setup_py")
    app.build()
    assert "Package manager: pip with the project itself (pip install .) (from setup.py)" in (
        app.log
    )
    check = "import hello, six; print(hello.MESSAGE, six.__version__)"
    assert app.run(["python", "-c", check]).stdout.strip() == "hello v1 1.17.0"

    module = app.app / "hello.py"
    module.write_text('MESSAGE = "hello v2"\n')
    app.rebuild()
    assert "Using cached virtual environment" in app.log
    assert app.run(["python", "-c", check]).stdout.strip() == "hello v2 1.17.0"


def test_pyproject_only_project_is_installed(dev_app: DevApps) -> None:
    app = dev_app("pip_pyproject")
    app.build()
    assert "(from pyproject.toml)" in app.log
    check = "import greeter, idna; print(greeter.MESSAGE, idna.__version__)"
    assert app.run(["python", "-c", check]).stdout.strip() == "greeter v1 3.10"


def test_uv_installer_fills_the_same_venv(dev_app: DevApps) -> None:
    app = dev_app("pip_local", env={"BP_PYTHON_INSTALLER": "uv"})
    app.build()
    assert "Package manager: pip with requirements.txt (installed with uv)" in app.log
    assert f"Installing uv {UV}" in app.log
    assert "Running 'uv pip install -r requirements.txt'" in app.log
    check = "import editable_pkg, local_pkg, six; print(editable_pkg.MESSAGE, local_pkg.MESSAGE)"
    assert app.run(["python", "-c", check]).stdout.strip() == "editable_pkg v1 local_pkg v1"
    assert_no_tools_at_launch(app)
    pycs = list((app.layers_dir / "venv").glob("lib/python*/site-packages/**/*.pyc"))
    assert pycs
    assert all(is_unchecked_hash(pyc) for pyc in pycs)

    module = app.app / "local_pkg" / "local_pkg" / "__init__.py"
    module.write_text(module.read_text().replace("v1", "v2"))
    app.rebuild()
    assert f"Using cached uv {UV}" in app.log
    assert "Using cached virtual environment" in app.log
    assert app.run(["python", "-c", check]).stdout.strip() == "editable_pkg v1 local_pkg v2"

    # Back to pip: another installer, so the venv is rebuilt and the uv layers are dropped.
    app.env.pop("BP_PYTHON_INSTALLER")
    app.rebuild()
    assert f"the installer changed from uv {UV} to pip {PIP}" in app.log
    assert not (app.cache_dir / "uv").exists()


def test_the_setting_chooses_pip_over_a_lock_file(dev_app: DevApps) -> None:
    app = dev_app("managers_multiple", env={"BP_PYTHON_PACKAGE_MANAGER": "pip"})
    app.build()
    assert "(from BP_PYTHON_PACKAGE_MANAGER=pip)" in app.log
    assert "Files of several package managers found" not in app.log
    assert app.run(["python", "-c", "import six"]).returncode == 0


def test_no_manager_file_names_the_files_and_the_misspelling(dev_app: DevApps) -> None:
    app = dev_app("managers_none")
    assert not app.build(check=False).ok
    assert "ERROR: No package manager file found" in app.log
    assert "requirements.txt, setup.py, pyproject.toml" in app.log
    assert "Found 'requirments.txt', which looks like a misspelling of requirements.txt." in (
        app.log
    )
    assert "Traceback" not in app.log


def test_a_requirement_pip_rejects_fails_after_pips_output(dev_app: DevApps) -> None:
    app = dev_app("pip_invalid")
    assert not app.build(check=False).ok
    pip_says = app.log.find("Invalid requirement")
    ours = app.log.find("ERROR: Unable to install dependencies with pip")
    assert 0 <= pip_says < ours, app.log
    assert "Traceback" not in app.log
    assert not (app.cache_dir / "venv").exists()


def test_python_version_change_rebuilds_the_venv(dev_app: DevApps) -> None:
    from tests.support.runtimes import host_interpreters

    series = sorted(
        {python.series for python in host_interpreters()},
        key=lambda text: tuple(int(part) for part in text.split(".")),
    )
    if len(series) < 2:
        pytest.skip("needs two CPython series on this machine")
    first, second = series[-2], series[-1]
    app = dev_app("pip_basic", versions=(first, second))
    (app.app / ".python-version").write_text(f"{first}\n")
    app.build()
    (app.app / ".python-version").write_text(f"{second}\n")
    app.rebuild()
    assert re.search(
        rf"Discarding cached virtual environment: the Python version changed from "
        rf"{re.escape(first)}\.\d+ to {re.escape(second)}\.\d+",
        app.log,
    ), app.log
    version = app.run(["python", "-c", "import sys, six; print(sys.version_info[:2])"])
    assert version.stdout.strip() == str(tuple(int(p) for p in second.split(".")))


def test_index_settings_reach_the_image_label_only_as_a_keyed_digest(dev_app: DevApps) -> None:
    setting = "PIP_TRUSTED_HOST=user:hunter2@index.invalid"
    app = dev_app("pip_basic", env=dict([setting.split("=", 1)]))
    app.build()
    label = (app.work / "image" / "metadata.json").read_text()
    stored = json.loads(label)["layers"]["venv"]["data"]["index_settings"]
    assert stored.startswith("hmac-sha256:")
    assert "hunter2" not in label
    assert hashlib.sha256(setting.encode()).hexdigest() not in label
    # The key lives in the cache-only pip-cache layer, never in the image.
    key = app.cache_dir / "pip-cache" / ".cnb-python-settings-key"
    assert key.is_file()
    assert key.read_text() not in label
    assert not list((app.work / "image").rglob(".cnb-python-settings-key"))

    app.build()  # the same settings and the same cached key: the venv is reused
    assert "- Using cached virtual environment" in app.log


def test_uv_syncs_a_fully_pinned_file_in_place(dev_app: DevApps) -> None:
    app = dev_app("pip_basic", env={"BP_PYTHON_INSTALLER": "uv"})
    app.build()
    requirements = app.app / "requirements.txt"
    requirements.write_text("six==1.17.0\niniconfig==2.0.0\n")  # idna removed, iniconfig added
    app.rebuild()
    assert "- Updating the virtual environment in place: requirements.txt changed" in app.log
    assert "Running 'uv pip sync requirements.txt'" in app.log
    assert "  Checked: `uv pip check` passes, 2 packages, each one the requirements need" in app.log
    assert app.run(["python", "-c", "import six, iniconfig"]).returncode == 0
    assert "No module named 'idna'" in app.run(["python", "-c", "import idna"]).stderr
