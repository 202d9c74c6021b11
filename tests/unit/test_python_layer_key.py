"""The python layer's cache key: every changed field gives a reason, in the log's wording."""

from __future__ import annotations

from pathlib import Path

import pytest

from cnb_python.layers.python import (
    PythonLayerMetadata,
    invalidation_reasons,
    read_previous_series,
)

BASE = PythonLayerMetadata(
    layer_version="1",
    python_version="3.12.13",
    series="3.12",
    artifact_sha256="a" * 64,
    arch="amd64",
    distro_name="ubuntu",
    distro_version="22.04",
    stack_id="scalingo-22",
)


def test_identical_metadata_is_reused() -> None:
    assert invalidation_reasons(BASE, BASE) == []


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (
            {"python_version": "3.12.14", "artifact_sha256": "b" * 64},
            "the Python version changed from 3.12.13 to 3.12.14",
        ),
        (
            {"artifact_sha256": "b" * 64},
            "the runtime archive changed (sha256 aaaaaaaaaaaa to bbbbbbbbbbbb)",
        ),
        ({"arch": "arm64"}, "the architecture changed from amd64 to arm64"),
        ({"distro_version": "24.04"}, "the distro changed from ubuntu 22.04 to ubuntu 24.04"),
        ({"stack_id": "scalingo-24"}, "the stack changed from scalingo-22 to scalingo-24"),
        ({"layer_version": "2"}, "the buildpack now lays out the Python layer differently"),
    ],
)
def test_each_field_alone_gives_its_reason(change: dict[str, str], reason: str) -> None:
    assert invalidation_reasons(BASE, BASE.model_copy(update=change)) == [reason]


def test_every_reason_is_listed() -> None:
    new = BASE.model_copy(update={"python_version": "3.12.14", "stack_id": "scalingo-24"})
    assert invalidation_reasons(BASE, new) == [
        "the Python version changed from 3.12.13 to 3.12.14",
        "the stack changed from scalingo-22 to scalingo-24",
    ]


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ('[metadata]\nseries = "3.12"\n', "3.12"),
        ("[metadata]\nseries = 3.12\n", None),
        ('[metadata]\nseries = "3.12; rm -rf"\n', None),
        ("not toml [", None),
        ("", None),
    ],
)
def test_previous_series_tolerates_junk(tmp_path: Path, toml: str, expected: str | None) -> None:
    (tmp_path / "python").mkdir()
    (tmp_path / "python.toml").write_text(toml)
    assert read_previous_series(tmp_path) == expected


def test_previous_series_needs_the_layer_directory(tmp_path: Path) -> None:
    (tmp_path / "python.toml").write_text('[metadata]\nseries = "3.12"\n')
    assert read_previous_series(tmp_path) is None
