"""Measure bin/detect's wall time, interpreter start included (goal: median under 80 ms).

Runs the real shim with a lifecycle-like environment against a small app, many times, and
prints the median and p90 next to a bare `python3 -I -c pass` baseline measured in the same run,
so the figure can be read on a noisy shared machine as a ratio too.

    .venv/bin/python bench/detect.py [--runs 50] [--python PATH]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def timed(argv: list[str], env: dict[str, str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--python", default=sys.executable, help="interpreter on PATH first")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        app = root / "app"
        app.mkdir()
        (app / "requirements.txt").write_text("flask\n")
        (root / "platform" / "env").mkdir(parents=True)
        plan = root / "plan.toml"
        env = {
            "PATH": f"{Path(args.python).parent}:/usr/bin:/bin",
            "HOME": str(root),
            "CNB_BUILDPACK_DIR": str(REPO),
            "CNB_PLATFORM_DIR": str(root / "platform"),
            "CNB_BUILD_PLAN_PATH": str(plan),
            "CNB_TARGET_OS": "linux",
            "CNB_TARGET_ARCH": "amd64",
        }
        detect = [str(REPO / "bin" / "detect")]
        baseline = [args.python, "-I", "-c", "pass"]
        timed(detect, env, app)  # warm the page cache and bytecode cache
        detect_ms = [timed(detect, env, app) for _ in range(args.runs)]
        base_ms = [timed(baseline, env, app) for _ in range(args.runs)]
    med, base = statistics.median(detect_ms), statistics.median(base_ms)
    p90 = statistics.quantiles(detect_ms, n=10)[-1]
    print(f"runs: {args.runs}")
    print(f"bin/detect median: {med:.1f} ms  p90: {p90:.1f} ms  (goal: median < 80 ms)")
    print(f"bare interpreter start median: {base:.1f} ms")
    print(f"ratio detect / bare start: {med / base:.2f}")


if __name__ == "__main__":
    main()
