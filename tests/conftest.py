"""Shared fixtures: real runtime archives, a faulty loopback server, operator catalogs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.devbuild import DevApps
from tests.support.httpserver import FaultyServer
from tests.support.runtimes import RuntimeArchives, host_interpreters


@pytest.fixture(scope="session")
def runtime_archives(tmp_path_factory: pytest.TempPathFactory) -> RuntimeArchives:
    """Archives of this machine's interpreters, each built on first use, once per session."""
    interpreters = host_interpreters()
    if not interpreters:
        pytest.skip("no CPython with a shared libpython on this machine")
    return RuntimeArchives(tmp_path_factory.mktemp("runtime-archives"), interpreters)


@pytest.fixture
def served_dir(tmp_path: Path) -> Path:
    path = tmp_path / "served"
    path.mkdir()
    return path


@pytest.fixture
def http_server(served_dir: Path) -> Iterator[FaultyServer]:
    """A loopback server for `served_dir`; queue faults with `http_server.fail(path, ...)`."""
    with FaultyServer(served_dir) as server:
        yield server


@pytest.fixture
def dev_app(runtime_archives: RuntimeArchives, tmp_path: Path) -> DevApps:
    """`dev_app("pip_basic")`: a copy of a fixture app, built with `.build()` by the real
    buildpack through `cnb-python dev build` (see tests/support/devbuild.py)."""
    return DevApps(runtime_archives, tmp_path / "dev-apps")
