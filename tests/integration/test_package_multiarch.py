"""`cnb-python package --arch amd64 --arch arm64`: pack's multi-arch layout, each arch's tree
complete and narrowed to its own arch.

The catalog lists this machine's CPython archive for both arches (there is no arm64 runtime
host here), so the arm64 tree holds that interpreter; its vendored wheels are arm64's, which is
what this test checks of it.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from cnb_python.cnb import tomlio
from tests.integration.test_package import PACKAGE_ENTRIES
from tests.support.devbuild import CLI, write_catalog
from tests.support.runtimes import RuntimeArchives

pytestmark = pytest.mark.network

ARCHES = ("amd64", "arm64")
MACHINES = {"amd64": "x86_64", "arm64": "aarch64"}


def _two_arch_catalog(runtime_archives: RuntimeArchives, path: Path) -> Path:
    write_catalog(runtime_archives, [None], path)
    data: dict[str, Any] = tomlio.load(path)
    data["artifacts"] += [{**artifact, "arch": "arm64"} for artifact in data["artifacts"]]
    for stack in data["stacks"]:
        stack["archs"] = list(ARCHES)
    tomlio.write_atomic(path, data)
    return path


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


def _arches(descriptor: Path) -> list[str]:
    return [target["arch"] for target in tomlio.load(descriptor)["targets"]]


def test_multi_arch_package_is_packs_layout_with_one_tree_per_arch(
    runtime_archives: RuntimeArchives, tmp_path: Path
) -> None:
    catalog = _two_arch_catalog(runtime_archives, tmp_path / "catalog.toml")
    out = tmp_path / "multi"
    series = runtime_archives.default.series
    done = _package(catalog, out, "--bootstrap-series", series)
    assert done.returncode == 0, done.stdout
    assert {path.name for path in out.iterdir()} == {"buildpack.toml", "package.toml", "linux"}
    assert (out / "package.toml").read_text() == '[buildpack]\nuri = "."\n'
    assert _arches(out / "buildpack.toml") == list(ARCHES)
    assert sorted(path.name for path in (out / "linux").iterdir()) == list(ARCHES)
    for arch in ARCHES:
        tree = out / "linux" / arch
        assert {path.name for path in tree.iterdir()} == PACKAGE_ENTRIES, arch
        assert _arches(tree / "buildpack.toml") == [arch]
        libs = [path.name for path in (tree / "vendor" / "pydantic_core").glob("*.so")]
        assert libs, arch
        assert all(MACHINES[arch] in name for name in libs), (arch, libs)
        junk = [p for p in tree.rglob("*") if p.name in ("__pycache__", "test", "tests")]
        assert junk == [], arch
        assert "Packaging cnb-python" in done.stdout
    assert done.stdout.count("Bundling Python") == 2


def test_multi_arch_package_refuses_one_tgz(
    runtime_archives: RuntimeArchives, tmp_path: Path
) -> None:
    catalog = _two_arch_catalog(runtime_archives, tmp_path / "catalog.toml")
    done = _package(catalog, tmp_path / "multi", "--format", "tgz")
    assert done.returncode == 1, done.stdout
    assert "A multi-arch package cannot be written as one .tgz" in done.stdout
    assert "Traceback" not in done.stdout
    assert not (tmp_path / "multi").exists()
