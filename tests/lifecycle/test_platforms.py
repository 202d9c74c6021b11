"""How platforms drive the lifecycle: Platform API 0.12 to 0.15, kpack's 0.9, a cleared cache,
a new image name with the old cache, a refusal of ours, and a buildpack after ours.

One pip app throughout (cheap to build), with the real lifecycle deciding what is restored;
each build is also made with `cnb-python dev` at the same Platform API and must agree.
"""

from __future__ import annotations

import platform as host
from collections.abc import Callable

import pytest

from cnb_python.pins import pin_for
from tests.lifecycle.conftest import (
    PYTHON_ID,
    Buildpacks,
    DevBuilder,
    PlatformFactory,
    assert_agrees,
    fixture_app,
)

APP = fixture_app("pip_basic")
APP_OUTPUT = "six 1.17.0 idna 3.10"
# The lifecycle's builder exit code when a buildpack's bin/build fails (lc `platform/exit.go`).
BUILDPACK_FAILED = 51


def _runs(platform_output: str) -> None:
    assert APP_OUTPUT in platform_output, platform_output


# 0.15 is every other test's; 0.13 and 0.14 are those of the new-image-name test below.
@pytest.mark.parametrize("api", ["0.12"])
def test_each_platform_api_pack_uses_builds_rebuilds_and_launches(
    api: str,
    lifecycle_platform: PlatformFactory,
    dev_builder: Callable[[], DevBuilder],
    platform_env: dict[str, str],
) -> None:
    platform, dev = lifecycle_platform(), dev_builder()
    for _ in range(2):
        build = platform.build(APP, env=platform_env, platform_api=api)
        assert_agrees(platform, build, dev.build(APP, env=platform_env, platform_api=api))
    assert "- Using cached virtual environment" in build.phase("builder").output
    _runs(platform.run(["/cnb/process/web"]).stdout)


def test_kpack_platform_api_0_9_for_detect_and_build(
    lifecycle_platform: PlatformFactory,
    dev_builder: Callable[[], DevBuilder],
    platform_env: dict[str, str],
) -> None:
    # kpack drives the detector and builder at Platform API 0.9 (no target filtering, the
    # target from the build container) with the builder's CNB_STACK_ID; layout mode needs
    # >= 0.12 for the phases that touch images.
    platform, dev = lifecycle_platform(), dev_builder()
    stack = {"CNB_STACK_ID": "heroku-24"}
    for _ in range(2):
        build = platform.build(APP, env=platform_env, build_platform_api="0.9", builder_env=stack)
        assert build.ok, build.output
        log = build.phase("builder").output
        assert " for heroku-24 " in log, log
    assert "- Using cached virtual environment" in log
    local = dev.build(APP, env=platform_env, platform_api="0.9", stack="heroku-24")
    assert local.returncode == 0, local.log
    _runs(platform.run(["/cnb/process/web"]).stdout)


def test_a_cleared_cache_reinstalls_everything(
    lifecycle_platform: PlatformFactory,
    dev_builder: Callable[[], DevBuilder],
    platform_env: dict[str, str],
) -> None:
    platform, dev = lifecycle_platform(), dev_builder()
    first = platform.build(APP, env=platform_env)
    assert_agrees(platform, first, dev.build(APP, env=platform_env))
    cleared = platform.build(APP, env=platform_env, clear_cache=True)
    assert f'Restoring data for "{PYTHON_ID}:' not in cleared.phase("restorer").output
    log = cleared.phase("builder").output
    assert "- Installing Python " in log, log
    assert "- Using cached" not in log, log
    assert_agrees(platform, cleared, dev.build(APP, env=platform_env, clear_cache=True))
    _runs(platform.run(["/cnb/process/web"]).stdout)


@pytest.mark.parametrize(("api", "reused"), [("0.13", False), ("0.14", True)])
def test_a_new_image_name_with_the_old_cache(
    api: str,
    reused: bool,
    lifecycle_platform: PlatformFactory,
    dev_builder: Callable[[], DevBuilder],
    platform_env: dict[str, str],
) -> None:
    # Without a previous image, only Platform API >= 0.14 restores the metadata of launch +
    # cache layers from the cache; before, they are rebuilt though the cache holds them.
    platform, dev = lifecycle_platform(), dev_builder()
    first = platform.build(APP, env=platform_env, platform_api=api)
    assert_agrees(platform, first, dev.build(APP, env=platform_env, platform_api=api))
    other = platform.build(APP, env=platform_env, platform_api=api, image="other")
    log = other.phase("builder").output
    assert ("- Using cached Python " in log) is reused, log
    local = dev.build(APP, env=platform_env, platform_api=api, no_previous_image=True)
    assert_agrees(platform, other, local)
    _runs(platform.run(["/cnb/process/web"], image="other").stdout)


def test_our_refusal_fails_the_builder_with_our_message(
    lifecycle_platform: PlatformFactory,
    dev_builder: Callable[[], DevBuilder],
    platform_env: dict[str, str],
) -> None:
    platform = lifecycle_platform()
    env = {**platform_env, "BP_PYTHON_VERSION": "3.99"}
    build = platform.build(APP, env=env)
    builder = build.phase("builder")
    assert builder.returncode == BUILDPACK_FAILED, build.output
    assert "ERROR: The requested Python version isn't recognised" in builder.output, builder.output
    assert "Traceback" not in builder.output
    local = dev_builder().build(APP, env=env)
    assert local.returncode == 1, local.log
    assert "ERROR: The requested Python version isn't recognised" in local.log


def test_a_later_buildpack_runs_the_apps_python_and_imports_its_packages(
    lifecycle_platform: PlatformFactory, buildpacks: Buildpacks, platform_env: dict[str, str]
) -> None:
    # As a Node.js or Procfile buildpack placed after ours would: it requires `cpython`, and
    # our layers (build = true) are on its PATH. `cnb-python dev` runs one buildpack only.
    platform = lifecycle_platform(group=(buildpacks.python, buildpacks.uses_cpython))
    env = {**platform_env, "USES_CPYTHON_IMPORTS": "six,idna"}
    build = platform.build(APP, env=env)
    assert build.ok, build.output
    log = build.phase("builder").output
    venv = f"/layers/{PYTHON_ID.replace('/', '_')}/venv"
    assert f"uses-cpython: python is {venv}/bin/python" in log, log
    assert "uses-cpython: running Python 3." in log
    assert f"uses-cpython: imported six from {venv}/lib/" in log, log
    # The pinned pip of the pip layer, not one of the runtime archive's.
    pip_layer = f"/layers/{PYTHON_ID.replace('/', '_')}/pip"
    assert f"uses-cpython: pip is {pip_layer}/bin/pip\n" in log, log
    pip = pin_for("pip", host.python_version()).version
    assert f"uses-cpython: pip says pip {pip}\n" in log, log
    _runs(platform.run(["/cnb/process/web"]).stdout)
    # At launch, no pip in any layer: whatever `pip` resolves to is not ours.
    found = platform.run(
        ["/cnb/lifecycle/launcher", "sh", "-c", "command -v pip; command -v pip3; true"]
    )
    assert found.returncode == 0, found.stderr
    assert not [line for line in found.stdout.splitlines() if line.startswith("/layers/")], (
        found.stdout
    )
