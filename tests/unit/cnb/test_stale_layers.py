"""Which entries of a layers dir are layers, and removing the ones a buildpack does not know."""

from __future__ import annotations

from pathlib import Path

from cnb_python.cnb import tomlio
from cnb_python.cnb.layers import (
    present_layer_names,
    remove_layers_except,
    remove_stale_temporaries,
)


def restored(layers: Path, name: str, *, directory: bool = True, sbom: bool = False) -> None:
    """A layer as the lifecycle restores it: `[metadata]` only, no `[types]`."""
    tomlio.write_atomic(layers / f"{name}.toml", {"metadata": {"version": "1.0"}})
    if directory:
        (layers / name / "bin").mkdir(parents=True)
        (layers / name / "bin" / "tool").write_text("#!/bin/sh\n")
    if sbom:
        (layers / f"{name}.sbom.cdx.json").write_text("{}")


def test_every_kind_of_leftover_is_a_layer_and_spec_files_are_not(tmp_path: Path) -> None:
    restored(tmp_path, "python", sbom=True)
    restored(tmp_path, "launch-only", directory=False)  # launch layer: metadata, no directory
    (tmp_path / "dir-only").mkdir()  # a build killed before its toml was written
    (tmp_path / "sbom-only.sbom.cdx.json").write_text("{}")
    for special in ("store.toml", "launch.toml", "build.toml", "launch.sbom.cdx.json"):
        (tmp_path / special).write_text("")
    (tmp_path / "old.ignore").mkdir()  # the lifecycle's rename of an ignored layer
    (tmp_path / "notes.txt").write_text("not a layer")

    assert present_layer_names(tmp_path) == {"python", "launch-only", "dir-only", "sbom-only"}


def test_unknown_layers_are_removed_whole_and_known_ones_untouched(tmp_path: Path) -> None:
    restored(tmp_path, "python", sbom=True)
    restored(tmp_path, "poetry-cache")
    restored(tmp_path, "old-thing", sbom=True)
    restored(tmp_path, "old-launch", directory=False)
    (tmp_path / "store.toml").write_text("[metadata]\n")

    removed = remove_layers_except(tmp_path, {"python", "poetry-cache", "venv"})

    assert removed == ["old-launch", "old-thing"]
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "poetry-cache",
        "poetry-cache.toml",
        "python",
        "python.sbom.cdx.json",
        "python.toml",
        "store.toml",
    ]
    assert (tmp_path / "python" / "bin" / "tool").is_file()


def test_nothing_to_remove(tmp_path: Path) -> None:
    assert remove_layers_except(tmp_path / "absent", {"python"}) == []
    restored(tmp_path, "python")
    assert remove_layers_except(tmp_path, {"python"}) == []
    assert (tmp_path / "python.toml").is_file()


def test_temporary_files_a_killed_build_left_are_removed(tmp_path: Path) -> None:
    for name in (".launch.toml.k2j3h4.tmp", ".venv.toml.abc.tmp", ".python.sbom.cdx.json.x.tmp"):
        (tmp_path / name).write_text("half")
    kept = ["venv.toml", "launch.toml", "python.sbom.cdx.json", "store.toml"]
    for name in kept:
        (tmp_path / name).write_text("x")
    (tmp_path / ".dir.tmp").mkdir()  # only files are ours
    (tmp_path / "venv").mkdir()

    assert remove_stale_temporaries(tmp_path) == [
        ".launch.toml.k2j3h4.tmp",
        ".python.sbom.cdx.json.x.tmp",
        ".venv.toml.abc.tmp",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*kept, ".dir.tmp", "venv"])
