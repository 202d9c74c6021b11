"""The autouse fixture of tests/unit/conftest.py stops real subprocesses and network access."""

from __future__ import annotations

import socket
import subprocess
import urllib.request

import pytest

from cnb_python import proc
from tests.unit.conftest import RealEffectInUnitTest


def test_a_subprocess_fails_through_every_door() -> None:
    with pytest.raises(RealEffectInUnitTest):
        proc.run(["true"], env={"PATH": "/usr/bin:/bin"})
    with pytest.raises(RealEffectInUnitTest):
        subprocess.run(["true"], check=False)


def test_the_network_fails() -> None:
    with pytest.raises(RealEffectInUnitTest):
        socket.create_connection(("127.0.0.1", 9))
    with pytest.raises(RealEffectInUnitTest):
        urllib.request.urlopen("http://127.0.0.1:9/", timeout=1)
