"""`cnb-python package --arch amd64 --arch arm64` refuses what it cannot write.

The layout itself is tested where pack packages it: tests/lifecycle/test_pack.py.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.support.devbuild import CLI, two_arch_catalog
from tests.support.runtimes import RuntimeArchives

pytestmark = pytest.mark.network


def _package(catalog: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BP_PYTHON_CATALOG": str(catalog), "NO_COLOR": "1"}
    return subprocess.run(
        [*CLI, "package", "--arch", "amd64", "--arch", "arm64", "--out", str(out), *extra],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=600,
        check=False,
    )


def test_multi_arch_package_refuses_one_tgz(
    runtime_archives: RuntimeArchives, tmp_path: Path
) -> None:
    catalog = two_arch_catalog(runtime_archives, tmp_path / "catalog.toml")
    done = _package(catalog, tmp_path / "multi", "--format", "tgz")
    assert done.returncode == 1, done.stdout
    assert "A multi-arch package cannot be written as one .tgz" in done.stdout
    assert "Traceback" not in done.stdout
    assert not (tmp_path / "multi").exists()
