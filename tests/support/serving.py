"""Start a built app's process with `cnb-python dev launch` and talk to it over loopback HTTP."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path

from tests.support.devbuild import CLI, DevApp


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def launched(
    app: DevApp,
    process: str | None = None,
    *,
    env: Mapping[str, str] | None = None,
    log: Path,
) -> Iterator[int]:
    """`dev launch` the app's `process` (the default one if None) with PORT set to a free
    loopback port; yield the port. The process group is stopped on exit."""
    port = free_port()
    argv = [*CLI, "dev", "launch", str(app.app), "--work", str(app.work)]
    if process is not None:
        argv.append(process)
    for name, value in {"PORT": str(port), **(env or {})}.items():
        argv += ["--env", f"{name}={value}"]
    with log.open("w") as out:
        child = subprocess.Popen(
            argv,
            env={**os.environ, "NO_COLOR": "1"},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield port
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGTERM)
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)
            child.wait(timeout=15)


def get(port: int, path: str = "/", *, log: Path, timeout: float = 45) -> str:
    """GET http://127.0.0.1:<port><path>, retrying until the server answers."""
    deadline = time.monotonic() + timeout
    url = f"http://127.0.0.1:{port}{path}"
    # No proxy: this machine's proxy settings must not see loopback requests.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    while True:
        try:
            with opener.open(url, timeout=5) as response:
                body: bytes = response.read()
                return body.decode()
        except OSError as error:
            if time.monotonic() > deadline:
                text = log.read_text() if log.exists() else ""
                raise AssertionError(f"{url} did not answer: {error}\n{text}") from None
            time.sleep(0.2)
