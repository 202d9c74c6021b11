"""`bin/build` on a layers dir an older release left: its unknown layers go first, logged.

The layers dir is what the lifecycle restores (contract §3.5): tomls with `[metadata]` and no
`[types]`, the directories of cached layers, layer SBOMs, `store.toml`. The app asks for a
Python that does not exist, so the build stops at its first check, after the clean-up and
before any download: the test needs no runtime and no network.
"""

from __future__ import annotations

from pathlib import Path

from cnb_python.cnb import tomlio
from cnb_python.dev.targets import host_target
from tests.support.bare_build import LifecycleDirs


def restore(layers: Path, name: str, *, directory: bool) -> None:
    tomlio.write_atomic(layers / f"{name}.toml", {"metadata": {"layer_version": "1"}})
    if directory:
        (layers / name).mkdir()
        (layers / name / "marker").write_text(name)


def test_layers_of_another_release_are_removed_before_anything_else(tmp_path: Path) -> None:
    dirs = LifecycleDirs.create(tmp_path / "lc", {})
    (dirs.app / ".python-version").write_text("3.99\n")
    restore(dirs.layers, "old-thing", directory=False)  # a launch-only layer: metadata only
    restore(dirs.layers, "old-cache", directory=True)  # a cached one: metadata and contents
    (dirs.layers / "old-cache.sbom.cdx.json").write_text("{}")
    # Known layers, including ones this release writes only for some apps, are left alone.
    for known in ("python", "venv", "poetry", "poetry-cache"):
        restore(dirs.layers, known, directory=True)
    tomlio.write_atomic(dirs.layers / "store.toml", {"metadata": {"key": "value"}})

    result = dirs.run(dirs.env(tmp_path, arch=host_target().arch))

    assert result.returncode == 1, result.stdout
    lines = result.stdout.splitlines()
    reason = "this version of the buildpack does not use it (another version made it)"
    assert lines[:2] == [
        f"- Discarding cached layer old-cache: {reason}",
        f"- Discarding cached layer old-thing: {reason}",
    ], result.stdout
    assert "ERROR: The requested Python version isn't recognised" in result.stdout
    assert "Traceback" not in result.stdout
    assert sorted(path.name for path in dirs.layers.iterdir()) == [
        "poetry",
        "poetry-cache",
        "poetry-cache.toml",
        "poetry.toml",
        "python",
        "python.toml",
        "store.toml",
        "venv",
        "venv.toml",
    ]
    assert (dirs.layers / "poetry-cache" / "marker").read_text() == "poetry-cache"
