"""The buildpack's own Pythons are isolated from the app: its files, PYTHONPATH, PYTHONHOME.

The fixture app holds files named like the modules those Pythons import (`pip.py`, `venv.py`,
`compileall.py`, an `encodings` package, ...), each of which leaves a marker and exits when it
runs; the build puts the app directory on PYTHONPATH and turns warnings into errors. None of
it may reach the runtime check, the bytecode step, `venv` or pip.
"""

from __future__ import annotations

import pytest

from tests.support.devbuild import DevApps

pytestmark = pytest.mark.network


def test_app_files_and_python_variables_never_run_inside_the_build(dev_app: DevApps) -> None:
    app = dev_app("isolation_hostile")
    env = {"PYTHONPATH": str(app.workspace), "PYTHONWARNINGS": "error"}
    result = app.build(env=env, check=False)

    assert result.ok, result.log
    assert "HIJACKED" not in result.log
    assert sorted(app.workspace.rglob("*.ran")) == []
    assert "WARNING: PYTHONPATH is set" in result.log
    assert "- Installing pip" in result.log
    assert "Creating virtual environment" in result.log


def test_a_blank_pythonhome_is_refused_before_any_download(dev_app: DevApps) -> None:
    app = dev_app("pip_basic")
    result = app.build(env={"PYTHONHOME": " "}, check=False)

    assert result.returncode == 1, result.log
    assert "ERROR: Environment variables that would break the Python install are set" in (
        result.log
    )
    assert (
        "PYTHONHOME (set to a blank value, which is not unset, in the platform env "
        "(pack --env, project.toml))"
    ) in result.log
    assert "Downloading" not in result.log
    assert "Internal error" not in result.log
