"""The blocks of docs/operators.md marked `<!-- tested: NAME -->`, which tests run or check
exactly as an operator would copy them."""

from __future__ import annotations

import re
from pathlib import Path

OPERATORS = Path(__file__).parents[2] / "docs" / "operators.md"


def documented(name: str, docs: Path = OPERATORS) -> str:
    """The text of the fenced block marked `<!-- tested: name -->` (any info string)."""
    text = docs.read_text(encoding="utf-8")
    match = re.search(rf"<!-- tested: {re.escape(name)} -->\n```[\w-]*\n(.*?)```", text, re.DOTALL)
    assert match is not None, f"no block marked {name} in {docs}"
    return match[1]
