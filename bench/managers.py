"""Cold build and no-op rebuild of the same dependency set under pip, Pipenv, Poetry and uv.

    .venv/bin/python bench/managers.py [--runs N] [--only pip,uv]

The apps (bench/apps/managers_<manager>) lock the same six distributions (requests, six and
requests' dependencies) with the pinned tools. "cold" is the first build with an empty cache
(tool install and downloads included); "no-op" is the median of N rebuilds with nothing
changed: pip and Pipenv reuse the venv without running, Poetry and uv run once and change
nothing. Only the build phase (bin/build) is timed, plus the dependency step within it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from devbuild_timing import BenchApp

MANAGERS = ("pip", "pipenv", "poetry", "uv")


def bench(manager: str, runs: int) -> tuple[float, float, float, float]:
    """(cold build, cold deps, no-op build median, no-op deps median) in seconds."""
    with tempfile.TemporaryDirectory(prefix=f"bench-{manager}-") as scratch:
        app = BenchApp.create(Path(scratch), f"managers_{manager}")
        cold = app.build()
        assert any(f"Package manager: {manager} with" in line for line in cold.log)
        noop_build: list[float] = []
        noop_deps: list[float] = []
        for _ in range(runs):
            timed = app.build()
            assert any("Using cached virtual environment" in line for line in timed.log)
            noop_build.append(timed.span("build", "validate"))
            noop_deps.append(timed.span("venv", "deps"))
        return (
            cold.span("build", "validate"),
            cold.span("venv", "deps"),
            statistics.median(noop_build),
            statistics.median(noop_deps),
        )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", default=",".join(MANAGERS))
    args = parser.parse_args()
    chosen = [m.strip() for m in args.only.split(",") if m.strip() in MANAGERS]
    results = {manager: bench(manager, args.runs) for manager in chosen}
    print(f"{'':8} {'cold build':>11} {'cold venv':>10} {'no-op build':>12} {'no-op venv':>11}")
    for manager, (cold, cold_venv, noop, noop_venv) in results.items():
        print(f"{manager:8} {cold:10.2f}s {cold_venv:9.2f}s {noop:11.2f}s {noop_venv:10.2f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
