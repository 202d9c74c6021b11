"""Cached layers under the lifecycle's restore behaviour (contract §3.5, checklist 15-23)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cnb_python.cnb import tomlio
from cnb_python.cnb.layers import (
    CachedLayer,
    Empty,
    LayerMetadata,
    LayerTypes,
    Restored,
    cached_layer,
    fresh_layer,
    read_restored_metadata,
    remove_layer,
    validate_layer_name,
)

TYPES = LayerTypes(launch=True, build=True, cache=True)


class Meta(LayerMetadata):
    version: str
    arch: str


def reasons_against(new: Meta):  # type: ignore[no-untyped-def]
    def reasons(cached: Meta) -> list[str]:
        found = []
        if cached.version != new.version:
            found.append(f"the version changed from {cached.version} to {new.version}")
        if cached.arch != new.arch:
            found.append(f"the arch changed from {cached.arch} to {new.arch}")
        return found

    return reasons


def open_layer(layers: Path, new: Meta) -> CachedLayer[Meta]:
    return cached_layer(layers, "python", TYPES, Meta, reasons_against(new))


def lifecycle_restore(layers: Path, name: str = "python") -> None:
    """What the lifecycle leaves for the next build: [metadata] only, through JSON."""
    data = tomlio.load(layers / f"{name}.toml")
    metadata = json.loads(json.dumps(data.get("metadata", {})))
    metadata = {k: float(v) if isinstance(v, int) else v for k, v in metadata.items()}
    tomlio.write_atomic(layers / f"{name}.toml", {"metadata": metadata})


def test_absent_layer_starts_empty_with_directory(tmp_path: Path) -> None:
    layer = open_layer(tmp_path, Meta(version="3.12.1", arch="amd64"))
    assert layer.state == Empty("absent")
    assert layer.path.is_dir()
    assert not (tmp_path / "python.toml").exists(), "metadata must not exist before finish()"


def test_finish_writes_types_and_metadata_last(tmp_path: Path) -> None:
    meta = Meta(version="3.12.1", arch="amd64")
    layer = open_layer(tmp_path, meta)
    (layer.path / "file").write_text("x")
    layer.finish(meta)
    data = tomlio.load(tmp_path / "python.toml")
    assert data == {
        "types": {"launch": True, "build": True, "cache": True},
        "metadata": {"version": "3.12.1", "arch": "amd64"},
    }


def test_restored_layer_without_types_is_reused_and_types_rewritten(tmp_path: Path) -> None:
    meta = Meta(version="3.12.1", arch="amd64")
    first = open_layer(tmp_path, meta)
    (first.path / "file").write_text("kept")
    first.finish(meta)
    lifecycle_restore(tmp_path)
    assert "types" not in tomlio.load(tmp_path / "python.toml")

    second = open_layer(tmp_path, meta)
    assert second.state == Restored(meta)
    assert (second.path / "file").read_text() == "kept"
    assert tomlio.load(tmp_path / "python.toml")["types"] == TYPES.to_toml()


@pytest.mark.parametrize(
    ("new", "expected"),
    [
        (Meta(version="3.12.2", arch="amd64"), ("the version changed from 3.12.1 to 3.12.2",)),
        (Meta(version="3.12.1", arch="arm64"), ("the arch changed from amd64 to arm64",)),
        (
            Meta(version="3.13.0", arch="arm64"),
            (
                "the version changed from 3.12.1 to 3.13.0",
                "the arch changed from amd64 to arm64",
            ),
        ),
    ],
)
def test_changed_key_discards_with_every_reason(
    tmp_path: Path, new: Meta, expected: tuple[str, ...]
) -> None:
    old = Meta(version="3.12.1", arch="amd64")
    first = open_layer(tmp_path, old)
    (first.path / "file").write_text("old")
    first.finish(old)
    lifecycle_restore(tmp_path)
    (tmp_path / "python.sbom.cdx.json").write_text("{}")

    second = open_layer(tmp_path, new)
    assert second.state == Empty("invalidated", expected)
    assert list(second.path.iterdir()) == []
    assert not (tmp_path / "python.toml").exists()
    assert not (tmp_path / "python.sbom.cdx.json").exists()


def test_integers_restored_as_floats_make_foreign_metadata_unreadable(tmp_path: Path) -> None:
    (tmp_path / "python").mkdir()
    tomlio.write_atomic(tmp_path / "python.toml", {"metadata": {"version": 3.0, "arch": "amd64"}})
    layer = open_layer(tmp_path, Meta(version="3", arch="amd64"))
    assert isinstance(layer.state, Empty)
    assert layer.state.cause == "unreadable"


@pytest.mark.parametrize(
    "content",
    [
        "not toml [",
        "[metadata]\nversion = '3.12.1'\n",  # missing key: another buildpack version wrote it
        "[metadata]\nversion = '3.12.1'\narch = 'amd64'\nextra = 'x'\n",  # unknown key
        "metadata = 5\n",
    ],
)
def test_unreadable_metadata_discards_layer(tmp_path: Path, content: str) -> None:
    (tmp_path / "python").mkdir()
    (tmp_path / "python" / "stale").write_text("x")
    (tmp_path / "python.toml").write_text(content)
    layer = open_layer(tmp_path, Meta(version="3.12.1", arch="amd64"))
    assert isinstance(layer.state, Empty)
    assert layer.state.cause == "unreadable"
    assert list(layer.path.iterdir()) == []


def test_toml_without_directory_counts_as_absent(tmp_path: Path) -> None:
    tomlio.write_atomic(
        tmp_path / "python.toml", {"metadata": {"version": "3.12.1", "arch": "amd64"}}
    )
    layer = open_layer(tmp_path, Meta(version="3.12.1", arch="amd64"))
    assert layer.state == Empty("absent")
    assert read_restored_metadata(tmp_path, "python") is None


def test_interrupted_rebuild_is_not_trusted(tmp_path: Path) -> None:
    """Killed after reset and before finish(): no metadata, so the next build starts over."""
    old = Meta(version="3.12.1", arch="amd64")
    layer = open_layer(tmp_path, old)
    layer.finish(old)
    lifecycle_restore(tmp_path)
    new = Meta(version="3.12.2", arch="amd64")
    half = open_layer(tmp_path, new)
    (half.path / "partial").write_text("half written")
    # ...the build dies here...
    again = open_layer(tmp_path, new)
    assert again.state == Empty("absent")
    assert list(again.path.iterdir()) == []


def test_begin_update_removes_trust_until_finish(tmp_path: Path) -> None:
    meta = Meta(version="3.12.1", arch="amd64")
    layer = open_layer(tmp_path, meta)
    layer.finish(meta)
    layer.begin_update()
    assert not (tmp_path / "python.toml").exists()
    layer.finish(meta)
    assert (tmp_path / "python.toml").exists()


def test_metadata_fields_must_be_strings() -> None:
    with pytest.raises(TypeError, match="must be a str"):

        class Bad(LayerMetadata):
            count: int


@pytest.mark.parametrize("name", ["build", "launch", "store", "python.3", "a/b", "", "x.ignore"])
def test_invalid_layer_names(name: str) -> None:
    with pytest.raises(ValueError, match="invalid layer name"):
        validate_layer_name(name)


def test_fresh_and_removed_layers(tmp_path: Path) -> None:
    (tmp_path / "scratch").mkdir()
    (tmp_path / "scratch" / "old").write_text("x")
    (tmp_path / "scratch.toml").write_text("[types]\n")
    path = fresh_layer(tmp_path, "scratch")
    assert list(path.iterdir()) == []
    assert not (tmp_path / "scratch.toml").exists()
    remove_layer(tmp_path, "scratch")
    assert not path.exists()
