"""The two ways a build reaches outside its own process: subprocesses and downloads.

`proc.run` and `download.fetch` are the only places that start a program or fetch a URL for a
build, and each hands the work to the `Effects` in force, which is the real one unless a caller
(a unit test of `build.build`) installs its own with `using`. That is the seam that lets a
test run a whole build in-process and see, in order, which commands and downloads it asked
for, or that a refusal came before any of them (`tests/unit/test_build_decisions.py`). A
context variable rather than a parameter threaded through every layer: the layers keep their
signatures, and nothing outside a `using` block can see a replaced runner.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from cnb_python.download import Fetched, RetryPolicy
    from cnb_python.output import Output


@dataclass(frozen=True)
class Command:
    """One program run, as `proc.run` received it (`executable` resolved on the env's PATH)."""

    args: tuple[str, ...]
    executable: str
    env: Mapping[str, str]
    cwd: Path | None
    capture: bool
    stdin: str | None
    timeout: float | None
    tee: bool
    user: tuple[int, int] | None
    output: Output | None


@dataclass(frozen=True)
class Download:
    """One download, as `download.fetch` received it."""

    url: str
    into: IO[bytes]
    sha256: str
    env: Mapping[str, str]
    output: Output
    policy: RetryPolicy | None
    what: str


Runner = Callable[[Command], "subprocess.CompletedProcess[str]"]
Fetcher = Callable[[Download], "Fetched"]


@dataclass(frozen=True)
class Effects:
    run: Runner
    fetch: Fetcher


def _real() -> Effects:
    from cnb_python import download, proc

    return Effects(run=proc.spawn, fetch=download.fetch_now)


_current: ContextVar[Effects | None] = ContextVar("cnb_python_effects", default=None)


def current() -> Effects:
    return _current.get() or _real()


@contextmanager
def using(effects: Effects | None) -> Iterator[None]:
    """Run the block with `effects` (None: the real ones)."""
    token = _current.set(effects)
    try:
        yield
    finally:
        _current.reset(token)
