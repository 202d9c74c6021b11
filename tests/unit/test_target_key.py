from __future__ import annotations

from dataclasses import dataclass

from cnb_python.layers.target_key import target_reasons


@dataclass(frozen=True)
class Key:
    arch: str = "amd64"
    distro_name: str = "ubuntu"
    distro_version: str = "22.04"


def test_same_target_has_no_reason() -> None:
    assert target_reasons(Key(), Key(), stacks=("heroku-22", "heroku-22")) == []


def test_each_difference_is_named() -> None:
    assert target_reasons(
        Key(), Key(arch="arm64", distro_version="24.04"), stacks=("heroku-22", "heroku-24")
    ) == [
        "the architecture changed from amd64 to arm64",
        "the distro changed from ubuntu 22.04 to ubuntu 24.04",
        "the stack changed from heroku-22 to heroku-24",
    ]


def test_unknown_distro_and_layers_without_stack() -> None:
    old = Key(distro_name="", distro_version="")
    assert target_reasons(old, Key()) == ["the distro changed from unknown to ubuntu 22.04"]
