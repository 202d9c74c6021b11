"""Choosing the package manager from the app's files and BP_PYTHON_PACKAGE_MANAGER."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from cnb_python import managers
from cnb_python.errors import (
    InvalidGroups,
    InvalidPackageSetting,
    NoPackageManagerFile,
    PipfileLockMissing,
)
from cnb_python.managers import PipenvManager, PoetryManager, UvManager
from cnb_python.managers.base import PackageManager
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


def choose_any(app_dir: Path, env: dict[str, str] | None = None) -> tuple[PackageManager, str]:
    out = io.StringIO()
    manager = managers.choose(app_dir, env or {}, Output(stdout=out, stderr=out), "3.13.1")
    return manager, out.getvalue()


@pytest.mark.parametrize(
    ("names", "manager", "kind"),
    [
        (("uv.lock", "poetry.lock", "requirements.txt"), "uv", UvManager),
        (("poetry.lock", "Pipfile.lock", "requirements.txt"), "poetry", PoetryManager),
        (("Pipfile.lock", "requirements.txt"), "pipenv", PipenvManager),
    ],
)
def test_precedence_picks_the_lock_and_warns_about_the_others(
    tmp_path: Path, names: tuple[str, ...], manager: str, kind: type
) -> None:
    chosen, log = choose_any(app(tmp_path, *names))
    assert isinstance(chosen, kind)
    assert chosen.name == manager
    # pip installs Pipenv and Poetry; uv needs no other tool.
    assert chosen.tools() == ((manager,) if manager == "uv" else ("pip", manager))
    assert f"using {manager} ({names[0]})" in log
    assert "BP_PYTHON_PACKAGE_MANAGER=pip|pipenv|poetry|uv" in log
    assert f"Package manager: {manager} with {names[0]} (from {names[0]})" in log


@pytest.mark.parametrize(("lock", "manager"), [("uv.lock", "uv"), ("poetry.lock", "poetry")])
def test_a_uv_or_poetry_projects_pyproject_is_not_another_managers_file(
    tmp_path: Path, lock: str, manager: str
) -> None:
    chosen, log = choose_any(app(tmp_path, lock, pyproject="[project]\nname = 'x'\n"))
    assert chosen.name == manager
    assert "WARNING" not in log


def test_the_setting_overrides_the_precedence_without_warning(tmp_path: Path) -> None:
    manager, log = choose(
        app(tmp_path, "poetry.lock", "requirements.txt"), {"BP_PYTHON_PACKAGE_MANAGER": " PIP "}
    )
    assert manager.requirements is not None
    assert "WARNING" not in log
    chosen, log = choose_any(app(tmp_path, "uv.lock"), {"BP_PYTHON_PACKAGE_MANAGER": "uv"})
    assert isinstance(chosen, UvManager)
    assert "(from BP_PYTHON_PACKAGE_MANAGER=uv)" in log


def test_a_chosen_manager_needs_its_lock(tmp_path: Path) -> None:
    with pytest.raises(NoPackageManagerFile) as raised:
        choose_any(app(tmp_path, "requirements.txt"), {"BP_PYTHON_PACKAGE_MANAGER": "poetry"})
    assert raised.value.looked_for == ("poetry.lock",)
    message = raised.value.message()
    assert message.title == "The package manager poetry was chosen but poetry.lock is missing"
    assert message.fix[0].startswith("Run `poetry lock` in the app directory and commit")
    assert not any("requirements.txt" in line for line in message.fix)


def test_choosing_uv_without_its_lock_says_to_lock(tmp_path: Path) -> None:
    with pytest.raises(NoPackageManagerFile) as raised:
        choose_any(app(tmp_path, "pyproject.toml"), {"BP_PYTHON_PACKAGE_MANAGER": "uv"})
    message = raised.value.message()
    assert message.title == "The package manager uv was chosen but uv.lock is missing"
    assert "Run `uv lock` in the app directory and commit uv.lock" in message.fix[0]
    assert "Or unset BP_PYTHON_PACKAGE_MANAGER" in message.fix[1]


def test_a_pipfile_without_its_lock_says_to_lock(tmp_path: Path) -> None:
    with pytest.raises(PipfileLockMissing) as raised:
        choose_any(app(tmp_path, "Pipfile"))
    message = raised.value.message()
    assert message.title == "Pipfile.lock is missing"
    assert "Run `pipenv lock` and commit Pipfile.lock with the app." in message.fix


def test_groups_are_parsed_deduplicated_and_described(tmp_path: Path) -> None:
    chosen, log = choose_any(app(tmp_path, "uv.lock"), {"BP_PYTHON_GROUPS": " dev, test,dev ,"})
    assert isinstance(chosen, UvManager)
    assert chosen.groups == ("dev", "test")
    assert "uv with uv.lock, with groups dev, test" in log
    assert chosen.key_inputs({}).options == "groups=dev,test"
    with pytest.raises(InvalidGroups) as raised:
        choose_any(app(tmp_path, "uv.lock"), {"BP_PYTHON_GROUPS": "dev;rm -rf"})
    assert raised.value.bad == ("dev;rm -rf",)


def test_choosing_pip_without_its_files_says_so(tmp_path: Path) -> None:
    with pytest.raises(NoPackageManagerFile) as raised:
        choose(app(tmp_path, "poetry.lock"), {"BP_PYTHON_PACKAGE_MANAGER": "pip"})
    message = raised.value.message()
    assert "pip was chosen" in message.title
    assert "Or unset BP_PYTHON_PACKAGE_MANAGER to let the buildpack choose." in message.fix


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
    assert (manager.installer, manager.tools()) == ("uv", ("uv",))
    assert "(installed with uv)" in log


def test_groups_on_a_pip_app_warn(tmp_path: Path) -> None:
    _, log = choose(app(tmp_path, "requirements.txt"), {"BP_PYTHON_GROUPS": "dev"})
    assert "BP_PYTHON_GROUPS has no effect on pip apps" in log


def test_an_empty_pyproject_is_said_to_exist_without_a_project(tmp_path: Path) -> None:
    with pytest.raises(NoPackageManagerFile) as raised:
        choose(app(tmp_path, "pyproject.toml"))
    found = raised.value.message().found
    assert found == (
        "None of these files is in the app root: uv.lock, poetry.lock, Pipfile.lock, "
        "requirements.txt, setup.py, Pipfile.",
        "pyproject.toml exists but declares no project: it has no [project] table (it may be "
        "empty, or hold only [tool.*] settings), so it says nothing about what to install.",
    )
