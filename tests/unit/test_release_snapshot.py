"""The previous release's snapshot (tests/fixtures/releases/) is what the upgrade tests need:
a reproducible archive (scripts/snapshot_release.py) of a complete source buildpack."""

from __future__ import annotations

import gzip
import tarfile
from pathlib import Path

from cnb_python import __version__
from cnb_python.cnb import tomlio

RELEASES = Path(__file__).parents[1] / "fixtures" / "releases"
PREVIOUS = "0.1.0"


def test_the_snapshot_is_reproducible_and_complete() -> None:
    path = RELEASES / f"cnb-python-{PREVIOUS}.tar.gz"
    raw = path.read_bytes()
    # gzip header: no timestamp (bytes 4-7) and no file name (FLG.FNAME, bit 3 of byte 3).
    assert raw[4:8] == b"\0\0\0\0"
    assert not raw[3] & 0x08
    with tarfile.open(path) as archive:
        members = archive.getmembers()
        names = [member.name for member in members]
        assert names == sorted(names)
        assert {(m.mtime, m.uid, m.gid, m.uname, m.gname) for m in members} == {
            (315532801, 0, 0, "", "")
        }
        assert {m.mode for m in members} <= {0o644, 0o755}
        assert {"bin/build", "bin/detect", "bin/_boot.py", "cnb_python/build.py"} <= set(names)
        assert archive.getmember("bin/build").mode == 0o755
        descriptor = archive.extractfile("buildpack.toml")
        assert descriptor is not None
        version = tomlio.loads(descriptor.read().decode())["buildpack"]["version"]
    assert version == PREVIOUS != __version__
    assert gzip.decompress(raw)  # the whole stream is intact
