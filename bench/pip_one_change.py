"""A one-change rebuild of a pip app versus a no-op rebuild and a clean venv rebuild, same run.

    .venv/bin/python bench/pip_one_change.py [--runs N] [--installer pip|uv]

The app is bench/apps/django_drf (a Django + DRF stack, about 40 distributions). After one
cold build, each run times three rebuilds, build phase only (bin/build):

- no-op: nothing changed, the venv is reused and no installer runs;
- one change: one line of requirements.txt added or removed (`iniconfig==2.0.0`, a leaf
  package, alternately), so the venv is updated in place (`managers/pip_sync.py`);
- clean: an option line toggled (`--prefer-binary`), which rebuilds the venv from scratch from
  the warm cache (what every change cost before, and still costs when an update is uncertain).

Goals: the one-change rebuild at least 5x faster than the clean one, and at most 3x the no-op.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from devbuild_timing import BenchApp

LEAF = "iniconfig==2.0.0\n"
OPTION = "--prefer-binary\n"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--installer", choices=("pip", "uv"), default="pip")
    parser.add_argument("--profile", action="store_true", help="the slowest steps of each")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-pip-one-change-") as scratch:
        app = BenchApp.create(Path(scratch), "django_drf", {"BP_PYTHON_INSTALLER": args.installer})
        cold = app.build()
        packages = len(list(app.layers_dir.glob("venv/lib/python*/site-packages/*.dist-info")))
        print(f"cold build: build phase {cold.span('build', 'validate'):.2f}s, {packages} packages")
        requirements = app.app / "requirements.txt"
        original = requirements.read_text()
        times: dict[str, list[float]] = {"no-op": [], "one change": [], "clean": []}
        leaf = option = False
        for _ in range(args.runs):
            timed = app.build()
            assert any("Using cached virtual environment" in line for line in timed.log)
            assert not any("Updating the virtual environment" in line for line in timed.log)
            times["no-op"].append(timed.span("build", "validate"))

            leaf = not leaf
            requirements.write_text((OPTION if option else "") + original + (LEAF if leaf else ""))
            timed = app.build()
            log = "".join(timed.log)
            assert "- Updating the virtual environment in place" in log, log
            assert "Discarding cached virtual environment" not in log, log
            times["one change"].append(timed.span("build", "validate"))
            if args.profile:
                for gap, line in timed.slowest():
                    print(f"    one change: {gap:5.2f}s after {line[:110]}")

            option = not option
            requirements.write_text((OPTION if option else "") + original + (LEAF if leaf else ""))
            timed = app.build()
            assert any("Discarding cached virtual environment" in line for line in timed.log)
            times["clean"].append(timed.span("build", "validate"))
        median = {name: statistics.median(values) for name, values in times.items()}
        print(f"installer {args.installer}, {args.runs} runs, build phase, median:")
        for name, values in times.items():
            shown = ", ".join(f"{v:.2f}" for v in values)
            print(f"  {name:11} {median[name]:6.2f}s  ({shown})")
        faster = median["clean"] / median["one change"]
        over_noop = median["one change"] / median["no-op"]
        print(
            f"one change: {faster:.1f}x faster than clean (goal >= 5x) "
            f"{'OK' if faster >= 5 else 'UNDER GOAL'}; {over_noop:.1f}x the no-op (goal <= 3x) "
            f"{'OK' if over_noop <= 3 else 'OVER GOAL'}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
