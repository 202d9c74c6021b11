"""Every block docs/operators.md marks `<!-- tested: NAME -->` is read by a test: a marker no
test uses would tell operators a recipe is checked when it is not."""

from __future__ import annotations

import re
from pathlib import Path

from tests.support.docs import OPERATORS

TESTS = Path(__file__).parents[1]


def test_every_tested_block_is_used_by_a_test() -> None:
    names = re.findall(r"<!-- tested: ([\w-]+) -->\n```", OPERATORS.read_text(encoding="utf-8"))
    sources = "\n".join(path.read_text() for path in TESTS.rglob("test_*.py"))
    assert names, "no tested blocks found: has the marker changed?"
    unused = [name for name in names if f'"{name}"' not in sources]
    assert unused == []
