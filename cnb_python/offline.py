"""The offline edition's files: what `cnb-python package --offline` puts in `dependencies/`.

- `dependencies/<sha256>/<file>`: runtime archives, found by the catalog entry's sha256 (so a
  mirror or an operator catalog that names the same archive finds it too); the runtime layer
  still copies them through the downloader, which checks the digest again;
- `dependencies/wheels/`: the pinned pip and uv wheels, installed with `--no-index` when the
  pinned version is there, so a build needs no package index for its own tools.

A source checkout or an online package has no `dependencies/`, and everything downloads as usual.
"""

from __future__ import annotations

from pathlib import Path

BUILDPACK_DIR = Path(__file__).resolve().parents[1]
DEPENDENCIES_DIR = "dependencies"
WHEELS_DIR = "wheels"


def vendored_runtime(sha256: str, buildpack_dir: Path = BUILDPACK_DIR) -> Path | None:
    """The archive carried for this sha256, or None."""
    directory = buildpack_dir / DEPENDENCIES_DIR / sha256.strip().lower()
    if not directory.is_dir():
        return None
    files = sorted(path for path in directory.iterdir() if path.is_file())
    return files[0] if files else None


def wheel_source_args(tool: str, version: str, buildpack_dir: Path = BUILDPACK_DIR) -> list[str]:
    """pip arguments that install `tool==version` from the carried wheels; [] when absent."""
    wheels = buildpack_dir / DEPENDENCIES_DIR / WHEELS_DIR
    if not any(wheels.glob(f"{tool}-{version}-*.whl")):
        return []
    return ["--no-index", "--find-links", str(wheels)]
