"""`cnb-python dev build` with this repository's own buildpack, offline.

The runtime comes from an archive of this machine's CPython, described by a `dev mirror`
catalog, so nothing is downloaded. The host may not be Ubuntu, so the build targets an Ubuntu
release the buildpack declares (the lifecycle filters targets with Platform API >= 0.12).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cnb_python.cli import main
from cnb_python.dev.mirror import write_mirror_catalog
from cnb_python.dev.targets import host_target
from tests.support.runtimes import RuntimeArchives

FIXTURE_APP = Path(__file__).parents[1] / "fixtures" / "apps" / "dev_python_app"
CLI = [sys.executable, "-c", "import sys; from cnb_python.cli import main; sys.exit(main())"]


def test_build_run_and_rebuild_with_the_real_buildpack(
    runtime_archives: RuntimeArchives,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    app = tmp_path / "app"
    shutil.copytree(FIXTURE_APP, app)
    catalog = write_mirror_catalog(runtime_archives.get(), tmp_path / "catalog.toml")
    # bin/detect and bin/build need a python3 on PATH that has the buildpack's dependencies.
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    work = tmp_path / "work"
    argv = [
        "dev", "build", str(app), "--work", str(work),
        "--env", f"BP_PYTHON_CATALOG={catalog}",
        "--target", f"linux/{host_target().arch}:ubuntu@24.04",
    ]  # fmt: skip
    assert main(argv) == 0
    out = capfd.readouterr().out
    assert "All outputs follow the Buildpack API" in out

    layers = work / "layers" / "cnb-python_python"
    launched = subprocess.run(
        [*CLI, "dev", "launch", str(app), "--work", str(work)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert launched.returncode == 0, launched.stderr
    assert launched.stdout.strip().startswith(f"hello from {layers}/")

    assert main(argv) == 0
    out = capfd.readouterr().out
    assert 'Restoring data for "cnb-python/python:python" from cache' in out
    assert "Using cached Python" in out
