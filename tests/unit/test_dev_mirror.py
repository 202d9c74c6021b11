"""`merge_catalogs`: what `dev mirror` into a directory with a catalog (and the tests' catalogs
of several runtimes) offer, and the checks the merged catalog must pass."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from cnb_python.catalog.models import parse_catalog
from cnb_python.cnb import tomlio
from cnb_python.dev.mirror import (
    checked_merge,
    merge_catalogs,
    mirror_catalog,
    read_existing_catalog,
)
from cnb_python.dev.runtime_archive import RuntimeArchive
from cnb_python.errors import DevMirrorCatalogInvalid, DevMirrorMergeRefused


def _archive(version: str, arch: str = "amd64", sha: str = "a") -> RuntimeArchive:
    return RuntimeArchive(
        path=Path(f"/mirror/python-{version}-standalone-{arch}.tar.gz"),
        sha256=sha * 64,
        format="tar.gz",
        strip_components=1,
        version=version,
        arch=arch,
        layout="standalone",
    )


def _stack(catalog: dict[str, Any], stack_id: str) -> dict[str, Any]:
    (stack,) = (s for s in catalog["stacks"] if s["id"] == stack_id)
    found: dict[str, Any] = stack
    return found


def test_a_second_version_is_added_and_every_stack_offers_both_with_the_first_as_default() -> None:
    first, second = mirror_catalog(_archive("3.12.1")), mirror_catalog(_archive("3.11.7"))

    merged = merge_catalogs(first, second)

    catalog = parse_catalog(merged, "merged")  # the checks a build applies
    assert sorted(a.version for a in catalog.artifacts) == ["3.11.7", "3.12.1"]
    assert [s.version for s in catalog.series] == ["3.12", "3.11"]
    assert len(catalog.stacks) == len(first["stacks"])
    for stack in catalog.stacks:
        assert stack.series == ("3.12", "3.11"), stack.id
        assert stack.default == "3.12", stack.id


def test_mirroring_a_version_again_replaces_its_artifact_and_keeps_the_others() -> None:
    base = merge_catalogs(mirror_catalog(_archive("3.12.1")), mirror_catalog(_archive("3.11.7")))
    again = mirror_catalog(_archive("3.12.1", sha="b"))

    merged = merge_catalogs(base, again)

    parse_catalog(merged, "merged")
    by_version = {a["version"]: a["sha256"] for a in merged["artifacts"]}
    assert by_version == {"3.12.1": "b" * 64, "3.11.7": "a" * 64}
    assert _stack(merged, "heroku-24")["series"] == ["3.12", "3.11"]


def test_a_newer_series_added_later_does_not_become_the_default() -> None:
    merged = merge_catalogs(mirror_catalog(_archive("3.11.7")), mirror_catalog(_archive("3.13.0")))
    assert {s["default"] for s in merged["stacks"]} == {"3.11"}


def test_stacks_and_series_of_either_side_are_kept_and_neither_input_changes() -> None:
    base = mirror_catalog(_archive("3.12.1"))
    base["stacks"] = [s for s in base["stacks"] if s["id"] != "heroku-24"]
    base["stacks"].append({**_stack(base, "heroku-22"), "id": "operator-own", "aliases": []})
    added = mirror_catalog(_archive("3.11.7"))
    before = copy.deepcopy((base, added))

    merged = merge_catalogs(base, added)

    assert (base, added) == before
    assert _stack(merged, "operator-own")["series"] == ["3.12"]
    assert _stack(merged, "heroku-24")["series"] == ["3.11"]
    assert _stack(merged, "heroku-24")["default"] == "3.11"
    parse_catalog(merged, "merged")


def test_an_existing_catalog_that_fails_the_checks_is_refused_with_its_problems(
    tmp_path: Path,
) -> None:
    path = tmp_path / "catalog.toml"
    broken = mirror_catalog(_archive("3.12.1"))
    broken["stacks"][0]["default"] = "3.9"
    tomlio.write_atomic(path, broken)

    with pytest.raises(DevMirrorCatalogInvalid) as caught:
        read_existing_catalog(path)

    text = caught.value.message().render()
    assert "'3.9' is not one of its series" in text
    assert f"cnb-python catalog check {path}" in text
    assert read_existing_catalog(tmp_path / "absent.toml") is None


def test_a_version_for_another_arch_is_refused_rather_than_written(tmp_path: Path) -> None:
    # One stack cannot offer a series on amd64 only and another on arm64 only.
    existing = mirror_catalog(_archive("3.12.1", arch="amd64"))
    added = mirror_catalog(_archive("3.11.7", arch="arm64"))
    path = tmp_path / "catalog.toml"

    with pytest.raises(DevMirrorMergeRefused) as caught:
        checked_merge(existing, added, path, _archive("3.11.7", arch="arm64"))

    text = caught.value.message().render()
    assert "Python 3.11.7 (arm64) cannot be added" in text
    assert "3.12 is offered but no artifact provides it for arm64" in text
    assert not path.exists()
