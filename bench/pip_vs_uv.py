"""Cold install of the same app with pip versus BP_PYTHON_INSTALLER=uv, from one local wheel dir.

    .venv/bin/python bench/pip_vs_uv.py [--runs N]

The wheels of bench/apps/django_drf (and of pip and uv themselves) are downloaded once into a
local directory; both installers then install from it alone (`PIP_NO_INDEX`/`PIP_FIND_LINKS`,
`UV_NO_INDEX`/`UV_FIND_LINKS`), with the build cache cleared, so neither has a warm cache or
the network. Only the venv step is timed (venv created to dependencies ready, bytecode
included). Goal: uv at least 3 times faster.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from devbuild_timing import APPS, BenchApp

from cnb_python.pins import newest


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-pip-uv-") as scratch:
        wheels = Path(scratch) / "wheels"
        subprocess.run(
            [
                sys.executable, "-m", "pip", "download", "--quiet", "--only-binary", ":all:",
                "-d", wheels, "-r", APPS / "django_drf" / "requirements.txt",
                newest("pip").requirement, newest("uv").requirement,
            ],
            check=True,
            env={**os.environ, "PIP_FIND_LINKS": ""},
        )  # fmt: skip
        local = {
            "PIP_NO_INDEX": "1",
            "PIP_FIND_LINKS": str(wheels),
            "UV_NO_INDEX": "1",
            "UV_FIND_LINKS": str(wheels),
        }
        app = BenchApp.create(Path(scratch) / "build", "django_drf", local)
        times: dict[str, list[float]] = {"pip": [], "uv": []}
        for _ in range(args.runs):
            for installer in ("pip", "uv"):
                timed = app.build({"BP_PYTHON_INSTALLER": installer}, ["--clear-cache"])
                times[installer].append(timed.span("venv", "deps"))
        pip, uv = statistics.median(times["pip"]), statistics.median(times["uv"])
        print(f"wheels: {len(list(wheels.glob('*.whl')))} in a local directory")
        print(f"pip cold venv install: median {pip:.2f}s  {times['pip']}")
        print(f"uv  cold venv install: median {uv:.2f}s  {times['uv']}")
        ratio = pip / uv
        print(f"ratio: uv {ratio:.1f}x faster (goal >= 3x) {'OK' if ratio >= 3 else 'UNDER GOAL'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
