"""The rebuild simulator against contract §3.5, one row of the restore table at a time.

A "build" here is a layers dir written by the test; `export` turns it into the local image and
cache, and `prepare_rebuild` produces what the lifecycle would leave before the next build.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from cnb_python import proc
from cnb_python.cnb import tomlio
from cnb_python.dev.image import LayerRecord, Record, cache_record_path, export
from cnb_python.dev.restore import ints_to_floats, prepare_rebuild
from cnb_python.dev.validate import LayerTypes
from cnb_python.dev.workdir import WorkDir
from cnb_python.output import Output

BP = "test/bp"


@pytest.fixture(autouse=True)
def _trash_removed_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """The work dir deletes discarded trees with a background `rm -rf`; the unit tier starts
    no programs, so the tree goes in-process here."""

    def remove(argv: Sequence[str], *, env: Mapping[str, str]) -> None:
        assert list(argv[:3]) == ["rm", "-rf", "--"]
        shutil.rmtree(argv[3], ignore_errors=True)

    monkeypatch.setattr(proc, "start_detached", remove)


def _output() -> Output:
    return Output(stdout=io.StringIO(), stderr=io.StringIO())


def _build(work: WorkDir, layers: dict[str, LayerTypes], *, store: str | None = None) -> None:
    """Write every layer (dir with a file, toml with types and metadata), then export it."""
    layers_dir = work.buildpack_layers(BP)
    layers_dir.mkdir(parents=True, exist_ok=True)
    for name, types in layers.items():
        (layers_dir / name).mkdir(exist_ok=True)
        (layers_dir / name / "file").write_text(name)
        tomlio.write_atomic(
            layers_dir / f"{name}.toml",
            {"types": vars(types), "metadata": {"name": name, "count": 3}},
        )
        (layers_dir / f"{name}.sbom.cdx.json").write_text("{}")
    (layers_dir / "launch.toml").write_text('[[processes]]\ntype = "web"\ncommand = ["x"]\n')
    (layers_dir / "build.toml").write_text("")
    (layers_dir / "launch.sbom.cdx.json").write_text("{}")
    (layers_dir / "build.sbom.cdx.json").write_text("{}")
    if store is not None:
        (layers_dir / "store.toml").write_text(store)
    export(work, BP, layers, None, _output())


def _rebuild(work: WorkDir, **options: object) -> dict[str, str]:
    settings: dict[str, object] = {
        "clear_cache": False,
        "no_previous_image": False,
        "platform_api": "0.15",
    }
    settings.update(options)
    prepare_rebuild(work, BP, output=_output(), **settings)  # type: ignore[arg-type]
    layers_dir = work.buildpack_layers(BP)
    return {
        str(p.relative_to(layers_dir)): p.read_text() if p.is_file() else "<dir>"
        for p in sorted(layers_dir.rglob("*"))
    }


RESTORED_TOML = '[metadata]\ncount = 3.0\nname = "{}"\n'  # keys sorted, as Go writes maps


@pytest.fixture
def work(tmp_path: Path) -> WorkDir:
    return WorkDir(tmp_path / "work")


def test_launch_only_keeps_the_toml_without_the_directory(work: WorkDir) -> None:
    _build(work, {"layer": LayerTypes(launch=True)})
    assert _rebuild(work) == {
        "layer.toml": RESTORED_TOML.format("layer"),
        "layer.sbom.cdx.json": "{}",
    }


def test_launch_and_build_without_cache_is_gone(work: WorkDir) -> None:
    _build(work, {"layer": LayerTypes(launch=True, build=True)})
    # Its SBOM still comes back from the image, as the lifecycle's SBOM restorer does.
    assert _rebuild(work) == {"layer.sbom.cdx.json": "{}"}


@pytest.mark.parametrize("build", [False, True])
def test_launch_and_cache_restores_toml_and_directory(work: WorkDir, build: bool) -> None:
    _build(work, {"layer": LayerTypes(launch=True, build=build, cache=True)})
    assert _rebuild(work) == {
        "layer": "<dir>",
        "layer/file": "layer",
        "layer.toml": RESTORED_TOML.format("layer"),
        "layer.sbom.cdx.json": "{}",
    }


@pytest.mark.parametrize("build", [False, True])
def test_cache_only_restores_toml_and_directory(work: WorkDir, build: bool) -> None:
    _build(work, {"layer": LayerTypes(build=build, cache=True)})
    assert _rebuild(work) == {
        "layer": "<dir>",
        "layer/file": "layer",
        "layer.toml": RESTORED_TOML.format("layer"),
        "layer.sbom.cdx.json": "{}",
    }


@pytest.mark.parametrize("types", [LayerTypes(build=True), LayerTypes()])
def test_build_only_or_nothing_is_gone(work: WorkDir, types: LayerTypes) -> None:
    _build(work, {"layer": types})
    assert _rebuild(work) == {}


def test_build_level_files_are_never_restored_and_store_comes_from_the_image(
    work: WorkDir,
) -> None:
    _build(work, {}, store='[metadata]\nversion = "3.12"\nbuilds = 4\n')
    assert _rebuild(work) == {"store.toml": '[metadata]\nbuilds = 4.0\nversion = "3.12"\n'}


def test_integers_come_back_as_floats_at_any_depth() -> None:
    assert ints_to_floats({"a": 1, "b": [2, {"c": 3}], "d": True, "e": "4", "f": 1.5}) == {
        "a": 1.0,
        "b": [2.0, {"c": 3.0}],
        "d": True,
        "e": "4",
        "f": 1.5,
    }


def test_datetimes_come_back_as_strings(work: WorkDir) -> None:
    layers_dir = work.buildpack_layers(BP)
    layers_dir.mkdir(parents=True)
    (layers_dir / "layer").mkdir()
    (layers_dir / "layer.toml").write_text(
        "[types]\ncache = true\n[metadata]\nwhen = 2024-01-02T03:04:05Z\n"
    )
    export(work, BP, {"layer": LayerTypes(cache=True)}, None, _output())
    assert _rebuild(work)["layer.toml"] == '[metadata]\nwhen = "2024-01-02T03:04:05+00:00"\n'


ALL_KINDS = {
    "launchonly": LayerTypes(launch=True),
    "launchcache": LayerTypes(launch=True, cache=True),
    "cacheonly": LayerTypes(cache=True),
}


def test_clear_cache_restores_only_launch_only_metadata_and_store(work: WorkDir) -> None:
    _build(work, ALL_KINDS, store="[metadata]\na = 'b'\n")
    restored = _rebuild(work, clear_cache=True)
    assert sorted(name for name in restored if not name.endswith(".sbom.cdx.json")) == [
        "launchonly.toml",
        "store.toml",
    ]


def test_no_previous_image_restores_from_the_cache_only(work: WorkDir) -> None:
    _build(work, ALL_KINDS, store="[metadata]\na = 'b'\n")
    restored = _rebuild(work, no_previous_image=True)
    assert "store.toml" not in restored
    assert "launchonly.toml" not in restored
    # Platform API >= 0.14: launch+cache metadata falls back to the cache.
    assert restored["launchcache.toml"] == RESTORED_TOML.format("launchcache")
    assert restored["launchcache/file"] == "launchcache"
    assert restored["cacheonly.toml"] == RESTORED_TOML.format("cacheonly")


def test_kpack_platform_api_0_9_has_no_cache_fallback_for_launch_layers(work: WorkDir) -> None:
    _build(work, ALL_KINDS)
    restored = _rebuild(work, no_previous_image=True, platform_api="0.9")
    assert "launchcache.toml" not in restored
    assert "launchcache" not in restored
    assert restored["cacheonly.toml"] == RESTORED_TOML.format("cacheonly")


def test_a_layer_whose_image_and_cache_digests_differ_is_removed(work: WorkDir) -> None:
    _build(work, {"layer": LayerTypes(launch=True, cache=True)})
    record = Record.load(cache_record_path(work), BP)
    assert record is not None
    record.layers["layer"] = LayerRecord(True, False, True, {"name": "layer"}, "sha256:other")
    record.save(cache_record_path(work))
    assert _rebuild(work) == {"layer.sbom.cdx.json": "{}"}


def test_export_leaves_only_the_image_filesystem_mounted(work: WorkDir) -> None:
    _build(work, {**ALL_KINDS, "buildonly": LayerTypes(build=True)})
    layers_dir = work.buildpack_layers(BP)
    assert sorted(p.name for p in layers_dir.iterdir()) == ["launchcache", "launchonly"]
    assert (work.image / "launch.toml").exists()
    assert (work.cache / "layers" / "cacheonly" / "file").read_text() == "cacheonly"
