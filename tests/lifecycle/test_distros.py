"""Any glibc Linux run image builds and launches under the real lifecycle; a musl one is
refused by our build, with our message, not by the lifecycle's target check (exit 21).

The lifecycle accepts every image (buildpack.toml lists no distros), and the catalog maps an
image no named stack matches to its portable stack. A run image without distro labels gets the
build image's os-release from the lifecycle: this machine's (the build image here).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from cnb_python.cnb.context import OS_RELEASE, parse_os_release
from tests.lifecycle.conftest import (
    DevBuilder,
    PlatformFactory,
    Users,
    assert_agrees,
    fixture_app,
    labelled_stack,
)

APP = fixture_app("pip_basic")
BUILDPACK_FAILED = 51
_HOST = parse_os_release(OS_RELEASE.read_text())
HOST_DISTRO = f"{_HOST.get('ID', '')} {_HOST.get('VERSION_ID', '')}"


@pytest.mark.parametrize(
    ("distro", "note"),
    [
        (("debian", "12"), "debian 12 is not a named stack: using portable CPython builds"),
        (("rhel", "9"), "rhel 9 is not a named stack: using portable CPython builds"),
        (None, f"{HOST_DISTRO} is not a named stack: using portable CPython builds"),
    ],
    ids=["debian-12", "ubi-9", "unlabelled"],
)
def test_a_glibc_run_image_no_stack_names_builds_with_portable_pythons(
    distro: tuple[str, str] | None,
    note: str,
    users: Users,
    lifecycle_platform: PlatformFactory,
    dev_builder: Callable[[], DevBuilder],
    platform_env: dict[str, str],
) -> None:
    platform = lifecycle_platform(stack=labelled_stack(users, distro))
    build = platform.build(APP, env=platform_env)
    assert build.ok, build.output
    log = build.phase("builder").output
    assert f"- {note}\n" in log, log
    assert " for portable " in log, log
    if distro == ("debian", "12"):
        local = dev_builder().build(APP, env=platform_env, distro="debian@12")
        assert_agrees(platform, build, local)
    done = platform.run(["/cnb/process/web"])
    assert "six 1.17.0 idna 3.10" in done.stdout, done.stdout


def test_a_musl_run_image_is_refused_by_our_build_before_any_download(
    users: Users, lifecycle_platform: PlatformFactory, platform_env: dict[str, str]
) -> None:
    platform = lifecycle_platform(stack=labelled_stack(users, ("alpine", "3.20")))
    build = platform.build(APP, env=platform_env)
    assert build.phase("detector").returncode == 0, build.output
    builder = build.phase("builder")
    assert builder.returncode == BUILDPACK_FAILED, build.output
    assert (
        "ERROR: Python cannot be installed on alpine 3.20: it uses musl libc, not glibc"
        in builder.output
    )
    assert "Downloading" not in builder.output
    assert "Traceback" not in builder.output
