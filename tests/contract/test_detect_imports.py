"""What bin/detect imports: nothing beyond the interpreter's start-up but its own few modules.

A packaged buildpack has no bytecode, so every module detect imports is compiled from source on
every build (pathlib, dataclasses or typing each cost about as much as the interpreter's start;
pydantic, requests and zstandard far more). These tests run `bin/_boot.py` as the shim does,
with `-X importtime`, and compare what it imports with a bare interpreter's start.

`-S` keeps site-packages (and whatever its `.pth` files import at start-up, which would hide a
regression) out of both runs; the dependencies `_boot.py` checks for are found instead through
the buildpack's `vendor/`, which here points at this environment's site-packages, as a packaged
buildpack's does at its own.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from cnb_python.cnb import tomlio
from cnb_python.detect import PLAN_TOML
from tests.support.plan import BuildPlan, Require

REPO = Path(__file__).resolve().parents[2]
# Detect's own modules: anything else it imports is a regression (see the module docstring).
DETECT_MODULES = {
    "__future__",
    "cnb_python",
    "cnb_python.__main__",
    "cnb_python.cnb",
    "cnb_python.cnb.exit_codes",
    "cnb_python.detect",
}
HEAVY = ("pydantic", "requests", "zstandard", "urllib3", "tomli_w", "packaging")


def imported(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, list[str]]:
    """The exit code of `argv` run with `-X importtime`, and the modules it imported, in order."""
    python, *rest = argv
    done = subprocess.run(
        [python, "-I", "-S", "-B", "-X", "importtime", *rest],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    modules = [
        line.rsplit("|", 1)[1].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:") and not line.endswith("imported package")
    ]
    return done.returncode, modules


@pytest.fixture
def buildpack(tmp_path: Path) -> Path:
    """The checkout's bin/ and sources, with `vendor/` holding this environment's packages."""
    root = tmp_path / "buildpack"
    (root / "bin").mkdir(parents=True)
    shutil.copy2(REPO / "bin" / "_boot.py", root / "bin" / "_boot.py")
    (root / "cnb_python").symlink_to(REPO / "cnb_python")
    (root / "vendor").symlink_to(sysconfig.get_paths()["purelib"])
    return root


def detect_imports(buildpack: Path, tmp_path: Path, app_file: str) -> tuple[int, set[str]]:
    app = tmp_path / "app"
    app.mkdir()
    (app / app_file).write_text("")
    (tmp_path / "platform" / "env").mkdir(parents=True)
    env = {
        "PATH": "/usr/bin:/bin",
        "CNB_BUILDPACK_DIR": str(buildpack),
        "CNB_PLATFORM_DIR": str(tmp_path / "platform"),
        "CNB_BUILD_PLAN_PATH": str(tmp_path / "plan.toml"),
        "CNB_TARGET_OS": "linux",
        "CNB_TARGET_ARCH": "amd64",
    }
    boot = [sys.executable, str(buildpack / "bin" / "_boot.py"), "", "detect"]
    code, modules = imported(boot, app, env)
    # `site`, skipped here, imports os (frozen) at every normal start.
    _, baseline = imported([sys.executable, "-c", "import os"], app, env)
    return code, set(modules) - set(baseline)


@pytest.mark.parametrize(("app_file", "code"), [("requirements.txt", 0), ("package.json", 100)])
def test_detect_imports_only_its_own_modules(
    buildpack: Path, tmp_path: Path, app_file: str, code: int
) -> None:
    exit_code, modules = detect_imports(buildpack, tmp_path, app_file)
    assert exit_code == code
    assert "cnb_python.detect" in modules, "the run did not reach detect: nothing was measured"
    assert not [name for name in modules if name.split(".")[0] in HEAVY]
    assert modules <= DETECT_MODULES, f"detect now also imports {sorted(modules - DETECT_MODULES)}"


def test_the_plan_text_is_the_build_plan() -> None:
    plan = BuildPlan(provides=("cpython",), requires=(Require("cpython"),))
    assert tomlio.loads(PLAN_TOML) == plan.to_toml()


def test_the_build_imports_requests_only_when_it_transfers_something() -> None:
    """`transfer`, `download` and `trust` import requests where a transfer starts: a no-op
    rebuild, which downloads nothing, skips a fifth of the start-up."""
    done = subprocess.run(
        [sys.executable, "-I", "-c",
         "import sys, cnb_python.build, cnb_python.cli; "
         "print(sorted(m for m in ('requests', 'urllib3') if m in sys.modules))"],
        cwd=REPO, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert done.stdout.strip() == "[]", done.stdout + done.stderr
