"""The reuse-or-install decision every cached layer shares (`cnb_python.layers.reuse`).

Real layer directories in a temp dir, real metadata models, and install/refresh callbacks that
are plain functions; each case asserts the log lines and what the next build would find.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest

from cnb_python.cnb import tomlio
from cnb_python.cnb.layers import LayerMetadata, LayerTypes
from cnb_python.layers.declared import CachedLayerDecl
from cnb_python.layers.reuse import reuse_or_install
from cnb_python.output import Output

TYPES = LayerTypes(launch=True, build=True, cache=True)
NAME = "runtime"


class Meta(LayerMetadata):
    version: str
    arch: str


OLD = Meta(version="3.12.1", arch="amd64")


def reasons(cached: Meta, new: Meta) -> list[str]:
    found = []
    if cached.version != new.version:
        found.append(f"the version changed from {cached.version} to {new.version}")
    if cached.arch != new.arch:
        found.append(f"the arch changed from {cached.arch} to {new.arch}")
    return found


def write_program(layer: Path) -> None:
    (layer / "bin").mkdir()
    (layer / "bin" / "program").write_text("v1\n")


def complete(layer: Path) -> bool:
    return (layer / "bin" / "program").is_file()


def run(
    layers: Path,
    new: Meta,
    *,
    install: Callable[[Path], None] = write_program,
    refresh: Callable[[Path, Meta], None] | None = None,
    announce: bool = True,
    labelled: bool = True,
) -> tuple[Path, list[str]]:
    log = io.StringIO()
    declared = CachedLayerDecl(
        name=NAME,
        types=TYPES,
        model=Meta,
        invalidation_reasons=reasons,
        complete=lambda path, _: complete(path),
        previous=(lambda old: f"program {old.version}" if old else "program") if labelled else None,
    )
    path = reuse_or_install(
        layers,
        declared,
        new,
        what=f"program {new.version}",
        install=install,
        refresh=refresh,
        announce=announce,
        output=Output(log, log),
    )
    return path, log.getvalue().splitlines()


def restore(layers: Path) -> None:
    """What the lifecycle hands the next build: `[metadata]` only, no `[types]`."""
    data = tomlio.load(layers / f"{NAME}.toml")
    tomlio.write_atomic(layers / f"{NAME}.toml", {"metadata": data["metadata"]})


def stored(layers: Path) -> dict[str, object]:
    return tomlio.load(layers / f"{NAME}.toml")


def built(layers: Path, metadata: Meta = OLD) -> None:
    run(layers, metadata)
    restore(layers)


def test_absent_layer_is_installed_without_a_discard_line(tmp_path: Path) -> None:
    path, lines = run(tmp_path, OLD)
    assert lines == ["- Installing program 3.12.1"]
    assert path == tmp_path / NAME
    assert complete(path)
    assert stored(tmp_path) == {"types": TYPES.to_toml(), "metadata": OLD.model_dump()}


def test_restored_complete_layer_is_reused_and_its_types_rewritten(tmp_path: Path) -> None:
    built(tmp_path)
    installs: list[Path] = []
    _, lines = run(tmp_path, OLD, install=installs.append)
    assert lines == ["- Using cached program 3.12.1"]
    assert installs == []
    assert stored(tmp_path)["types"] == TYPES.to_toml()
    assert (tmp_path / NAME / "bin" / "program").read_text() == "v1\n"


def test_restored_incomplete_layer_is_discarded_and_rebuilt_from_empty(tmp_path: Path) -> None:
    built(tmp_path)
    (tmp_path / NAME / "bin" / "program").unlink()
    (tmp_path / NAME / "leftover").write_text("old")
    _, lines = run(tmp_path, OLD)
    assert lines == [
        "- Discarding cached program 3.12.1: some of its files are missing",
        "- Installing program 3.12.1",
    ]
    assert not (tmp_path / NAME / "leftover").exists()
    assert stored(tmp_path)["metadata"] == OLD.model_dump()


def test_invalidated_layer_names_the_previous_one_and_every_reason(tmp_path: Path) -> None:
    built(tmp_path)
    new = Meta(version="3.13.0", arch="arm64")
    _, lines = run(tmp_path, new)
    assert lines == [
        "- Discarding cached program 3.12.1: the version changed from 3.12.1 to 3.13.0; "
        "the arch changed from amd64 to arm64",
        "- Installing program 3.13.0",
    ]
    assert stored(tmp_path)["metadata"] == new.model_dump()


def test_the_discard_line_names_the_layer_when_no_label_is_given(tmp_path: Path) -> None:
    built(tmp_path)
    _, lines = run(tmp_path, Meta(version="3.13.0", arch="amd64"), labelled=False)
    assert lines[0] == f"- Discarding cached {NAME}: the version changed from 3.12.1 to 3.13.0"


@pytest.mark.parametrize(
    "metadata",
    [
        {"version": 3.12, "arch": "amd64"},  # an integer or float the JSON round trip changed
        {"version": "3.12.1", "arch": "amd64", "series": "3.12"},  # another buildpack version
    ],
)
def test_unreadable_metadata_is_discarded_without_a_previous_name(
    tmp_path: Path, metadata: dict[str, object]
) -> None:
    built(tmp_path)
    tomlio.write_atomic(tmp_path / f"{NAME}.toml", {"metadata": metadata})
    _, lines = run(tmp_path, OLD)
    assert lines == [
        "- Discarding cached program: its metadata could not be read "
        "(damaged, or written by another buildpack version)",
        "- Installing program 3.12.1",
    ]
    assert stored(tmp_path)["metadata"] == OLD.model_dump()


def test_a_toml_without_its_directory_is_absent(tmp_path: Path) -> None:
    built(tmp_path)
    (tmp_path / NAME / "bin" / "program").unlink()
    (tmp_path / NAME / "bin").rmdir()
    (tmp_path / NAME).rmdir()
    _, lines = run(tmp_path, OLD)
    assert lines == ["- Installing program 3.12.1"]


def test_announce_false_leaves_the_install_line_to_the_layer(tmp_path: Path) -> None:
    built(tmp_path)
    _, lines = run(tmp_path, Meta(version="3.13.0", arch="amd64"), announce=False)
    assert lines == [
        "- Discarding cached program 3.12.1: the version changed from 3.12.1 to 3.13.0"
    ]


def fail_half_way(layer: Path) -> None:
    (layer / "half").write_text("written")
    raise RuntimeError("install failed")


def test_a_failed_install_removes_the_layer(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="install failed"):
        run(tmp_path, OLD, install=fail_half_way)
    assert not (tmp_path / NAME).exists()
    assert not (tmp_path / f"{NAME}.toml").exists()
    # The next build starts from nothing: no discard line, a clean install.
    _, lines = run(tmp_path, OLD)
    assert lines == ["- Installing program 3.12.1"]
    assert not (tmp_path / NAME / "half").exists()


def test_a_failed_rebuild_of_an_invalidated_layer_removes_the_old_one_too(tmp_path: Path) -> None:
    built(tmp_path)
    with pytest.raises(RuntimeError):
        run(tmp_path, Meta(version="3.13.0", arch="amd64"), install=fail_half_way)
    assert not (tmp_path / NAME).exists()
    assert not (tmp_path / f"{NAME}.toml").exists()


def test_refresh_updates_a_reused_layer_in_place_without_trusting_it_meanwhile(
    tmp_path: Path,
) -> None:
    built(tmp_path)
    seen: list[tuple[Meta, bool, str]] = []

    def refresh(layer: Path, cached: Meta) -> None:
        seen.append(
            (
                cached,
                (tmp_path / f"{NAME}.toml").exists(),
                (layer / "bin" / "program").read_text(),
            )
        )
        (layer / "bin" / "program").write_text("v2\n")

    _, lines = run(tmp_path, OLD, refresh=refresh)
    assert lines == ["- Using cached program 3.12.1"]
    assert seen == [(OLD, False, "v1\n")]
    assert (tmp_path / NAME / "bin" / "program").read_text() == "v2\n"
    assert stored(tmp_path) == {"types": TYPES.to_toml(), "metadata": OLD.model_dump()}


def test_refresh_writes_this_builds_metadata(tmp_path: Path) -> None:
    # A key function that tolerates some change (Poetry and uv sync in place): the restored
    # metadata goes to the hook, the new metadata is what the next build sees.
    built(tmp_path)
    new = Meta(version="3.12.1", arch="arm64")
    got: list[Meta] = []
    log = io.StringIO()
    tolerant = CachedLayerDecl(
        name=NAME,
        types=TYPES,
        model=Meta,
        invalidation_reasons=lambda cached, new: [],
        complete=lambda path, _: complete(path),
    )
    reuse_or_install(
        tmp_path,
        tolerant,
        new,
        what="program",
        install=write_program,
        refresh=lambda layer, cached: got.append(cached),
        output=Output(log, log),
    )
    assert got == [OLD]
    assert stored(tmp_path)["metadata"] == new.model_dump()


def test_a_failed_refresh_removes_the_layer(tmp_path: Path) -> None:
    built(tmp_path)

    def refresh(layer: Path, cached: Meta) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(tmp_path, OLD, refresh=refresh)
    assert not (tmp_path / NAME).exists()
    assert not (tmp_path / f"{NAME}.toml").exists()


def test_a_discarded_layer_is_installed_not_refreshed(tmp_path: Path) -> None:
    built(tmp_path)
    refreshed: list[Meta] = []
    _, lines = run(
        tmp_path,
        Meta(version="3.13.0", arch="amd64"),
        refresh=lambda layer, cached: refreshed.append(cached),
    )
    assert refreshed == []
    assert lines[-1] == "- Installing program 3.13.0"
