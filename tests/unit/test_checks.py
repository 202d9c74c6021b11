"""Forbidden env vars: one error naming every offender; PYTHONPATH only warns."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnb_python.checks import check_app_source, check_environment
from cnb_python.errors import CommittedEnvironment, ForbiddenEnvironment, InvalidBooleanSetting


def test_every_offender_is_listed_once_with_where_it_was_set() -> None:
    platform = {"PYTHONHOME": "/usr", "PIP_TARGET": "/x", "POETRY_VIRTUALENVS_PATH": "/v"}
    process = {"VIRTUAL_ENV": "/venv", "PYTHONHOME": "/other", "PATH": "/usr/bin"}
    with pytest.raises(ForbiddenEnvironment) as caught:
        check_environment(platform, process)

    assert [name for name, _, _ in caught.value.offenders] == [
        "PIP_TARGET",
        "POETRY_VIRTUALENVS_PATH",
        "PYTHONHOME",
        "VIRTUAL_ENV",
    ]
    rendered = caught.value.message().render()
    assert "PYTHONHOME (set in the platform env (pack --env, project.toml))" in rendered
    assert "VIRTUAL_ENV (set in the build environment)" in rendered


@pytest.mark.parametrize(
    "name",
    [
        "PIP_PREFIX",
        "PIP_USER",
        "UV_PROJECT_ENVIRONMENT",
        "UV_PYTHON",
        "PYTHONUSERBASE",
        "POETRY_VIRTUALENVS_CREATE",
        "POETRY_VIRTUALENVS_IN_PROJECT",
    ],
)
def test_each_redirection_is_refused(name: str) -> None:
    with pytest.raises(ForbiddenEnvironment):
        check_environment({name: "1"}, {})


def test_empty_values_and_ordinary_settings_pass() -> None:
    assert check_environment({"PIP_USER": "", "BP_PYTHON_VERSION": "3.12"}, {"HOME": "/h"}) == []


@pytest.mark.parametrize("value", [" ", "\t", "\n", "  \n"])
def test_a_blank_value_is_set_as_cpython_and_pip_read_it(value: str) -> None:
    # CPython ignores only an empty PYTHONHOME: " " is a home without a standard library.
    with pytest.raises(ForbiddenEnvironment) as caught:
        check_environment({"PYTHONHOME": value}, {"PIP_TARGET": value})
    rendered = caught.value.message().render()
    assert (
        "PYTHONHOME (set to a blank value, which is not unset, in the platform env "
        "(pack --env, project.toml))"
    ) in rendered
    assert "PIP_TARGET (set to a blank value, which is not unset, in the build environment)" in (
        rendered
    )


@given(st.text(alphabet=" \t\r\n\x0b\x0c", min_size=1, max_size=5))
def test_no_whitespace_value_passes_as_unset(value: str) -> None:
    with pytest.raises(ForbiddenEnvironment):
        check_environment({"PYTHONHOME": value}, {})


def test_pythonpath_is_a_warning() -> None:
    [warning] = check_environment({"PYTHONPATH": "/app/src\n"}, {})
    assert warning.title == "PYTHONPATH is set"
    assert "'/app/src'" in warning.lines[0]


def test_committed_environments_are_refused_unless_kept(tmp_path: Path) -> None:
    # a directory called venv without pyvenv.cfg is a package, not an environment
    (tmp_path / "venv").mkdir()
    (tmp_path / "venv" / "__init__.py").write_text("")
    (tmp_path / ".heroku").mkdir()
    (tmp_path / ".heroku" / "collectstatic_disabled").write_text("")
    assert check_app_source(tmp_path, {}) == []

    (tmp_path / "venv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    with pytest.raises(CommittedEnvironment) as caught:
        check_app_source(tmp_path, {})
    assert caught.value.directory == "venv"
    assert caught.value.entries == ("venv/__init__.py", "venv/pyvenv.cfg")

    kept = check_app_source(tmp_path, {"BP_PYTHON_KEEP_COMMITTED_VENV": "1"})
    assert [notice.title for notice in kept] == [
        "Keeping venv/ from the app source (BP_PYTHON_KEEP_COMMITTED_VENV is set)"
    ]
    with pytest.raises(InvalidBooleanSetting):
        check_app_source(tmp_path, {"BP_PYTHON_KEEP_COMMITTED_VENV": "maybe"})
