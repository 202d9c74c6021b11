"""The offline edition's files: what `cnb-python package --offline` puts in `dependencies/`.

- `dependencies/<sha256>/<file>`: runtime archives, found by the catalog entry's sha256 (so a
  mirror or an operator catalog that names the same archive finds it too); the runtime layer
  still copies them through the downloader, which checks the digest again;
- `dependencies/wheels/`: one flat directory of wheels, every file once: the pinned pip and uv
  wheels (neither depends on the interpreter's series), and the pinned Pipenv and Poetry with
  their whole dependency closure for each carried series. Pure and abi3 wheels serve every
  series from the one copy; only binary dependencies (rapidfuzz, msgpack, cffi, ...) have one
  `cpXY` wheel per series. pip picks the wheels that fit the interpreter it installs for;
- `dependencies/closures/<series>.txt`: one `tool==version` line for each tool whose closure for
  that series (and the package's arch) is complete in `wheels/`. The packager writes it after
  the download succeeded, so its presence is the promise that `--no-index` cannot fail for
  lack of a wheel.

pip and uv install alone (no dependencies), so their own wheel is enough for any series. Pipenv
and Poetry install with their dependencies into a venv of the app's Python, so they use the
carried wheels only when the closure file of that series lists their pinned version; a build
for a series the package does not carry installs them from the package index, as an online
package does. A source checkout or an online package has no `dependencies/`, and everything
downloads as usual.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

BUILDPACK_DIR = Path(__file__).resolve().parents[1]
DEPENDENCIES_DIR = "dependencies"
WHEELS_DIR = "wheels"
CLOSURES_DIR = "closures"


def vendored_runtime(sha256: str, buildpack_dir: Path = BUILDPACK_DIR) -> Path | None:
    """The archive carried for this sha256, or None."""
    directory = buildpack_dir / DEPENDENCIES_DIR / sha256.strip().lower()
    if not directory.is_dir():
        return None
    files = sorted(path for path in directory.iterdir() if path.is_file())
    return files[0] if files else None


def closure_file(series: str, buildpack_dir: Path = BUILDPACK_DIR) -> Path:
    return buildpack_dir / DEPENDENCIES_DIR / CLOSURES_DIR / f"{series}.txt"


def write_closures(series: str, pins: Iterable[str], buildpack_dir: Path) -> Path:
    """Record that `wheels/` holds the closure of each `tool==version` pin for `series`."""
    path = closure_file(series, buildpack_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{pin}\n" for pin in sorted(pins)), encoding="utf-8")
    return path


def carried_closures(series: str, buildpack_dir: Path = BUILDPACK_DIR) -> frozenset[str]:
    """The `tool==version` pins whose closure for `series` is carried (lower-case names)."""
    try:
        text = closure_file(series, buildpack_dir).read_text(encoding="utf-8")
    except FileNotFoundError:
        return frozenset()
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def carried_wheels(tool: str, version: str, wheels_dir: Path | None = None) -> list[Path]:
    """The carried wheels of `tool==version` (every platform the package carries), none for a
    package that carries no wheels."""
    wheels = wheels_dir or BUILDPACK_DIR / DEPENDENCIES_DIR / WHEELS_DIR
    return sorted(wheels.glob(f"{tool}-{version}-*.whl")) if wheels.is_dir() else []


def wheel_source_args(
    tool: str,
    version: str,
    *,
    series: str | None = None,
    buildpack_dir: Path = BUILDPACK_DIR,
) -> list[str]:
    """pip arguments that install `tool==version` from the carried wheels; [] when absent.

    `series`: the Python series the tool is installed for *with its dependencies* (Pipenv,
    Poetry); None for a tool installed alone (pip, uv), for which its own wheel is enough.
    """
    wheels = buildpack_dir / DEPENDENCIES_DIR / WHEELS_DIR
    if series is None:
        carried = any(wheels.glob(f"{tool}-{version}-*.whl"))
    else:
        carried = f"{tool}=={version}".lower() in carried_closures(series, buildpack_dir)
    if not carried:
        return []
    return ["--no-index", "--find-links", str(wheels)]
