"""cnb-python installed from its wheel (`pip install .`, not editable) builds and packages.

The tool pins are package data (`cnb_python/pins/`), so an installed cnb-python must find them
where a checkout does. The wheel goes into a fresh venv; its dependencies come from this
test venv's site-packages through a path entry (no index needed, and the checkout's
editable install is not activated, since `.pth` files of a path entry are not run). The
build is the wheel's `python -I -m cnb_python build` with the lifecycle's env, in the app
directory; the package is the wheel's `cnb-python package --source <checkout>`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from cnb_python.pins import pin_for
from tests.support.devbuild import FIXTURES, tls_env, write_catalog
from tests.support.runtimes import RuntimeArchives

CHECKOUT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the cnb-python wheel installed; returns its directory."""
    base = tmp_path_factory.mktemp("wheel")
    wheels = base / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
         "--wheel-dir", str(wheels), str(CHECKOUT)],
        check=True, cwd=base,
    )  # fmt: skip
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    [wheel] = wheels.glob("cnb_python-*.whl")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install",
         "--quiet", "--no-deps", "--no-index", str(wheel)],
        check=True, cwd=base,
    )  # fmt: skip
    purelib = "import sysconfig; print(sysconfig.get_path('purelib'))"
    site = subprocess.run(
        [str(venv / "bin" / "python"), "-c", purelib], check=True, capture_output=True, text=True
    ).stdout.strip()
    (Path(site) / "test-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    return venv


def _run(argv: list[str], *, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        timeout=600, check=False,
    )  # fmt: skip


def test_the_installed_package_carries_its_pins(installed: Path, tmp_path: Path) -> None:
    done = _run(
        [str(installed / "bin" / "python"), "-I", "-c",
         "import cnb_python.pins as p; print(p.__file__); print(p.pin_for('pip', '3.9').version)"],
        env={"PATH": "/usr/bin:/bin"}, cwd=tmp_path,
    )  # fmt: skip
    where, version = done.stdout.split()
    assert where.startswith(str(installed)), where
    assert version == pin_for("pip", "3.9").version


def test_the_installed_package_builds_an_app(
    installed: Path, runtime_archives: RuntimeArchives, tmp_path: Path
) -> None:
    app = tmp_path / "app"
    shutil.copytree(FIXTURES / "pip_basic", app)
    platform = tmp_path / "platform"
    (platform / "env").mkdir(parents=True)
    catalog = write_catalog(runtime_archives, [None], tmp_path / "catalog.toml")
    for name, value in {"BP_PYTHON_CATALOG": str(catalog), **tls_env()}.items():
        (platform / "env" / name).write_text(value)
    layers = tmp_path / "layers"
    layers.mkdir()
    (tmp_path / "plan.toml").write_text("")
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "NO_COLOR": "1",
        "CNB_LAYERS_DIR": str(layers),
        "CNB_PLATFORM_DIR": str(platform),
        "CNB_BP_PLAN_PATH": str(tmp_path / "plan.toml"),
        "CNB_BUILDPACK_DIR": str(CHECKOUT),
        "CNB_TARGET_OS": "linux",
        "CNB_TARGET_DISTRO_NAME": "ubuntu",
        "CNB_TARGET_DISTRO_VERSION": "24.04",
        **tls_env(),
    }
    done = _run(
        [str(installed / "bin" / "python"), "-I", "-m", "cnb_python", "build"], env=env, cwd=app
    )
    assert done.returncode == 0, done.stdout
    assert (
        f"Installing pip {pin_for('pip', runtime_archives.default.version).version}" in done.stdout
    )
    assert (layers / "venv" / "bin" / "python").exists()
    assert (layers / "launch.toml").is_file()


def test_the_installed_package_packages_the_buildpack(
    installed: Path, runtime_archives: RuntimeArchives, tmp_path: Path
) -> None:
    catalog = write_catalog(runtime_archives, [None], tmp_path / "catalog.toml")
    env = {**os.environ, "BP_PYTHON_CATALOG": str(catalog), "NO_COLOR": "1"}
    env.pop("SOURCE_DATE_EPOCH", None)
    cli = str(installed / "bin" / "cnb-python")
    refused = _run(
        [cli, "package", "--arch", "amd64", "--out", str(tmp_path / "x")], env=env, cwd=tmp_path
    )
    assert refused.returncode == 1, refused.stdout
    assert "which an installed cnb-python does not hold" in refused.stdout
    out = tmp_path / "buildpack"
    done = _run(
        [cli, "package", "--source", str(CHECKOUT), "--arch", "amd64", "--out", str(out),
         "--bootstrap-series", runtime_archives.default.series],
        env=env, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout
    for tool in ("pip", "uv", "poetry", "pipenv"):
        assert (out / "cnb_python" / "pins" / f"{tool}.txt").is_file()
