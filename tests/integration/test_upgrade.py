"""Upgrading the buildpack: build with the previous release, then with this checkout, and back.

The previous release is a source snapshot (`tests/fixtures/releases/`, made by
`scripts/snapshot_release.py`) extracted to a temporary directory and passed to
`cnb-python dev build --buildpack`. `dev` restores each build from the previous one's "image"
and cache exactly as the lifecycle would, so what an operator sees when a builder upgrades
cnb-python (and when it rolls back) is what these tests see: which layers are reused, which are
discarded and why, and that the app still starts.
"""

from __future__ import annotations

import json
import re
import tarfile
from pathlib import Path
from typing import Any

import pytest

from cnb_python import __version__
from cnb_python.cnb import tomlio
from cnb_python.layers import python as python_layer
from tests.support.devbuild import BuildResult, DevApp, DevApps

pytestmark = pytest.mark.network

PREVIOUS = "0.1.0"
RELEASES = Path(__file__).parents[1] / "fixtures" / "releases"
STALE_REASON = "this version of the buildpack does not use it (another version made it)"
PYTHON_LAYOUT_CHANGED = (
    r"^- Discarding cached Python \S+: the buildpack now lays out the Python layer differently$"
)
VENV_LAYOUT_CHANGED = (
    r"^- Discarding cached virtual environment: "
    r"the buildpack now lays out the virtual environment differently$"
)
PIP_LAYOUT_CHANGED = (
    r"^- Discarding cached pip(?: \S+)?: the buildpack now lays out the pip layer differently$"
)
CHANGED_LAYOUTS = {"python": "discarded", "pip": "discarded", "venv": "discarded"}
# How each cached layer names itself in "Using cached ..." / "Discarding cached ..." lines.
LOG_NAMES = {
    "python": r"Python \S+",
    "pip": r"pip(?: \S+)?",
    "pip-cache": "pip download and wheel cache",
    "venv": "virtual environment",
}


@pytest.fixture
def previous_release(tmp_path: Path) -> Path:
    """The previous release's source buildpack, extracted where a test may patch it."""
    root = tmp_path / f"cnb-python-{PREVIOUS}"
    with tarfile.open(RELEASES / f"cnb-python-{PREVIOUS}.tar.gz") as archive:
        archive.extractall(root, filter="data")
    return root


def as_the_previous_release_reads(app: DevApp) -> DevApp:
    """The app's operator catalog without what the previous release cannot read: it refuses
    unknown keys, and `portable` stacks came after it. An operator upgrading has such a
    catalog; one written for this release (with a portable stack) is for this release on."""
    data = tomlio.load(app.catalog)
    data["stacks"] = [stack for stack in data["stacks"] if not stack.get("portable")]
    tomlio.write_atomic(app.catalog, data)
    return app


def build_with(app: DevApp, buildpack: Path | None) -> BuildResult:
    """`dev build` with the buildpack in `buildpack` (None: this checkout), which must pass."""
    result = app.build(buildpack=buildpack)
    assert "Traceback" not in result.log, result.log
    return result


def records(app: DevApp) -> tuple[dict[str, Any], dict[str, Any]]:
    """The layers of the last "image" (its label) and of the cache, by name."""
    image = json.loads((app.work / "image" / "metadata.json").read_text())
    cache = json.loads((app.work / "cache" / "metadata.json").read_text())
    return image["layers"], cache["layers"]


def code_version(app: DevApp) -> str:
    """The `cnb_python.__version__` of the code that ran the last build, from the Python
    layer's SBOM (rewritten by every build): proof of which code ran, not only of which
    buildpack.toml was read."""
    sbom = json.loads((app.work / "image" / "sbom" / "python.sbom.cdx.json").read_text())
    (tool,) = sbom["metadata"]["tools"]["components"]
    assert tool["name"] == "cnb-python"
    return str(tool["version"])


def assert_app_runs(app: DevApp) -> None:
    result = app.run(["python", "app.py"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "six 1.17.0 idna 3.10"


def assert_each_layer_reused_or_discarded(log: str, layers: set[str]) -> dict[str, str]:
    """Every cached layer of the previous build is either reused (its "Using cached" line) or
    discarded with its reasons on one line; returns each layer's decision."""
    decisions = {}
    for name in sorted(layers):
        what = LOG_NAMES[name]
        using = re.search(rf"^- Using cached {what}$", log, re.MULTILINE)
        discarding = re.search(rf"^- Discarding cached {what}: \S.*$", log, re.MULTILINE)
        assert bool(using) != bool(discarding), f"{name}: no single decision in\n{log}"
        decisions[name] = "reused" if using else "discarded"
    return decisions


def add_stale_layer(app: DevApp, name: str) -> None:
    """What an older release that wrote a launch + cache layer `name` leaves behind: the layer
    in the app image (its label and its directory) and in the cache, with the same digest."""
    layer = {
        "launch": True,
        "build": True,
        "cache": True,
        "data": {"layer_version": "1"},
        "sha": f"sha256:old-{name}",
    }
    for path in (app.work / "image" / "metadata.json", app.work / "cache" / "metadata.json"):
        record = json.loads(path.read_text())
        record["layers"][name] = layer
        path.write_text(json.dumps(record))
    for directory in (app.layers_dir / name, app.cache_dir / name):
        (directory / "bin").mkdir(parents=True)
        (directory / "bin" / name).write_text("#!/bin/sh\necho stale\n")
        (directory / "bin" / name).chmod(0o755)


def test_upgrade_from_the_previous_release_and_roll_back(
    dev_app: DevApps, previous_release: Path
) -> None:
    app = as_the_previous_release_reads(dev_app("pip_basic"))
    build_with(app, previous_release)
    assert f"cnb-python/python@{PREVIOUS} passed" in app.log
    # bin/_boot.py puts the buildpack's own directory first on sys.path, ahead of this
    # checkout's editable install: the previous release's code really ran.
    assert code_version(app) == PREVIOUS != __version__
    assert_app_runs(app)
    image, cache = records(app)
    cached_before = {name for name, layer in cache.items() if layer["cache"]}
    assert cached_before == set(LOG_NAMES)

    # An even older release left a layer under a name no current release writes.
    add_stale_layer(app, "old-thing")
    build_with(app, None)
    log = app.log
    assert f"cnb-python/python@{__version__} passed" in log
    assert code_version(app) == __version__
    decisions = assert_each_layer_reused_or_discarded(log, cached_before)
    # The python, pip and venv layers' layouts changed between these releases (unchecked-hash
    # pycs):
    # they are rebuilt, saying why, and everything else is reused.
    assert decisions == {**dict.fromkeys(cached_before, "reused"), **CHANGED_LAYOUTS}, log
    assert re.search(PYTHON_LAYOUT_CHANGED, log, re.MULTILINE), log
    assert re.search(VENV_LAYOUT_CHANGED, log, re.MULTILINE), log
    assert re.search(PIP_LAYOUT_CHANGED, log, re.MULTILINE), log
    assert f"- Discarding cached layer old-thing: {STALE_REASON}" in log
    # Left alone, the lifecycle would only have ignored it ("not kept"), after restoring it.
    assert "Layer old-thing" not in log
    image, cache = records(app)
    assert "old-thing" not in image
    assert "old-thing" not in cache
    assert not (app.layers_dir / "old-thing").exists()
    assert "old-thing" not in json.dumps(app.launch_env())
    # The launch-only layer is rewritten by every build, so a new release ships its new files.
    assert set(image) == {"python", "venv", "web-concurrency"}
    assert_app_runs(app)

    # Rolling back: the previous release reads what this one wrote, and rebuilds only the
    # layers whose layout it does not know.
    build_with(app, previous_release)
    assert code_version(app) == PREVIOUS
    decisions = assert_each_layer_reused_or_discarded(app.log, cached_before)
    assert decisions == {**dict.fromkeys(cached_before, "reused"), **CHANGED_LAYOUTS}, app.log
    assert re.search(PYTHON_LAYOUT_CHANGED, app.log, re.MULTILINE), app.log
    assert_app_runs(app)


def test_a_layer_laid_out_differently_is_discarded_and_rebuilt(
    dev_app: DevApps, previous_release: Path
) -> None:
    # As if the previous release had written the Python layer in an older layout.
    module = previous_release / "cnb_python" / "layers" / "python.py"
    source = module.read_text()
    assert 'LAYER_VERSION = "1"' in source
    module.write_text(source.replace('LAYER_VERSION = "1"', 'LAYER_VERSION = "0"'))
    app = as_the_previous_release_reads(dev_app("pip_basic"))
    build_with(app, previous_release)
    image, _ = records(app)
    assert image["python"]["data"]["layer_version"] == "0"

    build_with(app, None)
    log = app.log
    decisions = assert_each_layer_reused_or_discarded(log, set(LOG_NAMES))
    assert decisions["python"] == "discarded"
    assert re.search(PYTHON_LAYOUT_CHANGED, log, re.MULTILINE), log
    assert re.search(r"^- Installing Python \S+$", log, re.MULTILINE), log
    image, _ = records(app)
    assert image["python"]["data"]["layer_version"] == python_layer.LAYER_VERSION
    assert_app_runs(app)
