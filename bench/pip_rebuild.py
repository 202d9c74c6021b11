"""No-op rebuild of a pip app versus rebuilding its venv from the warm cache, same run.

    .venv/bin/python bench/pip_rebuild.py [--runs N]

The app is a Django + DRF stack (bench/apps/django_drf, >= 25 distributions). After one cold
build, each run does a no-op rebuild (the venv is reused: pip does not run) and a rebuild after
an option line is toggled in requirements.txt (the venv is rebuilt from the warm pip cache,
which is what a buildpack that recreates the venv on every build pays each time; a changed
requirement line is updated in place instead, bench/pip_one_change.py). Only the build
phase (bin/build) is timed. Goals: no-op at least 10 times faster, and under 1.5 s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from devbuild_timing import BenchApp


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-pip-rebuild-") as scratch:
        app = BenchApp.create(Path(scratch), "django_drf")
        cold = app.build()
        packages = len(list(app.layers_dir.glob("venv/lib/python*/site-packages/*.dist-info")))
        print(f"cold build: build phase {cold.span('build', 'validate'):.2f}s, {packages} packages")
        noop: list[float] = []
        warm: list[float] = []
        requirements = app.app / "requirements.txt"
        original = requirements.read_text()
        for _ in range(args.runs):
            timed = app.build()
            assert any("Using cached virtual environment" in line for line in timed.log)
            noop.append(timed.span("build", "validate"))
            toggled = not requirements.read_text().startswith("--prefer-binary")
            requirements.write_text(("--prefer-binary\n" if toggled else "") + original)
            timed = app.build()
            assert any("Discarding cached virtual environment" in line for line in timed.log)
            warm.append(timed.span("build", "validate"))
        no_op, rebuilt = statistics.median(noop), statistics.median(warm)
        ratio = rebuilt / no_op
        print(f"no-op rebuild, build phase:            median {no_op:.3f}s  {noop}")
        print(f"venv rebuilt from warm cache, build phase: median {rebuilt:.3f}s")
        print(
            f"ratio: {ratio:.1f}x (goal >= 10x) {'OK' if ratio >= 10 else 'UNDER GOAL'}; "
            f"no-op {'OK' if no_op < 1.5 else 'OVER GOAL'} (goal < 1.5s)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
