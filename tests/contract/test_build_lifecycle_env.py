"""`bin/build` run the way the lifecycle runs it, with no `cnb-python dev` in between.

Only the variables the lifecycle sets (HOME, PATH, `CNB_*`), the deprecated positional
arguments it still appends, the app as working directory, and a buildpack plan with a
`cpython` entry. The runtime comes from an operator catalog (in `$CNB_PLATFORM_DIR/env`) of an
archive of this machine's CPython, served over loopback.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cnb_python.cnb import tomlio
from cnb_python.dev.targets import host_target
from tests.support.bare_build import LifecycleDirs
from tests.support.catalogs import Entry, StackSpec, write_catalog
from tests.support.httpserver import FaultyServer
from tests.support.runtimes import RuntimeArchives

ARCH = host_target().arch
SHADOWING_MODULES = ("json.py", "typing.py", "tomllib.py", "pathlib.py")


@pytest.fixture
def dirs(
    runtime_archives: RuntimeArchives, http_server: FaultyServer, tmp_path: Path
) -> LifecycleDirs:
    archive = runtime_archives.get()
    os.link(archive.path, http_server.root / archive.path.name)
    catalog = write_catalog(
        tmp_path / "catalog.toml",
        [Entry(archive, http_server.url(archive.path.name))],
        [StackSpec("test-22")],
    )
    lifecycle = LifecycleDirs.create(tmp_path / "lc", {"BP_PYTHON_CATALOG": str(catalog)})
    (lifecycle.app / "app.py").write_text("print('hello')\n")
    (lifecycle.app / "Procfile").write_text("web: python app.py\n")
    (lifecycle.app / "requirements.txt").write_text("")
    return lifecycle


def _tree(root: Path) -> dict[str, tuple[int, int, int]]:
    """Every path under `root` with its mode, size and mtime: what "unchanged" compares."""
    found = {}
    for path in [root, *root.rglob("*")]:
        info = path.lstat()
        found[str(path.relative_to(root))] = (info.st_mode, info.st_size, info.st_mtime_ns)
    return found


def test_build_with_only_the_lifecycle_inputs(dirs: LifecycleDirs, tmp_path: Path) -> None:
    # App modules named like the standard library must not reach the buildpack's interpreter.
    for name in SHADOWING_MODULES:
        (dirs.app / name).write_text("raise SystemExit('the app module was imported')\n")
    before = _tree(dirs.app)
    result = dirs.run(dirs.env(tmp_path, arch=ARCH))
    assert result.returncode == 0, result.stdout
    assert "Traceback" not in result.stdout
    assert "the app module was imported" not in result.stdout

    layer = tomlio.load(dirs.layers / "python.toml")
    assert layer["types"] == {"launch": True, "build": True, "cache": True}
    assert layer["metadata"]
    assert all(isinstance(value, str) for value in layer["metadata"].values()), layer
    assert (dirs.layers / "launch.toml").is_file()
    assert tomlio.load(dirs.layers / "launch.toml")["processes"][0]["type"] == "web"

    env_files = [
        path
        for scope in ("env", "env.build", "env.launch")
        if (dirs.layers / "python" / scope).is_dir()
        for path in (dirs.layers / "python" / scope).iterdir()
    ]
    assert env_files
    for path in env_files:
        assert path.name.split(".")[0] not in ("PYTHONHOME", "PYTHONPATH"), path
        assert not path.read_text().endswith("\n"), path
        if path.suffix in (".prepend", ".append"):
            assert path.with_suffix(".delim").is_file(), f"{path} has no .delim"
    assert (dirs.layers / "python" / "env.build" / "CPATH.prepend").is_file()

    # This buildpack writes nothing into the app directory (not even app bytecode).
    assert _tree(dirs.app) == before


def test_a_build_error_exits_1_with_the_message_and_no_traceback(
    dirs: LifecycleDirs, tmp_path: Path
) -> None:
    (dirs.app / ".python-version").write_text("3.99\n")
    result = dirs.run(dirs.env(tmp_path, arch=ARCH))
    assert result.returncode == 1, result.stdout
    assert "ERROR: The requested Python version isn't recognised" in result.stdout
    assert "Requested by .python-version: '3.99'." in result.stdout
    assert "Traceback" not in result.stdout
    assert not (dirs.layers / "python.toml").exists()
