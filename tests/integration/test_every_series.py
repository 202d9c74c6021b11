"""Every Python series the built-in catalog offers builds and launches (issue 15, item 1).

The tool pins differ per series (`cnb_python/pins/`): pip 26.3 needs Python 3.10, so 3.8 and
3.9 install older pips. One small pip app per series, built with pip and run in its launch
env; for the oldest series and the two newest, rebuilt with uv as the installer (one uv pin
serves every series; a uv build has no pip layer) and run again. Series
without a CPython on this machine are skipped; 3.8 and 3.9 are end-of-life, hence
`BP_PYTHON_ALLOW_EOL=1`.
"""

from __future__ import annotations

import pytest

from cnb_python.catalog.loader import builtin_catalog
from cnb_python.catalog.models import version_key
from cnb_python.pins import pin_for
from tests.support.devbuild import DevApp, DevApps
from tests.support.runtimes import host_interpreters

OFFERED = sorted({artifact.series for artifact in builtin_catalog().artifacts}, key=version_key)
WITH_UV = {OFFERED[0], *OFFERED[-2:]}


@pytest.mark.parametrize("series", OFFERED)
def test_every_offered_series_builds_and_launches(dev_app: DevApps, series: str) -> None:
    if series not in {python.series for python in host_interpreters()}:
        pytest.skip(f"no CPython {series} on this machine")
    app = dev_app("pip_basic", versions=(series,), env={"BP_PYTHON_ALLOW_EOL": "1"})
    (app.app / ".python-version").write_text(f"{series}\n")
    app.build()
    pip, uv = pin_for("pip", series), pin_for("uv", series)
    assert f"Installing pip {pip.version}" in app.log
    _launches(app, series)
    if series not in WITH_UV:
        return

    app.rebuild(env={"BP_PYTHON_ALLOW_EOL": "1", "BP_PYTHON_INSTALLER": "uv"})
    assert f"Installing uv {uv.version}" in app.log
    assert "the installer changed from pip" in app.log, app.log
    assert not (app.cache_dir / "pip").exists()
    _launches(app, series)


def _launches(app: DevApp, series: str) -> None:
    done = app.run(["python", "app.py"])
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "six 1.17.0 idna 3.10"
    version = app.run(["python", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"])
    assert version.stdout.strip() == series
