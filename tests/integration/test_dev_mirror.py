"""`cnb-python dev mirror --from-host DIR` run once per local CPython builds up one mirror:
each run adds its version to the catalog already there, and an app picks either with
`.python-version`."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from cnb_python.catalog.models import version_key
from cnb_python.cnb import tomlio
from tests.support.devbuild import CLI, FIXTURES, DevApp, tls_env
from tests.support.runtimes import RuntimeArchives


def _mirror(directory: Path, python: Path, *extra: str) -> str:
    done = subprocess.run(
        [*CLI, "dev", "mirror", "--from-host", str(directory), "--python", str(python), *extra],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout
    return done.stdout


def test_two_mirror_runs_offer_both_versions_and_a_build_can_choose_each(
    runtime_archives: RuntimeArchives, tmp_path: Path
) -> None:
    by_series = {python.series: python for python in runtime_archives.interpreters}
    if len(by_series) < 2:
        pytest.skip("needs two CPython series with a shared libpython on this machine")
    first, second = list(by_series.values())[:2]
    mirror = tmp_path / "mirror"

    _mirror(mirror, first.prefix / "bin" / "python3")
    log = _mirror(mirror, second.prefix / "bin" / "python3")
    offered = sorted([first.version, second.version], key=version_key)
    assert f"Added it to the existing catalog, which offers Python {', '.join(offered)}" in log
    # The first version again, in the other layout: its artifact is replaced, not added.
    log = _mirror(mirror, first.prefix / "bin" / "python3", "--layout", "heroku")
    assert "Replaced its archive in the existing catalog" in log

    catalog: dict[str, Any] = tomlio.load(mirror / "catalog.toml")
    artifacts = {a["version"]: a["url"] for a in catalog["artifacts"]}
    assert set(artifacts) == {first.version, second.version}
    assert artifacts[first.version].endswith(f"python-{first.version}-heroku-{first.arch}.tar.zst")
    for stack in catalog["stacks"]:
        assert stack["series"] == [first.series, second.series], stack["id"]
        assert stack["default"] == first.series, stack["id"]

    for python in (first, second):
        app = tmp_path / f"app-{python.series}"
        shutil.copytree(FIXTURES / "procfile_basic", app)
        (app / ".python-version").write_text(f"{python.series}\n")
        (tmp_path / f"work-{python.series}").mkdir()
        built = DevApp(
            app=app,
            work=tmp_path / f"work-{python.series}",
            catalog=mirror / "catalog.toml",
            env={"BP_PYTHON_CATALOG": str(mirror / "catalog.toml"), **tls_env()},
        )
        built.build()
        assert f"Installing Python {python.version}" in built.log, built.log
        ran = built.run(["python", "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"])
        assert ran.stdout.strip() == python.version, ran.stdout + ran.stderr
