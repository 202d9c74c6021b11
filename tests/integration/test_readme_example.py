"""The README's first command, as written: mirror this machine's CPython, build
examples/hello for heroku-24 through the local platform, run its `hello` process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CLI = str(Path(sys.executable).parent / "cnb-python")


def test_readme_example_builds_and_runs(tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    work = tmp_path / "work"
    # Only what a user's shell has; the TLS settings are this machine's proxy, passed on as
    # the README's user behind a corporate proxy would (--env).
    tls = [f"--env={name}={os.environ[name]}" for name in ("SSL_CERT_FILE", "PIP_CERT")
           if name in os.environ]  # fmt: skip
    subprocess.run([CLI, "dev", "mirror", "--from-host", str(mirror)], check=True,
                   capture_output=True)  # fmt: skip
    built = subprocess.run(
        [CLI, "dev", "build", str(REPO / "examples" / "hello"), "--stack", "heroku-24",
         "--work", str(work), f"--env=BP_PYTHON_CATALOG={mirror / 'catalog.toml'}", *tls],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert built.returncode == 0, built.stdout + built.stderr
    assert "(from .python-version: " in built.stdout
    launched = subprocess.run(
        [CLI, "dev", "launch", str(REPO / "examples" / "hello"), "hello", "--work", str(work)],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert launched.returncode == 0, launched.stderr
    assert launched.stdout.startswith("Hello from Python ")
    assert str(work) in launched.stdout, "the app must run on the layer's Python"
