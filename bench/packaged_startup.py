"""How long a build waits for the buildpack's own start: a packaged buildpack (with the
unchecked-hash bytecode it ships, and without, as before) against a source checkout, in one run.

For each, `cnb-python dev build` of a pip app once, then no-op rebuilds; per rebuild, the time
from dev's `[Building]` line (bin/build starts) to the buildpack's first line of output, and the
whole bin/build phase (to `[Validating]`). Medians over --runs.

    .venv/bin/python bench/packaged_startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from cnb_python.dev.mirror import write_mirror_catalog  # noqa: E402
from cnb_python.dev.runtime_archive import build_runtime_archive, probe  # noqa: E402
from cnb_python.dev.targets import host_target  # noqa: E402

CLI = [sys.executable, "-m", "cnb_python.cli"]
APP = REPO / "tests" / "fixtures" / "apps" / "pip_basic"
TLS = ("SSL_CERT_FILE", "SSL_CERT_DIR", "PIP_CERT")


def timed_build(buildpack: Path, work: Path, env: dict[str, str]) -> tuple[float, float]:
    """(seconds to the buildpack's first line, seconds of bin/build) of one dev build."""
    argv = [*CLI, "dev", "build", str(APP), "--buildpack", str(buildpack), "--work", str(work),
            "--target", f"linux/{host_target().arch}:ubuntu@24.04"]  # fmt: skip
    for name, value in env.items():
        argv += ["--env", f"{name}={value}"]
    marks: dict[str, float] = {}
    log = []
    with subprocess.Popen(
        argv, env={**os.environ, "NO_COLOR": "1"}, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, cwd=REPO,
    ) as process:  # fmt: skip
        assert process.stdout is not None
        for line in process.stdout:
            now = time.perf_counter()
            log.append(line)
            text = line.strip()
            if text == "[Building]":
                marks["build"] = now
            elif "build" in marks and "first" not in marks and text:
                marks["first"] = now
            if text == "[Validating]":
                marks["end"] = now
    if process.returncode != 0:
        raise SystemExit("".join(log))
    return marks["first"] - marks["build"], marks["end"] - marks["build"]


def package(out: Path, catalog: Path, series: str) -> Path:
    env = {**os.environ, "BP_PYTHON_CATALOG": str(catalog)}
    argv = [*CLI, "package", "--arch", host_target().arch, "--out", str(out),
            "--bootstrap-series", series]  # fmt: skip
    subprocess.run(argv, env=env, cwd=REPO, check=True, stdout=subprocess.DEVNULL)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as scratch:
        root = Path(scratch)
        python = probe(Path(sys.executable))
        archive = build_runtime_archive(python, root / "runtime", layout="standalone")
        catalog = write_mirror_catalog(archive, root / "catalog.toml")
        packaged = package(root / "packaged", catalog, python.series)
        unbytecoded = root / "no-bytecode"
        shutil.copytree(packaged, unbytecoded, symlinks=True)
        for pycache in sorted(unbytecoded.rglob("__pycache__")):
            shutil.rmtree(pycache)
        env = {"BP_PYTHON_CATALOG": str(catalog)}
        env.update({k: os.environ[k] for k in TLS if os.environ.get(k)})
        rows = {"packaged": packaged, "packaged, no bytecode": unbytecoded, "source checkout": REPO}
        results: dict[str, tuple[float, float]] = {}
        for label, buildpack in rows.items():
            work = root / f"work-{len(results)}"
            timed_build(buildpack, work, env)  # the first build installs; the rest are no-ops
            runs = [timed_build(buildpack, work, env) for _ in range(args.runs)]
            results[label] = (
                statistics.median(first for first, _ in runs),
                statistics.median(total for _, total in runs),
            )
    print(f"{'buildpack':<24}{'first line':>12}{'bin/build':>12}  (no-op, median of {args.runs})")
    for label, (first, total) in results.items():
        print(f"{label:<24}{first:>11.2f}s{total:>11.2f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
