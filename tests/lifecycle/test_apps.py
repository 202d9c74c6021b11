"""Apps of every package manager under the real lifecycle: build, no-op rebuild, launch.

Each case builds with the five phases as pack runs them (non-root build user, read-only
buildpack, OCI layout), rebuilds with a fresh `/layers` and app copy but the cache and
previous image kept, and launches the image as a different user on read-only layers. Each
build is also made with `cnb-python dev` and the two platforms' records must agree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.lifecycle.conftest import (
    DevBuilder,
    PlatformFactory,
    assert_agrees,
    assert_image_conditions,
    fixture_app,
    http_get,
)
from tests.support.lifecycle import Platform
from tests.support.serving import free_port

PYTHON = "cnb-python/python"


def _http_web(expected: str, path: str = "/") -> Callable[[Platform, Path], None]:
    def check(platform: Platform, tmp_path: Path) -> None:
        port = free_port()
        log = tmp_path / "web.log"
        with platform.launched(env={"PORT": str(port)}, log=log):
            body = http_get(port, path, log)
        assert expected in body

    return check


def _runs_web(expected: str) -> Callable[[Platform, Path], None]:
    def check(platform: Platform, tmp_path: Path) -> None:
        done = platform.run(["/cnb/process/web"])
        assert done.returncode == 0, done.stdout
        assert expected in done.stdout

    return check


def _django(platform: Platform, tmp_path: Path) -> None:
    _http_web("hello from django")(platform, tmp_path)
    assert (platform.rootfs() / "workspace" / "staticfiles" / "css" / "site.css").is_file()


def _hooks(platform: Platform, tmp_path: Path) -> None:
    build = platform.builds[0].phase("builder").output
    assert "pre_compile: HOOK_GREETING=hi cwd=/workspace" in build
    assert "post_compile: python prefix /layers/cnb-python_python/venv" in build
    written = platform.rootfs() / "workspace" / "post_compile.txt"
    assert written.read_text() == "post_compile: python prefix /layers/cnb-python_python/venv\n"


@dataclass(frozen=True)
class Case:
    fixture: str
    launch: Callable[[Platform, Path], None]
    env: dict[str, str] = field(default_factory=dict)


CASES = {
    "pip-procfile": Case("procfile_basic", _http_web("hello from procfile", "/index.html")),
    "django": Case("django_staticfiles", _django),
    "pipenv": Case("pipenv_basic", _runs_web("six 1.17.0 greeting v1")),
    "poetry": Case("poetry_basic", _runs_web("six 1.17.0 greeting v1")),
    "uv": Case("uv_basic", _runs_web("six 1.17.0")),
    "pip-with-uv": Case(
        "pip_basic", _runs_web("six 1.17.0 idna 3.10"), {"BP_PYTHON_INSTALLER": "uv"}
    ),
    "hooks": Case("hooks_pass", _hooks, {"HOOK_GREETING": "hi"}),
}


@pytest.mark.parametrize("name", CASES)
def test_app_builds_rebuilds_and_launches_under_the_real_lifecycle(
    name: str,
    lifecycle_platform: PlatformFactory,
    dev_builder: Callable[[], DevBuilder],
    platform_env: dict[str, str],
    tmp_path: Path,
) -> None:
    case = CASES[name]
    app = fixture_app(case.fixture)
    platform_env = {**platform_env, **case.env}
    platform = lifecycle_platform()
    dev = dev_builder()

    first = platform.build(app, env=platform_env)
    assert first.ok, first.output
    assert_image_conditions(platform, first)
    assert_agrees(platform, first, dev.build(app, env=platform_env))

    second = platform.build(app, env=platform_env)
    assert second.ok, second.output
    restored = second.phase("restorer").output
    for layer in ("python", "venv"):
        assert f'Restoring data for "{PYTHON}:{layer}" from cache' in restored
        assert f"Reusing layer '{PYTHON}:{layer}'" in second.phase("exporter").output
    log = second.phase("builder").output
    assert "- Using cached Python " in log
    assert "- Installing" not in log, log
    assert "- Discarding" not in log, log
    assert_agrees(platform, second, dev.build(app, env=platform_env))

    case.launch(platform, tmp_path)
    env = platform.run(["/cnb/lifecycle/launcher", "env"])
    assert "\nWEB_CONCURRENCY=" in f"\n{env.stdout}", env.stdout
