"""The packaged buildpack.toml lists only the arches the package carries an interpreter for."""

from __future__ import annotations

from pathlib import Path

import pytest

from cnb_python.cnb import tomlio
from cnb_python.package.descriptor import narrowed

SOURCE = (Path(__file__).resolve().parents[2] / "buildpack.toml").read_text(encoding="utf-8")


def _arches(text: str) -> list[str]:
    return [target["arch"] for target in tomlio.loads(text)["targets"]]


def test_one_arch_keeps_only_its_targets_and_everything_else() -> None:
    text = narrowed(SOURCE, ("arm64",))
    assert _arches(text) == ["arm64"]
    source, packaged = tomlio.loads(SOURCE), tomlio.loads(text)
    assert packaged["buildpack"] == source["buildpack"]
    assert packaged["api"] == source["api"]
    arm64 = next(t for t in source["targets"] if t["arch"] == "arm64")
    assert packaged["targets"] == [arm64]
    assert text.startswith("# Written by `cnb-python package`")
    assert "(arm64)" in text.splitlines()[1]


def test_several_arches_keep_source_order() -> None:
    assert _arches(narrowed(SOURCE, ("arm64", "amd64"))) == ["amd64", "arm64"]


def test_an_arch_the_descriptor_does_not_list_is_refused() -> None:
    only_amd64 = 'api = "0.10"\n[buildpack]\nid = "x"\n[[targets]]\nos = "linux"\narch = "amd64"\n'
    with pytest.raises(ValueError, match="no \\[\\[targets\\]\\] for arm64"):
        narrowed(only_amd64, ("amd64", "arm64"))
