"""A build that runs out of disk: one clear message, exit 1, and nothing half-written kept.

The work directory (the layers, the app copy, the cache) is a small tmpfs in a mount
namespace of the build's own (`unshare -m`), so the disk really fills up while the runtime
is extracted into the python layer. Inside the namespace, after the build, the layers left
behind are listed into a file outside the tmpfs, which disappears with the namespace.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support.devbuild import DevApps

# $1: the directory to mount the tmpfs on; $2: where to list what is left; then the command.
_IN_A_SMALL_TMPFS = r"""
work=$1; report=$2; shift 2
mount -t tmpfs -o size=24m tmpfs "$work" || exit 99
"$@"; status=$?
(cd "$work" && find layers -maxdepth 2 | sort) > "$report"
exit $status
"""


def test_a_full_disk_in_the_python_layer_is_a_clear_refusal(
    dev_app: DevApps, tmp_path: Path
) -> None:
    if shutil.which("unshare") is None:
        pytest.skip("unshare is not installed")
    app = dev_app("pip_basic")
    report = tmp_path / "left-behind.txt"
    wrapper = ["unshare", "-m", "sh", "-c", _IN_A_SMALL_TMPFS, "sh", str(app.work), str(report)]
    result = app.build(wrapper=wrapper, check=False)

    if result.returncode == 99:
        pytest.skip("cannot mount a tmpfs here")
    assert result.returncode == 1, result.log
    assert "ERROR: The build ran out of disk space in the python layer" in result.log
    assert "Give the build more disk" in result.log
    assert "Internal error" not in result.log
    assert "Traceback" not in result.log
    left = report.read_text().split()
    assert not [entry for entry in left if entry.endswith("/python.toml")], left
    assert not [entry for entry in left if entry.endswith("/python")], left
