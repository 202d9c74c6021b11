"""App start in the image: importing a Django + DRF app's WSGI module, by kind of bytecode.

    .venv/bin/python bench/app_start.py [--runs N] [--rounds N]

The app is bench/apps/django_site (Django, DRF, django-filter, drf-spectacular, whitenoise,
corsheaders; its wsgi module also loads the URL conf, as the first request would). After one
`dev build`, the launch layers and the workspace are put under the image's conditions: every
mtime 1980, no write bit anywhere, and the import runs as another user (1001:1001, when this
runs as root) with the launch env. Then, in the same run, the import is timed with:

- unchecked-hash: the pycs this build wrote (standard library and site-packages);
- checked-hash: the same modules compiled checked-hash, what earlier releases shipped;
- no pycs: every `__pycache__` hidden, so each start compiles in memory (and cannot write);
- unchecked-hash + app code: as the first, plus checked-hash pycs for the app's own modules
  (what compiling the app directory would add, docs/bytecode.md);
- warm local venv (the baseline): `python -m venv` + `pip install -r requirements.txt` with
  the same interpreter, the app in a writable directory, run twice first so every pyc
  (timestamp, the default) is written and current, as on a developer's machine.

Each variant runs `--runs` times per round (after two untimed starts), rounds interleave the
variants; the figure is the median wall time of the whole interpreter start plus import, and
its ratio to the warm local venv. Goal: unchecked-hash within 5% of the warm local venv, and
never slower than checked-hash.
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
from collections.abc import Callable, Mapping
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from devbuild_timing import TLS, BenchApp

from cnb_python.dev.launch import base_env, launch_env

RUN_USER = (1001, 1001)
MTIME = 315532800  # 1980-01-01T00:00:00Z
IMPORT = "import benchsite.wsgi"
STASHES = ("unchecked", "checked")


def walk_all(root: Path) -> list[Path]:
    return [root, *root.rglob("*")]


def image_conditions(*roots: Path) -> None:
    """1980 mtimes and no write bits, as the exporter leaves them."""
    for root in roots:
        for path in walk_all(root):
            if not path.is_symlink():
                mode = path.stat().st_mode
                path.chmod(mode & ~0o222)
            os.utime(path, (MTIME, MTIME), follow_symlinks=False)


def pycache_dirs(*roots: Path) -> list[Path]:
    return sorted(p for root in roots for p in root.rglob("__pycache__") if p.is_dir())


class Bytecode:
    """Switches every `__pycache__` of the layers between stashed kinds by renaming."""

    def __init__(self, python: Path, roots: tuple[Path, ...], env: Mapping[str, str]) -> None:
        self.dirs = pycache_dirs(*roots)
        for directory in self.dirs:
            shutil.copytree(directory, directory.with_name("__pycache__.unchecked"))
        subprocess.run(
            [python, "-I", "-W", "ignore", "-m", "compileall", "-qq", "-f", "-j", "0",
             "--invalidation-mode", "checked-hash", *map(str, roots)],
            env=env, check=False,
        )  # fmt: skip
        for directory in self.dirs:
            directory.rename(directory.with_name("__pycache__.checked"))
        self.active = ""

    def use(self, kind: str) -> None:
        if kind == self.active:
            return
        for directory in self.dirs:
            if self.active:
                directory.rename(directory.with_name(f"__pycache__.{self.active}"))
            if kind:
                directory.with_name(f"__pycache__.{kind}").rename(directory)
        self.active = kind


def as_user(ids: tuple[int, int] | None) -> Callable[[], None] | None:
    if ids is None:
        return None

    def switch() -> None:
        os.setgroups([])
        os.setgid(ids[1])
        os.setuid(ids[0])

    return switch


def time_start(
    python: str, cwd: Path, env: Mapping[str, str], user: tuple[int, int] | None
) -> float:
    start = time.perf_counter()
    subprocess.run(
        [python, "-c", IMPORT], cwd=cwd, env=dict(env), check=True, preexec_fn=as_user(user)
    )
    return time.perf_counter() - start


def local_venv(root: Path, app: Path, pip_env: Mapping[str, str]) -> tuple[Path, Path]:
    venv = root / "local-venv"
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    subprocess.run(
        [venv / "bin" / "pip", "install", "-q", "--disable-pip-version-check", "-r",
         app / "requirements.txt"],
        env={**os.environ, **pip_env}, check=True,
    )  # fmt: skip
    copy = root / "local-app"
    shutil.copytree(app, copy)
    return venv, copy


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    user = RUN_USER if os.geteuid() == 0 else None
    with tempfile.TemporaryDirectory(prefix="bench-app-start-") as scratch:
        root = Path(scratch)
        root.chmod(0o755)  # the run user must reach the layers
        app = BenchApp.create(root, "django_site")
        app.build()
        layers, workspace = app.layers_dir, root / "work" / "workspace"
        python_layer, venv = layers / "python", layers / "venv"
        runtime = {"PATH": os.environ["PATH"], "LD_LIBRARY_PATH": str(python_layer / "lib")}
        stacks = (python_layer / "lib", venv / "lib")
        bytecode = Bytecode(python_layer / "bin" / "python", stacks, runtime)
        env = launch_env(layers, "web", base_env("/tmp", {}), workspace)
        app_pycache = workspace / "benchsite"
        image_conditions(layers, workspace)

        local, local_app = local_venv(root, app.app, {k: v for k, v in app.env.items() if k in TLS})
        local_env = {"PATH": f"{local / 'bin'}:/usr/bin:/bin", "HOME": str(root)}
        for _ in range(2):  # writes and warms every timestamp pyc, the app's own too
            time_start(str(local / "bin" / "python"), local_app, local_env, None)

        def image(kind: str, app_code: bool = False) -> Callable[[], float]:
            def run() -> float:
                bytecode.use(kind)
                compiled = list(app_pycache.rglob("__pycache__"))
                if app_code and not compiled:
                    subprocess.run(
                        [venv / "bin" / "python", "-I", "-m", "compileall", "-qq",
                         "--invalidation-mode", "checked-hash", app_pycache],
                        env=runtime, check=True,
                    )  # fmt: skip
                elif not app_code:
                    for directory in compiled:
                        shutil.rmtree(directory)
                return time_start("python", workspace, env, user)

            return run

        variants: dict[str, Callable[[], float]] = {
            "warm local venv (baseline)": lambda: time_start(
                str(local / "bin" / "python"), local_app, local_env, None
            ),
            "unchecked-hash": image("unchecked"),
            "checked-hash (before)": image("checked"),
            "no pycs": image(""),
            "unchecked-hash + app code": image("unchecked", app_code=True),
        }
        times: dict[str, list[float]] = {name: [] for name in variants}
        for _ in range(args.rounds):
            for name, run in variants.items():
                run()
                run()  # untimed: the page cache, the switch
                times[name] += [run() for _ in range(args.runs)]
        who = f"uid {user[0]}" if user else "this user (not root)"
        print(
            f"{IMPORT!r} under image conditions (1980 mtimes, read-only, {who}), "
            f"{args.rounds} x {args.runs} runs, median wall time:"
        )
        base = statistics.median(times["warm local venv (baseline)"])
        for name, values in times.items():
            median = statistics.median(values)
            print(f"  {name:28} {median * 1000:7.1f} ms  {median / base:5.2f}x baseline")
        unchecked = statistics.median(times["unchecked-hash"])
        checked = statistics.median(times["checked-hash (before)"])
        print(
            f"unchecked-hash vs warm local venv: {unchecked / base:.3f}x "
            f"({'OK' if unchecked <= base * 1.05 else 'OVER GOAL'}, goal <= 1.05x); "
            f"vs checked-hash: {unchecked / checked:.3f}x "
            f"({'OK' if unchecked <= checked else 'SLOWER'})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
