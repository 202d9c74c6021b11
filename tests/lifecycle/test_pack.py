"""pack accepts our package: `pack buildpack package --format file` run exactly as
docs/operators.md documents it, for one arch and for two, and the real lifecycle builds and
launches an app with the buildpack taken out of the `.cnb`.

The documented commands are read from the blocks marked `<!-- tested: NAME -->` and run
verbatim with bash in an empty directory, with `pack` and `cnb-python` on PATH and the
operator catalog in BP_PYTHON_CATALOG (as an operator behind a mirror would package).
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from cnb_python.cnb import tomlio
from tests.lifecycle.conftest import (
    ARCH,
    Packaged,
    PlatformFactory,
    fixture_app,
    run_documented,
)
from tests.support import oci
from tests.support.devbuild import two_arch_catalog
from tests.support.lifecycle import BuildpackRef, Tools
from tests.support.runtimes import RuntimeArchives

# The tool pins are package data (cnb_python/pins/): no requirements/ directory.
PACKAGE_ENTRIES = {"bin", "buildpack.toml", "cnb_python", "package.toml"}
ARCH_TREE = {"bin", "cnb_python", "runtime", "vendor"}
MACHINES = {"amd64": "x86_64", "arm64": "aarch64"}


def extract(cnb: Path, into: Path) -> tuple[Path, dict[str, Any]]:
    """The package image's layers applied into `into`; returns its buildpack directory and
    that buildpack's descriptor."""
    layout = into / "layout"
    layout.mkdir(parents=True)
    subprocess.run(["tar", "-xf", str(cnb), "-C", str(layout)], check=True)
    rootfs = oci.Image.read(layout).extract(into / "rootfs")
    (bp_dir,) = (rootfs / "cnb" / "buildpacks").glob("*/*")
    return bp_dir, tomlio.load(bp_dir / "buildpack.toml")


@pytest.mark.skipif(ARCH != "amd64", reason="the documented single-arch commands are amd64's")
def test_pack_packages_one_arch_as_documented_and_the_lifecycle_builds_from_the_cnb(
    tools: Tools,
    packaged: Packaged,
    lifecycle_platform: PlatformFactory,
    platform_env: dict[str, str],
    tmp_path: Path,
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    run_documented("pack-single-arch", work, tools, packaged.catalog_url)
    bp_dir, descriptor = extract(work / "cnb-python-amd64.cnb", tmp_path / "cnb")
    assert PACKAGE_ENTRIES | {"runtime", "vendor"} == {p.name for p in bp_dir.iterdir()}
    assert [target["arch"] for target in descriptor["targets"]] == ["amd64"]
    # pack writes the buildpack owned by root and not writable, as on a builder.
    info = (bp_dir / "bin" / "build").stat()
    assert (info.st_uid, info.st_mode & 0o022) == (0, 0)

    ref = BuildpackRef.of(bp_dir)
    platform = lifecycle_platform(buildpacks=bp_dir.parents[1], group=(ref,))
    build = platform.build(fixture_app("pip_basic"), env=platform_env)
    assert build.ok, build.output
    done = platform.run(["/cnb/process/web"])
    assert "six 1.17.0 idna 3.10" in done.stdout, done.stdout


def test_pack_packages_two_arches_as_documented(
    tools: Tools, runtime_archives: RuntimeArchives, tmp_path: Path
) -> None:
    # The documented command bundles the default interpreter series: offer every one here.
    versions = runtime_archives.versions()
    catalog = two_arch_catalog(runtime_archives, tmp_path / "catalog.toml", versions)
    work = tmp_path / "work"
    work.mkdir()
    log = run_documented("pack-multi-arch", work, tools, str(catalog)).stdout
    multi = work / "multi"
    assert {p.name for p in multi.iterdir()} == {"buildpack.toml", "package.toml", "linux"}
    assert (multi / "package.toml").read_text() == '[buildpack]\nuri = "."\n'
    for arch in ("amd64", "arm64"):
        assert {p.name for p in (multi / "linux" / arch).iterdir()} == ARCH_TREE, arch
        bp_dir, descriptor = extract(work / f"cnb-python-linux-{arch}.cnb", tmp_path / arch)
        # Each image holds its own arch's tree (pack found it), with the root descriptor.
        assert ARCH_TREE | {"buildpack.toml"} == {p.name for p in bp_dir.iterdir()}
        assert [t["arch"] for t in descriptor["targets"]] == ["amd64", "arm64"]
        libs = [path.name for path in (bp_dir / "vendor" / "pydantic_core").glob("*.so")]
        assert libs, arch
        assert all(MACHINES[arch] in name for name in libs), (arch, libs)
    assert log.count("Bundling Python") == 2, log
