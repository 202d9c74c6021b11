"""An install that stops making progress ends at BP_PYTHON_INSTALL_TIMEOUT with one message.

The app's index (`--index-url` in requirements.txt) is on 127.0.0.1 and answers its project
page with headers and then silence: the tools' own socket timeouts (15 s for pip, 30 s for uv)
and retries would keep the build waiting for minutes. The limit stops the installer and
everything it started, and names the setting that raises it. The same limit holds for the
build's own tool installs: here pip installing uv, whose wheel the index serves so slowly it
never ends.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cnb_python import pins
from tests.support.devbuild import DevApps
from tests.support.httpserver import FaultyServer, Stall
from tests.support.wheels import tiny_wheel


@pytest.fixture
def stalling_index(tmp_path: Path) -> Iterator[FaultyServer]:
    wheel = tiny_wheel(tmp_path, "hello")
    page = tmp_path / "simple" / "tinypkg" / "index.html"
    page.parent.mkdir(parents=True)
    page.write_text(f'<a href="../../{wheel.name}">{wheel.name}</a>\n')
    with FaultyServer(tmp_path) as server:
        server.always("/simple/tinypkg/", Stall(seconds=120, after_bytes=10))
        yield server


@pytest.mark.parametrize("installer", ["pip", "uv"])
def test_an_install_that_hangs_is_stopped_at_its_limit(
    dev_app: DevApps, stalling_index: FaultyServer, installer: str
) -> None:
    app = dev_app(
        "pip_basic",
        env={"BP_PYTHON_INSTALLER": installer, "BP_PYTHON_INSTALL_TIMEOUT": "8"},
    )
    index = f"{stalling_index.base_url}/simple/"
    (app.app / "requirements.txt").write_text(f"--index-url {index}\ntinypkg==1.0\n")
    started = time.monotonic()
    result = app.build(check=False)
    assert time.monotonic() - started < 90, result.log
    assert result.returncode == 1, result.log
    shown = "uv pip install" if installer == "uv" else "pip install"
    title = f"ERROR: `{shown} -r requirements.txt` did not finish within 8 s"
    assert title in result.log, result.log
    assert "the limit set by BP_PYTHON_INSTALL_TIMEOUT" in result.log
    assert "Traceback" not in result.log
    assert not (app.cache_dir / "venv.toml").exists()


def test_a_tool_install_that_hangs_is_stopped_at_its_limit(
    dev_app: DevApps, tmp_path: Path
) -> None:
    uv = pins.pin_for("uv", f"{sys.version_info.major}.{sys.version_info.minor}")
    # No sha256 on the page: the build lets pip fetch the wheel, whose body never comes.
    wheel = f"uv-{uv.version}-py3-none-any.whl"
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / wheel).write_bytes(b"\0" * 65536)
    page = tmp_path / "simple" / "uv" / "index.html"
    page.parent.mkdir(parents=True)
    page.write_text(f'<a href="../../files/{wheel}">{wheel}</a>\n')
    with FaultyServer(tmp_path) as server:
        server.always(f"/files/{wheel}", Stall(seconds=120, after_bytes=10))
        app = dev_app(
            "pip_basic",
            env={
                "BP_PYTHON_INSTALLER": "uv",
                "BP_PYTHON_INSTALL_TIMEOUT": "8",
                "PIP_INDEX_URL": f"{server.base_url}/simple/",
            },
        )
        started = time.monotonic()
        result = app.build(check=False)
    assert time.monotonic() - started < 90, result.log
    assert result.returncode == 1, result.log
    assert f"ERROR: `pip install {uv.requirement}` did not finish within 8 s" in result.log
    assert "the limit set by BP_PYTHON_INSTALL_TIMEOUT" in result.log
    assert "Traceback" not in result.log
    assert not (app.cache_dir / "uv.toml").exists()
