"""Bytecode shipped in a package: unchecked-hash pycs for what the buildpack itself imports.

A packaged buildpack runs from a read-only directory (as root-owned under the lifecycle, and
with `-B` everywhere else), so Python can never write bytecode there: without shipped pycs every
build compiled pydantic, requests, urllib3, the standard library and cnb_python from source
before its first log line (2.4 to 4.6 s of a no-op build). Timestamp pycs would not help: every
mtime in a package is normalised (here, and again by pack), which makes them stale. Unchecked-hash
pycs (PEP 552) are used as they are, whatever the mtimes, and a package never changes after it
is made, so the source never disagrees with them.

Reproducible: each file is compiled on its own with the same interpreter version, and the
recorded file names are relative to the buildpack's root (`-s`), so two packagings give the same
bytes (tests/integration/test_package.py checks the tree hash). Python puts the real path back
when it loads a pyc (`_imp._fix_co_filename`), so tracebacks name the installed files.

The compiler must be CPython of the bundled series (the magic number is per X.Y; bytecode does
not depend on the CPU): the bundled interpreter when it runs on this machine, else this
machine's `python` of that series.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from cnb_python import proc
from cnb_python.errors import CommandFailed, ProgramNotFound
from cnb_python.output import Output

# Never imported by the buildpack, and large: no bytecode for them.
SKIPPED_STDLIB = ("idlelib", "tkinter", "turtledemo", "lib2to3", "ensurepip", "pydoc_data")


def _runs(python: Path | str, series: str, env: Mapping[str, str]) -> bool:
    try:
        done = proc.run(
            [python, "-I", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            env=env,
            capture=True,
            check=False,
        )
    except (OSError, ProgramNotFound):
        return False
    return done.returncode == 0 and done.stdout.strip() == series


def compiler(runtime: Path, series: str, env: Mapping[str, str]) -> tuple[str, dict[str, str]]:
    """A CPython of `series` that runs here, and the env to run it with; ("", {}) when none."""
    bundled_env = {**env, "LD_LIBRARY_PATH": str(runtime / "lib")}  # a shared libpython
    candidates: list[tuple[str, dict[str, str]]] = [
        (str(runtime / "bin" / "python3"), bundled_env),
        (sys.executable, dict(env)),
    ]
    on_path = shutil.which(f"python{series}", path=env.get("PATH", ""))
    if on_path:
        candidates.append((on_path, dict(env)))
    for python, python_env in candidates:
        if _runs(python, series, python_env):
            return python, python_env
    return "", {}


def compile_package(tree: Path, series: str, env: Mapping[str, str], output: Output) -> bool:
    """Unchecked-hash pycs for `cnb_python/`, `vendor/` and the bundled standard library of
    the buildpack in `tree`. Returns False (and says why) when nothing here can compile them."""
    runtime = tree / "runtime"
    python, python_env = compiler(runtime, series, env)
    if not python:
        output.warning(
            f"The package ships no bytecode: no Python {series} runs on this machine",
            [
                "Builds with it compile the buildpack's own modules on every run (seconds).",
                f"Package on a machine of the package's arch, or with python{series} on PATH.",
            ],
        )
        return False
    stdlib = runtime / "lib" / f"python{series}"
    skipped = "|".join(SKIPPED_STDLIB)
    roots: Sequence[Path] = [tree / "cnb_python", tree / "vendor", stdlib]
    argv = [
        python, "-I", "-m", "compileall", "-q", "-f", "-j", "0",
        "--invalidation-mode", "unchecked-hash",
        "-s", str(tree),
        # Skipped: what the buildpack never imports, and site-packages (vendor/ is ours).
        "-x", rf"/python{series}/({skipped}|site-packages)/",
        *(str(root) for root in roots if root.is_dir()),
    ]  # fmt: skip
    try:
        proc.run(argv, env=python_env, capture=True)
    except CommandFailed as error:
        # A module that does not compile is compiled at import instead; say so, don't fail.
        output.warning(
            "Some of the package's modules could not be compiled in advance",
            error.output.strip().splitlines()[-5:],
        )
    output.detail(f"Compiled the buildpack's own modules with Python {series} (unchecked-hash)")
    return True
