"""buildpack.toml against contract §4.1 and checklist item 34."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from cnb_python import __version__
from cnb_python.cnb import tomlio
from cnb_python.cnb.context import Target
from cnb_python.dev.targets import satisfies

REPO = Path(__file__).resolve().parents[2]


def descriptor() -> dict[str, Any]:
    return tomlio.load(REPO / "buildpack.toml")


def test_api_and_identity() -> None:
    data = descriptor()
    assert data["api"] == "0.10"
    info = data["buildpack"]
    assert info["id"] == "cnb-python/python"
    assert re.fullmatch(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)", info["version"])
    for key in ("name", "homepage", "description", "keywords", "licenses"):
        assert info[key], key


def test_versions_agree() -> None:
    pyproject = tomlio.load(REPO / "pyproject.toml")
    assert descriptor()["buildpack"]["version"] == pyproject["project"]["version"] == __version__


def test_no_deprecated_or_ignored_keys() -> None:
    data = descriptor()
    assert "stacks" not in data
    assert "order" not in data
    assert "exec-env" not in data["buildpack"]
    for target in data["targets"]:
        assert "variant" not in target, "the lifecycle reads arch-variant and ignores variant"


def test_targets_are_both_arches_of_linux_with_no_distro_list() -> None:
    targets = descriptor()["targets"]
    assert sorted(t["arch"] for t in targets) == ["amd64", "arm64"]
    for target in targets:
        assert target == {"os": "linux", "arch": target["arch"]}, "no distros: any glibc Linux"


@pytest.mark.parametrize(
    ("name", "version"),
    [
        ("debian", "11"), ("debian", "12"), ("debian", "13"),
        ("ubuntu", "20.04"), ("ubuntu", "22.04"), ("ubuntu", "24.04"), ("ubuntu", "26.04"),
        ("rhel", "8"), ("rhel", "9"), ("amzn", "2023"),
        ("", ""),  # a run image without distro labels
        ("alpine", "3.20"),  # accepted here, so that our build explains the refusal
    ],
)  # fmt: skip
@pytest.mark.parametrize("arch", ["amd64", "arm64"])
def test_the_lifecycle_target_check_accepts_every_distro(
    name: str, version: str, arch: str
) -> None:
    """The detector's own check (a port of lc `TargetSatisfiedForBuild`) passes each run image,
    so a user never meets its bare exit 21 instead of our messages."""
    target = Target("linux", arch, distro_name=name, distro_version=version)
    assert satisfies(target, descriptor()["targets"])
    assert not satisfies(Target("linux", "s390x", "", name, version), descriptor()["targets"])
