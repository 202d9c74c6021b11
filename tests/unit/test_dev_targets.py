"""`--target` parsing, the CNB_TARGET_* it becomes, and the lifecycle's [[targets]] matching."""

from __future__ import annotations

from pathlib import Path

import pytest

from cnb_python.cnb.context import Target
from cnb_python.dev.targets import parse_target, satisfies, target_env
from cnb_python.errors import DevUsageError


@pytest.fixture
def os_release(tmp_path: Path) -> Path:
    path = tmp_path / "os-release"
    path.write_text('ID=ubuntu\nVERSION_ID="24.04"\n')
    return path


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("linux/amd64", Target("linux", "amd64", "", "ubuntu", "24.04")),
        ("linux/arm64/v8", Target("linux", "arm64", "v8", "ubuntu", "24.04")),
        ("linux/arm64:ubuntu@22.04", Target("linux", "arm64", "", "ubuntu", "22.04")),
        ("linux/arm64/v8:debian@12", Target("linux", "arm64", "v8", "debian", "12")),
    ],
)
def test_parse_target(text: str, expected: Target, os_release: Path) -> None:
    # Without a distro the lifecycle reads the build container's os-release.
    assert parse_target(text, os_release) == expected


@pytest.mark.parametrize(
    "text", ["amd64", "linux", "linux/amd64:ubuntu", "linux/amd64:@22.04", "linux//amd64", ""]
)
def test_malformed_targets_are_refused(text: str, os_release: Path) -> None:
    with pytest.raises(DevUsageError, match="Invalid --target"):
        parse_target(text, os_release)


def test_only_linux_targets(os_release: Path) -> None:
    with pytest.raises(DevUsageError) as error:
        parse_target("windows/amd64", os_release)
    assert error.value.message().found == ("Only linux targets can be built here.",)


def test_target_env_sets_optional_variables_only_when_known() -> None:
    assert target_env(Target("linux", "amd64")) == {
        "CNB_TARGET_OS": "linux",
        "CNB_TARGET_ARCH": "amd64",
    }
    assert target_env(Target("linux", "arm64", "v8", "ubuntu", "24.04")) == {
        "CNB_TARGET_OS": "linux",
        "CNB_TARGET_ARCH": "arm64",
        "CNB_TARGET_ARCH_VARIANT": "v8",
        "CNB_TARGET_DISTRO_NAME": "ubuntu",
        "CNB_TARGET_DISTRO_VERSION": "24.04",
    }


UBUNTU_AMD64 = {"os": "linux", "arch": "amd64", "distros": [{"name": "ubuntu", "version": "24.04"}]}


@pytest.mark.parametrize(
    ("target", "declared", "expected"),
    [
        (Target("linux", "arm64"), [], True),  # no targets: anything
        (Target("linux", "amd64", "", "ubuntu", "24.04"), [UBUNTU_AMD64], True),
        (Target("linux", "arm64", "", "ubuntu", "24.04"), [UBUNTU_AMD64], False),
        (Target("linux", "amd64", "", "ubuntu", "24.04.1"), [UBUNTU_AMD64], False),  # exact
        (Target("linux", "amd64"), [UBUNTU_AMD64], False),  # distros listed, none known
        (Target("linux", "amd64", "", "debian", "12"), [{"os": "linux"}], True),  # empty=any
        (Target("linux", "arm64", "v8"), [{"arch": "arm64", "arch-variant": "v7"}], False),
        (Target("linux", "arm64", "v8"), [{"arch": "arm64", "variant": "v7"}], True),  # ignored
    ],
)
def test_satisfies_matches_like_the_lifecycle(
    target: Target, declared: list[dict[str, object]], expected: bool
) -> None:
    assert satisfies(target, declared) is expected


def test_stack_without_target_builds_for_that_stacks_distro() -> None:
    import argparse

    from cnb_python.commands.dev import _target

    args = argparse.Namespace(target=None, stack="heroku-22")
    target = _target(args, {})
    assert target is not None
    assert (target.distro_name, target.distro_version) == ("ubuntu", "22.04")
    explicit = _target(argparse.Namespace(target="linux/arm64:ubuntu@24.04", stack="x"), {})
    assert explicit is not None
    assert (explicit.arch, explicit.distro_version) == ("arm64", "24.04")
    assert _target(argparse.Namespace(target=None, stack="not-a-stack"), {}) is None
    assert _target(argparse.Namespace(target=None, stack=None), {}) is None
