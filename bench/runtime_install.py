"""Runtime install speed: our download + verify + extract versus `curl | tar -x`, same archive,
same loopback server, same run. Goal: ratio <= 1.3.

    .venv/bin/python bench/runtime_install.py [--python PATH] [--layout L] [--runs N]

Only download and extraction are compared (what `curl | tar` does); the layer's bytecode step
is reported separately because curl and tar have no counterpart to it.
"""

from __future__ import annotations

import argparse
import functools
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cnb_python.archive import extract
from cnb_python.dev.runtime_archive import build_runtime_archive, probe
from cnb_python.download import download
from cnb_python.layers.runtime_tree import compile_stdlib
from cnb_python.output import Output


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def _size(path: Path) -> int:
    return sum(p.lstat().st_size for p in path.rglob("*"))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--python", type=Path, default=Path(sys.executable))
    parser.add_argument("--layout", choices=("standalone", "heroku"), default="standalone")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        archive = build_runtime_archive(probe(args.python), root / "served", layout=args.layout)
        handler = functools.partial(_Quiet, directory=str(root / "served"))
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}/{archive.path.name}"
        tar_flag = "--zstd" if archive.format == "tar.zst" else "-z"
        quiet = Output(stdout=io.StringIO(), stderr=io.StringIO())

        ours: list[float] = []
        theirs: list[float] = []
        for run in range(args.runs):
            dest = root / f"ours-{run}"
            dest.mkdir()
            started = time.perf_counter()
            fetched = download(
                url, root / "dl" / archive.path.name, sha256=archive.sha256, env={}, output=quiet
            )
            extract(
                fetched.path, dest, fmt=archive.format, strip_components=archive.strip_components
            )
            ours.append(time.perf_counter() - started)
            fetched.path.unlink()

            other = root / f"curl-{run}"
            other.mkdir()
            started = time.perf_counter()
            subprocess.run(
                f"curl -fsS {url} | tar -x {tar_flag} --strip-components "
                f"{archive.strip_components} -C {other}",
                shell=True,
                check=True,
            )
            theirs.append(time.perf_counter() - started)
            if run < args.runs - 1:
                shutil.rmtree(other)

        layer = root / f"ours-{args.runs - 1}"
        series = archive.series
        env = {"PATH": os.environ.get("PATH", ""), "LD_LIBRARY_PATH": str(layer / "lib")}
        extracted_size = _size(layer)
        started = time.perf_counter()
        compiled = compile_stdlib(layer, series, env)
        compile_seconds = time.perf_counter() - started
        server.shutdown()

        ratio = statistics.median(ours) / statistics.median(theirs)
        print(f"archive: {archive.path.name}, {archive.path.stat().st_size / 2**20:.1f} MiB")
        print(f"ours (download + sha256 + safe extract): median {statistics.median(ours):.3f}s")
        print(f"curl | tar -x:                          median {statistics.median(theirs):.3f}s")
        print(f"ratio: {ratio:.2f} (goal <= 1.3) {'OK' if ratio <= 1.3 else 'OVER GOAL'}")
        print(f"layer size after extraction: {extracted_size / 2**20:.1f} MiB")
        print(
            f"bytecode step: {compiled} modules in {compile_seconds:.2f}s, "
            f"layer size then {_size(layer) / 2**20:.1f} MiB"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
