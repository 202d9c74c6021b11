"""bin/detect run as the lifecycle runs it: argv, env allow-list, exit codes, plan shape."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from cnb_python.cnb import tomlio
from cnb_python.detect import PYTHON_APP_FILES, is_requirements_typo

REPO = Path(__file__).resolve().parents[2]


def lifecycle_env(tmp_path: Path) -> dict[str, str]:
    platform = tmp_path / "platform"
    (platform / "env").mkdir(parents=True, exist_ok=True)
    plan_dir = tmp_path / "plan"
    plan_dir.mkdir(exist_ok=True)
    return {
        # Only the lifecycle's pass-through allow-list, with an interpreter that has our
        # dependencies first on PATH (what a builder image with a source buildpack provides).
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "HOME": str(tmp_path / "home"),
        "CNB_BUILDPACK_DIR": str(REPO),
        "CNB_PLATFORM_DIR": str(platform),
        "CNB_BUILD_PLAN_PATH": str(plan_dir / "plan.toml"),
        "CNB_TARGET_OS": "linux",
        "CNB_TARGET_ARCH": "amd64",
    }


def run_detect(app: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = lifecycle_env(tmp_path)
    Path(env["CNB_BUILD_PLAN_PATH"]).write_text("")  # the lifecycle creates it empty
    return subprocess.run(
        [str(REPO / "bin" / "detect"), env["CNB_PLATFORM_DIR"], env["CNB_BUILD_PLAN_PATH"]],
        cwd=app,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        digest.update(str(path.relative_to(root)).encode())
        if path.is_file():
            digest.update(path.read_bytes())
        digest.update(oct(path.stat().st_mode).encode())
    return digest.hexdigest()


def test_shims_are_executable() -> None:
    for name in ("detect", "build"):
        mode = (REPO / "bin" / name).stat().st_mode
        assert mode & 0o111 == 0o111, name
        assert (REPO / "bin" / name).read_text().startswith("#!/usr/bin/env bash")


@pytest.mark.parametrize("name", [*PYTHON_APP_FILES, "requirments.txt", "Requirements.txt"])
def test_each_app_shape_passes_with_a_valid_plan(tmp_path: Path, name: str) -> None:
    app = tmp_path / "app"
    app.mkdir()
    (app / name).write_text("")
    result = run_detect(app, tmp_path)
    assert result.returncode == 0, result.stderr
    plan = tomlio.load(tmp_path / "plan" / "plan.toml")
    assert plan == {
        "provides": [{"name": "cpython"}],
        "requires": [{"name": "cpython", "metadata": {}}],
    }


def test_non_python_app_exits_100_with_one_line(tmp_path: Path) -> None:
    app = tmp_path / "app"
    app.mkdir()
    (app / "package.json").write_text("{}")
    (app / "requirements-dev.txt").write_text("")
    result = run_detect(app, tmp_path)
    assert result.returncode == 100
    assert result.stdout.count("\n") == 1
    assert "requirements.txt" in result.stdout
    assert "pyproject.toml" in result.stdout
    assert (tmp_path / "plan" / "plan.toml").read_text() == ""


def test_app_modules_shadowing_stdlib_are_not_imported(tmp_path: Path) -> None:
    app = tmp_path / "app"
    app.mkdir()
    (app / "requirements.txt").write_text("flask\n")
    for module in ("json", "typing", "tomllib", "pathlib", "enum", "re", "os"):
        (app / f"{module}.py").write_text("raise SystemExit('the app module was imported')\n")
    before = tree_digest(app)
    result = run_detect(app, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert tree_digest(app) == before, "detect must never write into the app directory"


def test_python_env_vars_do_not_reach_the_buildpack_interpreter(tmp_path: Path) -> None:
    app = tmp_path / "app"
    app.mkdir()
    (app / "main.py").write_text("")
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    (shadow / "json.py").write_text("raise SystemExit('PYTHONPATH was honoured')\n")
    env = lifecycle_env(tmp_path)
    env.update(PYTHONPATH=str(shadow), PYTHONHOME="/nonexistent")
    result = subprocess.run(
        [str(REPO / "bin" / "detect")],
        cwd=app,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_missing_interpreter_is_a_clear_error_not_100(tmp_path: Path) -> None:
    app = tmp_path / "app"
    app.mkdir()
    (app / "main.py").write_text("")
    bare = tmp_path / "bare-bin"
    bare.mkdir()
    # A python3 that cannot import our dependencies.
    (bare / "python3").symlink_to("/usr/bin/python3")
    env = lifecycle_env(tmp_path)
    env["PATH"] = f"{bare}:/bin"
    env["CNB_BUILDPACK_DIR"] = str(tmp_path / "copy")
    (tmp_path / "copy" / "bin").mkdir(parents=True)
    for name in ("detect", "_phase.sh", "_boot.py"):
        target = tmp_path / "copy" / "bin" / name
        target.write_bytes((REPO / "bin" / name).read_bytes())
        target.chmod(0o755)
    result = subprocess.run(
        [str(tmp_path / "copy" / "bin" / "detect")],
        cwd=app,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "No Python interpreter can run the cnb-python buildpack" in result.stderr
    assert "cnb-python package" in result.stderr


def test_missing_context_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    app = tmp_path / "app"
    app.mkdir()
    (app / "main.py").write_text("")
    env = lifecycle_env(tmp_path)
    del env["CNB_BUILD_PLAN_PATH"]
    result = subprocess.run(
        [str(REPO / "bin" / "detect")],
        cwd=app,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "without CNB_BUILD_PLAN_PATH" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("name", "typo"),
    [
        ("requirments.txt", True),
        ("requirement.txt", True),
        ("requirements.text", True),
        ("Requirements.txt", True),
        ("requirements.txt.txt", True),
        ("requirements.txt", False),
        ("requirements-dev.txt", False),
        ("requirements.in", False),
        ("README.md", False),
    ],
)
def test_requirements_typos(name: str, typo: bool) -> None:
    assert is_requirements_typo(name) is typo
