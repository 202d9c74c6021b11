"""The unit tier is pure: no subprocess, no network. This fixture makes both fail loudly.

Any code path that would start a program (`subprocess.Popen`, which `subprocess.run` and
`proc.spawn` use, `os.system`, `os.posix_spawn`, `os.fork`) or open a connection
(`socket.socket.connect`, name lookups) raises instead, so a unit test cannot reach either by
accident. In-process builds replace the runner and the downloader with recorders
(`cnb_python.effects`), which never get here.
"""

from __future__ import annotations

import os
import socket
import subprocess
from typing import NoReturn

import pytest


class RealEffectInUnitTest(AssertionError):
    pass


def _refuse(what: str) -> object:
    def refuse(*args: object, **kwargs: object) -> NoReturn:
        raise RealEffectInUnitTest(f"unit tests must not {what}: {args[:2]!r}")

    return refuse


@pytest.fixture(autouse=True)
def no_subprocess_or_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(subprocess, "Popen", _refuse("start a subprocess"))
    for name in ("system", "posix_spawn", "posix_spawnp", "fork", "execv", "execve"):
        if hasattr(os, name):
            monkeypatch.setattr(os, name, _refuse("start a program"))
    monkeypatch.setattr(socket.socket, "connect", _refuse("open a network connection"))
    monkeypatch.setattr(socket.socket, "connect_ex", _refuse("open a network connection"))
    monkeypatch.setattr(socket, "getaddrinfo", _refuse("look up a host name"))
    monkeypatch.setattr(socket, "create_connection", _refuse("open a network connection"))
