"""What the launch image of a pip app holds: bytes per launch layer, and proof no tool or cache
is among them.

    .venv/bin/python bench/launch_image.py [--installer pip|uv] [--app django_drf|one_package]

After `dev build`, the buildpack's layers directory holds exactly the exported launch layers.
The proof lists every path that looks like pip, uv or a cache; it must be empty.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from devbuild_timing import BenchApp

TOOL_NAMES = {"pip", "pip3", "uv", "uvx", "pip-cache", "uv-cache", ".cache", "wheels"}


def _size(path: Path) -> int:
    return sum(p.lstat().st_size for p in path.rglob("*") if not p.is_dir())


def offenders(layers_dir: Path) -> list[str]:
    found = []
    for path in layers_dir.rglob("*"):
        name = path.name
        if name in TOOL_NAMES or (name.startswith(("pip-", "uv-")) and path.is_dir()):
            found.append(str(path.relative_to(layers_dir)))
    return sorted(found)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--installer", choices=("pip", "uv"), default="pip")
    parser.add_argument("--app", choices=("django_drf", "one_package"), default="django_drf")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-launch-") as scratch:
        app = BenchApp.create(Path(scratch), args.app, {"BP_PYTHON_INSTALLER": args.installer})
        app.build()
        total = 0
        for layer in sorted(p for p in app.layers_dir.iterdir() if p.is_dir()):
            size = _size(layer)
            total += size
            print(f"launch layer {layer.name:16} {size / 2**20:8.1f} MiB ({size} bytes)")
        print(f"total launch layers        {total / 2**20:8.1f} MiB ({total} bytes)")
        bad = offenders(app.layers_dir)
        print(f"tool or cache paths in launch layers: {len(bad)}")
        for path in bad:
            print(f"  {path}")
        return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
