"""Measure the packaged buildpack: compressed size per arch, and bin/detect's median with the
bundled interpreter.

Runtimes come from an operator catalog (`--catalog`, default: one made here from this machine's
CPython, also listed as arm64 so both arches can be packaged without the real runtime host; the
arm64 figure then has an amd64 interpreter inside, but its vendored wheels are arm64's). Vendoring
fetches our dependencies from the package index. detect runs as bench/detect.py runs it: the
real shim, a lifecycle-like environment and a bare PATH: as shipped (with the unchecked-hash
bytecode the package carries), and with that bytecode removed (the shim runs the bundled
interpreter with -B, so nothing is written back). The bundled interpreter's bare start is the
floor (the figures move together on a busy machine).

    .venv/bin/python bench/package_size.py [--runs 30] [--catalog FILE] [--series X.Y]
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
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from cnb_python.cnb import tomlio  # noqa: E402
from cnb_python.dev.mirror import mirror_catalog  # noqa: E402
from cnb_python.dev.runtime_archive import build_runtime_archive, probe  # noqa: E402

ARCHES = ("amd64", "arm64")


def host_catalog(out: Path) -> tuple[Path, str]:
    archive = build_runtime_archive(probe(Path(sys.executable)), out, layout="standalone")
    data: dict[str, Any] = mirror_catalog(archive)
    data["artifacts"].append({**data["artifacts"][0], "arch": "arm64"})
    for stack in data["stacks"]:
        stack["archs"] = list(ARCHES)
    path = out / "catalog.toml"
    tomlio.write_atomic(path, data)
    return path, archive.series


def package(arch: str, out: Path, catalog: Path, series: str, fmt: str) -> Path:
    env = {**os.environ, "BP_PYTHON_CATALOG": str(catalog)}
    argv = [
        sys.executable, "-m", "cnb_python.cli", "package", "--arch", arch, "--out", str(out),
        "--bootstrap-series", series, "--format", fmt,
    ]  # fmt: skip
    subprocess.run(argv, env=env, cwd=REPO, check=True, stdout=subprocess.DEVNULL)
    return next(out.glob("*.tgz")) if fmt == "tgz" else out


def tree_size(root: Path) -> int:
    return sum(path.lstat().st_size for path in root.rglob("*") if not path.is_dir())


def detect_times(buildpack: Path, runs: int, *, keep_bytecode: bool) -> list[float]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        app = root / "app"
        app.mkdir()
        (app / "requirements.txt").write_text("flask\n")
        (root / "platform" / "env").mkdir(parents=True)
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": str(root),
            "CNB_BUILDPACK_DIR": str(buildpack),
            "CNB_PLATFORM_DIR": str(root / "platform"),
            "CNB_BUILD_PLAN_PATH": str(root / "plan.toml"),
            "CNB_TARGET_OS": "linux",
            "CNB_TARGET_ARCH": "amd64",
        }
        detect = [str(buildpack / "bin" / "detect")]
        times = []
        for _ in range(runs + 1):
            if not keep_bytecode:
                for cache in list(buildpack.rglob("__pycache__")):
                    shutil.rmtree(cache)
            start = time.perf_counter()
            subprocess.run(detect, env=env, cwd=app, check=True, stdout=subprocess.DEVNULL)
            times.append((time.perf_counter() - start) * 1000)
        return times[1:]  # the first run warms the page cache


def bare_start_times(buildpack: Path, runs: int) -> list[float]:
    """`runtime/bin/python3 -I -c pass` without bytecode: the floor under detect's figure."""
    python = buildpack / "runtime" / "bin" / "python3"
    env = {"PATH": "/usr/bin:/bin", "LD_LIBRARY_PATH": str(buildpack / "runtime" / "lib")}
    times = []
    for _ in range(runs + 1):
        start = time.perf_counter()
        subprocess.run([str(python), "-I", "-B", "-c", "pass"], env=env, check=True)
        times.append((time.perf_counter() - start) * 1000)
    return times[1:]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--catalog", type=Path, help="operator catalog (default: this machine's)")
    parser.add_argument("--series", default="", help="bootstrap series (default: the catalog's)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        catalog, series = (args.catalog, args.series) if args.catalog else host_catalog(root)
        series = args.series or series
        for arch in ARCHES:
            tgz = package(arch, root / f"tgz-{arch}", catalog, series, "tgz")
            tree = package(arch, root / f"dir-{arch}", catalog, series, "dir")
            print(
                f"{arch}: {tgz.stat().st_size / 1048576:.1f} MiB compressed (.tgz), "
                f"{tree_size(tree) / 1048576:.1f} MiB unpacked "
                f"(runtime {tree_size(tree / 'runtime') / 1048576:.1f}, "
                f"vendor {tree_size(tree / 'vendor') / 1048576:.1f})"
            )
        buildpack = root / "dir-amd64"
        pycs = sum(path.lstat().st_size for path in buildpack.rglob("*.pyc"))
        print(f"amd64: of which bytecode (unchecked-hash pycs) {pycs / 1048576:.1f} MiB")
        bare = statistics.median(bare_start_times(buildpack, args.runs))
        print(f"bundled Python {series}, bare start (-I -c pass): {bare:.1f} ms")
        # As shipped first; then with every pyc removed, as packages were before 0.2.0.
        for keep, label in ((True, "as shipped (bytecode)"), (False, "without bytecode")):
            times = detect_times(buildpack, args.runs, keep_bytecode=keep)
            p90 = statistics.quantiles(times, n=10)[-1]
            print(
                f"bin/detect, bundled Python {series}, {label}: median "
                f"{statistics.median(times):.1f} ms, p90 {p90:.1f} ms ({args.runs} runs)"
            )


if __name__ == "__main__":
    main()
