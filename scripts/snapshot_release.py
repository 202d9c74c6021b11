"""Write a reproducible source snapshot of a released buildpack, for the upgrade tests.

`tests/integration/test_upgrade.py` builds an app with the previous release, then with this
checkout, so what an operator sees when upgrading (and rolling back) is tested end to end.
The previous release is kept as a small tarball of exactly what a source buildpack needs to
run (`buildpack.toml`, `bin/`, `cnb_python/`, `requirements/`, `pyproject.toml`), taken from
git, not from the working tree, so a local edit can never leak into "the previous release".

The bytes depend only on the commit: members sorted by name, a fixed mtime, owner 0/0 with no
names, modes 0644 or 0755, and a gzip header without timestamp or file name. Regenerating from
the same ref gives the same file, so a diff of the fixture means the release changed.

Usage: python scripts/snapshot_release.py REF OUT.tar.gz
"""

from __future__ import annotations

import argparse
import gzip
import io
import os
import sys
import tarfile
import tempfile
from pathlib import Path

from cnb_python import proc
from cnb_python.errors import CommandFailed
from cnb_python.output import Output

REPO = Path(__file__).resolve().parents[1]
PATHS = ("buildpack.toml", "bin", "cnb_python", "requirements", "pyproject.toml")
# 1980-01-01T00:00:01Z, the mtime the lifecycle gives every file of an exported layer.
MTIME = 315532801


def _git_archive(ref: str, repo: Path) -> bytes:
    """The tree of `ref` limited to PATHS, as git's own (unsorted, timestamped) tar."""
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/")}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "archive.tar"
        proc.run(
            ["git", "-C", repo, "archive", "--format=tar", f"--output={out}", ref, "--", *PATHS],
            env=env,
            capture=True,
        )
        return out.read_bytes()


def _normalised(member: tarfile.TarInfo) -> tarfile.TarInfo:
    clean = tarfile.TarInfo(member.name.rstrip("/"))
    clean.type = member.type
    clean.size = member.size
    clean.linkname = member.linkname
    clean.mtime = MTIME
    clean.uid = clean.gid = 0
    clean.uname = clean.gname = ""
    executable = member.isdir() or member.issym() or member.mode & 0o111
    clean.mode = 0o755 if executable else 0o644
    return clean


def snapshot(ref: str, out: Path, repo: Path = REPO) -> int:
    """Write the snapshot of `ref` to `out`; returns the number of files in it."""
    files = 0
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    with (
        tarfile.open(fileobj=io.BytesIO(_git_archive(ref, repo)), mode="r:") as source,
        partial.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as zipped,
        tarfile.open(fileobj=zipped, mode="w:", format=tarfile.PAX_FORMAT) as target,
    ):
        members = sorted(
            (m for m in source.getmembers() if m.isfile() or m.isdir() or m.issym()),
            key=lambda m: m.name.rstrip("/"),
        )
        for member in members:
            data = source.extractfile(member) if member.isfile() else None
            target.addfile(_normalised(member), data)
            files += member.isfile()
    partial.replace(out)
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ref", help="a commit or tag of this repository, e.g. v0.1.0 or 202483e")
    parser.add_argument("out", type=Path, help="the .tar.gz to write")
    args = parser.parse_args(argv)
    try:
        count = snapshot(args.ref, args.out)
    except CommandFailed as error:
        Output().error(error.message())
        return 1
    print(f"Wrote {args.out} ({count} files, {args.out.stat().st_size} bytes) from {args.ref}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
