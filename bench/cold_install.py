"""Cold installs of a pip app: where a first build spends its time, against plain pip and uv.

    .venv/bin/python bench/cold_install.py [--runs N] [--app django_drf] [--local-index]

Each run, with empty caches every time (a new work directory, a new pip cache):

- default: `dev build` of the app (pip), the build phase split by its log lines into the
  runtime (extract, bytecode), the pip tool layer, the venv, the dependencies (download and
  install, pip's own output) and their bytecode;
- plain pip (the baseline): `python -m venv` + `pip install -r requirements.txt`, what
  Heroku's CNB runs, with the same interpreter, pip compiling as it installs (its default);
- uv: `dev build` with `BP_PYTHON_INSTALLER=uv`.

The distributions each one installs are compared (`pip freeze` of every venv); they must be
identical. Goals: the default path at least 1.5x faster than plain pip, the uv path 4x. The
runtime of `dev build` comes from a local archive (no download), plain pip uses an installed
interpreter: both skip the interpreter download a real first build pays.

`--local-index`: every wheel (the app's, pip's and uv's) is downloaded once and served from a
simple index on 127.0.0.1 that all three use, like a mirror next to the build: the network's
noise is gone and what remains is the tools' own work (CPU and disk).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import hashlib
import http.server
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from devbuild_timing import APPS, TLS, BenchApp, Timed
from packaging.utils import parse_wheel_filename

from cnb_python.pins import pin_for

# Log lines that start each part of the default build, in order.
PARTS = (
    ("runtime", "- Installing Python"),
    ("pip tool layer", "- Installing pip"),
    ("uv tool layer", "- Installing uv"),
    ("venv", "- Creating virtual environment"),
    ("dependencies", "  Running: "),
    ("bytecode", "  Compiled bytecode for "),
    ("rest", "- Dependencies ready"),
)


def parts(timed: Timed) -> dict[str, float]:
    """Seconds from each part's first line to the next part's (the last one to [Validating])."""
    starts: list[tuple[str, float]] = []
    for line, stamp in zip(timed.log, timed.stamps, strict=True):
        for name, prefix in PARTS:
            if line.startswith(prefix) and name not in dict(starts):
                if name in ("dependencies", "bytecode") and "venv" not in dict(starts):
                    continue  # a line of an earlier part (the stdlib's bytecode)
                starts.append((name, stamp))
    starts.sort(key=lambda item: item[1])
    ends = [stamp for _, stamp in starts[1:]] + [timed.marks["validate"]]
    result = {"start": starts[0][1] - timed.marks["build"]} if starts else {}
    for (name, stamp), end in zip(starts, ends, strict=True):
        result[name] = end - stamp
    return result


def freeze(python: Path, env: Mapping[str, str], pip: Path) -> list[str]:
    done = subprocess.run(
        [pip, "--python", python, "freeze", "--all", "--disable-pip-version-check"],
        env={**os.environ, **env}, capture_output=True, text=True, check=True,
    )  # fmt: skip
    # What `python -m venv` seeds (pip, and setuptools up to 3.11) is no dependency of the app.
    seeds = ("pip==", "setuptools==") if pip.parent.parent == python.parent.parent else ("pip==",)
    return sorted(line for line in done.stdout.splitlines() if not line.startswith(seeds))


@contextlib.contextmanager
def local_index(root: Path, app: Path) -> Iterator[str]:
    """Download the app's wheels and the pinned pip and uv into `root`, write a PEP 503 page
    (with sha256) per project, and serve it on 127.0.0.1; yields the index URL."""
    files = root / "files"
    series = f"{sys.version_info.major}.{sys.version_info.minor}"
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--only-binary", ":all:",
         "--disable-pip-version-check", "-d", files, "-r", app / "requirements.txt",
         pin_for("pip", series).requirement, pin_for("uv", series).requirement],
        check=True, env={**os.environ, "PIP_FIND_LINKS": ""},
    )  # fmt: skip
    projects: dict[str, list[Path]] = {}
    for wheel in sorted(files.glob("*.whl")):
        projects.setdefault(parse_wheel_filename(wheel.name)[0], []).append(wheel)
    for name, wheels in projects.items():
        page = root / "simple" / name / "index.html"
        page.parent.mkdir(parents=True)
        page.write_text("<html><body>" + "".join(map(_link, wheels)) + "</body></html>\n")
    handler = functools.partial(_Quiet, directory=str(root))
    with _Server(("127.0.0.1", 0), handler) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}/simple/"
        finally:
            server.shutdown()


def _link(wheel: Path) -> str:
    """An anchor with the wheel's sha256 and its core metadata beside it (PEP 658/714), as
    PyPI serves them: without, pip and uv would download whole wheels to resolve."""
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        metadata = archive.read(name)
    wheel.with_name(wheel.name + ".metadata").write_bytes(metadata)
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    meta = f"sha256={hashlib.sha256(metadata).hexdigest()}"
    return (
        f'<a href="../../files/{wheel.name}#sha256={digest}" data-core-metadata="{meta}" '
        f'data-dist-info-metadata="{meta}">{wheel.name}</a>'
    )


class _Server(http.server.ThreadingHTTPServer):
    # uv opens dozens of connections at once: with the default backlog of 5 the kernel drops
    # the rest of the SYNs, which the client resends a second later (seconds per resolve).
    request_queue_size = 256


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def plain(root: Path, app: Path, shared: Mapping[str, str]) -> tuple[float, Path]:
    venv = root / "plain-venv"
    env = {**os.environ, **shared, "PIP_CACHE_DIR": str(root / "plain-cache")}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "venv", venv], check=True, env=env)
    subprocess.run(
        [venv / "bin" / "pip", "install", "-q", "--disable-pip-version-check", "-r",
         app / "requirements.txt"],
        check=True, env=env,
    )  # fmt: skip
    return time.perf_counter() - start, venv


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--app", default="django_drf")
    parser.add_argument("--local-index", action="store_true")
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        # What all three get: the CA settings, and the local index when there is one.
        settings = {k: os.environ[k] for k in TLS if os.environ.get(k)}
        if args.local_index:
            root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-index-")))
            url = stack.enter_context(local_index(root, APPS / args.app))
            settings |= {"PIP_INDEX_URL": url, "UV_DEFAULT_INDEX": url}
            print(f"serving {len(list((root / 'files').glob('*.whl')))} wheels at {url}")
        return measure(args.runs, args.app, settings)


def measure(runs: int, app_name: str, shared: dict[str, str]) -> int:
    totals: dict[str, list[float]] = {"plain pip (baseline)": [], "default (pip)": [], "uv": []}
    split: dict[str, dict[str, list[float]]] = {"default (pip)": {}, "uv": {}}
    same = True
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="bench-cold-") as scratch:
            root = Path(scratch)
            seconds, venv = plain(root, APPS / app_name, shared)
            totals["plain pip (baseline)"].append(seconds)
            pip = venv / "bin" / "pip"
            expected = freeze(venv / "bin" / "python", {}, pip)
            for name, installer in (("default (pip)", "pip"), ("uv", "uv")):
                settings = {"BP_PYTHON_INSTALLER": installer, **shared}
                app = BenchApp.create(root / installer, app_name, settings)
                timed = app.build()
                totals[name].append(timed.span("build", "validate"))
                for part, value in parts(timed).items():
                    split[name].setdefault(part, []).append(value)
                layer = app.layers_dir
                got = freeze(
                    layer / "venv" / "bin" / "python",
                    {"LD_LIBRARY_PATH": str(layer / "python" / "lib")},
                    pip,
                )
                if got != expected:
                    same = False
                    print(f"{name}: installed distributions differ from plain pip:")
                    print(f"  only plain: {sorted(set(expected) - set(got))}")
                    print(f"  only {name}: {sorted(set(got) - set(expected))}")
    print(f"cold installs of bench/apps/{app_name}, {runs} run(s), median seconds:")
    base = statistics.median(totals["plain pip (baseline)"])
    for name, values in totals.items():
        median = statistics.median(values)
        print(f"  {name:22} {median:6.2f}s  {base / median:4.2f}x faster than plain pip")
        for part, spent in split.get(name, {}).items():
            print(f"      {part:16} {statistics.median(spent):6.2f}s")
    pip_x = base / statistics.median(totals["default (pip)"])
    uv_x = base / statistics.median(totals["uv"])
    print(
        f"default {pip_x:.2f}x (goal >= 1.5x) {'OK' if pip_x >= 1.5 else 'UNDER GOAL'}; "
        f"uv {uv_x:.2f}x (goal >= 4x) {'OK' if uv_x >= 4 else 'UNDER GOAL'}; "
        f"pip freeze {'identical' if same else 'DIFFERENT'}"
    )
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
