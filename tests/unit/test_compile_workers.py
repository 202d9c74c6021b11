"""How many workers `_compile_bytecode.py` forks: every core but the spare ones, at least one."""

from __future__ import annotations

import pytest

from cnb_python.layers import _compile_bytecode as compiler


@pytest.mark.parametrize(
    ("cores", "sources", "spare", "workers"),
    [
        (2, 1000, 0, 2),  # a compile in the foreground: every core
        (2, 1000, 1, 1),  # in the background on 2 cores: one left to the build
        (8, 1000, 1, 7),
        (1, 1000, 1, 1),  # never none
        (8, 40, 0, 1),  # a short list: forking would cost more than it saves
        (8, 100, 0, 3),
    ],
)
def test_worker_count(
    monkeypatch: pytest.MonkeyPatch, cores: int, sources: int, spare: int, workers: int
) -> None:
    monkeypatch.setattr(compiler, "usable_cores", lambda: cores)
    assert compiler.worker_count(sources, spare) == workers
