"""buildpack.toml against contract §4.1 and checklist item 34."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from cnb_python import __version__
from cnb_python.cnb import tomlio

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


def test_targets_cover_both_arches_on_linux_ubuntu() -> None:
    targets = descriptor()["targets"]
    assert sorted(t["arch"] for t in targets) == ["amd64", "arm64"]
    for target in targets:
        assert target["os"] == "linux"
        assert target["distros"], "distros must be listed for Platform API >= 0.12 matching"
        for distro in target["distros"]:
            assert distro["name"] == "ubuntu"
            assert re.fullmatch(r"\d\d\.\d\d", distro["version"]), "exact VERSION_ID values"


def test_target_distros_are_exactly_the_catalogs_ubuntu_stacks() -> None:
    """The lifecycle drops a buildpack whose [[targets]] miss the run image's distro, so every
    Ubuntu release the built-in catalog builds for must be listed, and nothing else."""
    from cnb_python.catalog.loader import builtin_catalog

    catalog = builtin_catalog()
    for target in descriptor()["targets"]:
        expected = sorted(
            {
                stack.distro_version
                for stack in catalog.stacks
                if stack.distro == "ubuntu" and target["arch"] in stack.archs
            }
        )
        assert sorted(d["version"] for d in target["distros"]) == expected, target["arch"]
