"""Shared fixtures: real runtime archives, a faulty loopback server, operator catalogs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.devbuild import DevApps
from tests.support.httpserver import FaultyServer
from tests.support.runtimes import RuntimeArchives, host_interpreters
from tests.support.users import reachable_dir

# Tiers from slowest to fastest. pytest-xdist workers run their share in collection order, so
# the long builds start first and the many sub-second tests fill the end of the run, instead of
# one worker finishing a 30-second build alone while the other has nothing left to do.
_TIER_ORDER = ("lifecycle", "integration", "contract", "unit")
_TESTS = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the tiers slowest first; within a tier, keep the files' own order (stable sort)."""

    def tier(item: pytest.Item) -> int:
        parts = item.path.relative_to(_TESTS).parts if item.path.is_relative_to(_TESTS) else ()
        return _TIER_ORDER.index(parts[0]) if parts and parts[0] in _TIER_ORDER else 0

    items.sort(key=tier)


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


@pytest.fixture
def reachable_tmp() -> Iterator[Path]:
    """A temporary directory other users (a build or run user) can reach: `tmp_path` cannot
    be (tests/support/users.py)."""
    with reachable_dir("test") as path:
        yield path
