"""Choosing the package manager from the app's files and BP_PYTHON_PACKAGE_MANAGER."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from cnb_python import managers
from cnb_python.errors import (
    InvalidPackageSetting,
    NoPackageManagerFile,
    PackageManagerNotSupported,
)
from cnb_python.managers.pip import PipManager
from cnb_python.output import Output


def app(tmp_path: Path, *names: str, pyproject: str = "") -> Path:
    for name in names:
        (tmp_path / name).write_text("")
    if pyproject:
        (tmp_path / "pyproject.toml").write_text(pyproject)
    return tmp_path


def choose(app_dir: Path, env: dict[str, str] | None = None) -> tuple[PipManager, str]:
    out = io.StringIO()
    manager = managers.choose(app_dir, env or {}, Output(stdout=out, stderr=out))
    assert isinstance(manager, PipManager)
    return manager, out.getvalue()


def test_requirements_txt_means_pip(tmp_path: Path) -> None:
    manager, log = choose(app(tmp_path, "requirements.txt", "setup.py"))
    assert manager.requirements == tmp_path / "requirements.txt"
    assert manager.tools() == ("pip",)
    assert "Package manager: pip with requirements.txt (from requirements.txt)" in log
    assert "WARNING" not in log  # setup.py is pip too


@pytest.mark.parametrize(
    ("names", "pyproject", "origin"),
    [
        (("setup.py",), "", "setup.py"),
        ((), "[project]\nname = 'x'\n", "pyproject.toml"),
    ],
)
def test_a_project_without_lock_is_installed_itself(
    tmp_path: Path, names: tuple[str, ...], pyproject: str, origin: str
) -> None:
    manager, log = choose(app(tmp_path, *names, pyproject=pyproject))
    assert manager.requirements is None
    assert f"pip with the project itself (pip install .) (from {origin})" in log


def test_a_pyproject_without_project_table_is_no_manager_file(tmp_path: Path) -> None:
    with pytest.raises(NoPackageManagerFile):
        choose(app(tmp_path, pyproject="[tool.black]\nline-length = 100\n"))


@pytest.mark.parametrize(
    ("names", "manager"),
    [
        (("uv.lock", "poetry.lock", "requirements.txt"), "uv"),
        (("poetry.lock", "Pipfile.lock", "requirements.txt"), "poetry"),
        (("Pipfile.lock", "requirements.txt"), "pipenv"),
    ],
)
def test_precedence_warns_and_refuses_managers_not_supported_yet(
    tmp_path: Path, names: tuple[str, ...], manager: str
) -> None:
    out = io.StringIO()
    with pytest.raises(PackageManagerNotSupported) as raised:
        managers.choose(app(tmp_path, *names), {}, Output(stdout=out, stderr=out))
    assert raised.value.manager == manager
    assert raised.value.pip_files == ("requirements.txt",)
    assert f"using {manager} ({names[0]})" in out.getvalue()
    assert "BP_PYTHON_PACKAGE_MANAGER=pip|pipenv|poetry|uv" in out.getvalue()
    assert "BP_PYTHON_PACKAGE_MANAGER=pip to install with pip" in "\n".join(
        raised.value.message().fix
    )


def test_the_setting_overrides_the_precedence_without_warning(tmp_path: Path) -> None:
    manager, log = choose(
        app(tmp_path, "poetry.lock", "requirements.txt"), {"BP_PYTHON_PACKAGE_MANAGER": " PIP "}
    )
    assert manager.requirements is not None
    assert "WARNING" not in log
    with pytest.raises(PackageManagerNotSupported) as raised:
        choose(app(tmp_path), {"BP_PYTHON_PACKAGE_MANAGER": "uv"})
    assert raised.value.origin == "BP_PYTHON_PACKAGE_MANAGER=uv"


def test_choosing_pip_without_its_files_says_so(tmp_path: Path) -> None:
    with pytest.raises(NoPackageManagerFile) as raised:
        choose(app(tmp_path, "poetry.lock"), {"BP_PYTHON_PACKAGE_MANAGER": "pip"})
    assert "pip was chosen" in raised.value.message().title


def test_no_manager_file_names_the_files_and_misspellings(tmp_path: Path) -> None:
    with pytest.raises(NoPackageManagerFile) as raised:
        choose(app(tmp_path, "requirments.txt", "requirements-dev.txt", "app.py"))
    message = raised.value.message()
    assert raised.value.misspelled == ("requirments.txt",)
    assert "requirements.txt, setup.py, pyproject.toml" in message.found[0]
    assert "Rename 'requirments.txt' to requirements.txt." in message.fix


@pytest.mark.parametrize(
    ("name", "value"),
    [("BP_PYTHON_PACKAGE_MANAGER", "conda"), ("BP_PYTHON_INSTALLER", "pipx")],
)
def test_unknown_setting_values_are_refused(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(InvalidPackageSetting) as raised:
        choose(app(tmp_path, "requirements.txt"), {name: value})
    assert raised.value.allowed


def test_uv_installer_needs_both_tools(tmp_path: Path) -> None:
    manager, log = choose(app(tmp_path, "requirements.txt"), {"BP_PYTHON_INSTALLER": "uv"})
    assert (manager.installer, manager.tools()) == ("uv", ("pip", "uv"))
    assert "(installed with uv)" in log
