"""The app starts as another user than the one that built it, from read-only layers.

The build runs under a strict umask (077), as a careless platform might start it; the app then
starts as `nobody` (no groups) with the buildpack's layers bind-mounted read-only. Everything
the platform itself creates (the work directory, the app copy) is opened up by the test, so
what is checked is only what the buildpack wrote: every file of every launch layer, the env
files, launch.toml and the exec.d program (the layer tomls: tests/unit/cnb/test_modes.py).
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.as_user import as_user, require_root_tools
from tests.support.devbuild import DevApps
from tests.support.runtimes import RuntimeArchives

pytestmark = pytest.mark.network
REPO = Path(__file__).parents[2]


@pytest.fixture
def open_root() -> Iterator[Path]:
    """A directory every user may search, for apps another user launches (pytest's own
    temporary directories are private to root)."""
    root = Path(tempfile.mkdtemp(prefix="cnb-python-launch-"))
    root.chmod(0o755)
    yield root
    shutil.rmtree(root)


def _open_platform_dirs(work: Path, layers_dir: Path) -> None:
    """What the platform (not the buildpack) made under the build's umask: the directories
    leading to the layers and to the exported launch.toml, and the app copy."""
    for relative in [*layers_dir.relative_to(work).parents, layers_dir.relative_to(work)]:
        (work / relative).chmod(0o755)
    (work / "image").chmod(0o755)
    for directory, _, files in os.walk(work / "workspace"):
        Path(directory).chmod(0o755)
        for name in files:
            path = Path(directory) / name
            if not path.is_symlink():
                path.chmod(path.stat().st_mode | 0o444)


def _modes(layers_dir: Path) -> list[str]:
    """Everything under the layers dir that another user could not read or search."""
    problems = []
    for directory, subdirectories, files in os.walk(layers_dir):
        for name in [*subdirectories, *files]:
            path = Path(directory) / name
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode):
                continue
            wanted = 0o555 if stat.S_ISDIR(info.st_mode) else 0o444
            if info.st_mode & wanted != wanted or info.st_mode & 0o022:
                problems.append(f"{path.relative_to(layers_dir)} {stat.filemode(info.st_mode)}")
    return problems


def test_the_app_starts_as_another_user_from_read_only_layers(
    runtime_archives: RuntimeArchives, open_root: Path
) -> None:
    require_root_tools()
    app = DevApps(runtime_archives, open_root)("pip_basic")
    app.build(umask=0o077)
    layers = app.layers_dir
    launch_toml = app.work / "image" / "launch.toml"  # where `dev` exports it
    assert stat.S_IMODE(launch_toml.stat().st_mode) == 0o644
    assert (layers / "python" / "env" / "PYTHONUNBUFFERED.override").is_file()
    assert (layers / "venv" / "env" / "VIRTUAL_ENV.override").is_file()
    assert _modes(layers) == []

    _open_platform_dirs(app.work, layers)
    result = as_user(
        [sys.executable, "-c", "from tests.support.launch_check import main; main()",
         layers, launch_toml, app.workspace, "web"],
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)},
        cwd=Path("/"),
        read_only=[layers, launch_toml, app.workspace],
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["uid"] == 65534
    assert report["unreadable"] == []
    assert report.get("error") is None, report
    assert report["returncode"] == 0, report
    assert report["stdout"].strip() == "six 1.17.0 idna 3.10"
