"""What is kept of a captured output that never ends: its head and its tail, bounded."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cnb_python.proc import _Kept


def test_an_endless_output_keeps_its_head_and_tail_only() -> None:
    kept = _Kept()
    for number in range(100_000):
        kept.add(f"line {number} {'x' * 40}\n")
    text = kept.text()
    assert len(text) < _Kept.HEAD_BYTES + 100 * _Kept.TAIL_LINES
    assert text.startswith("line 0 ")
    assert text.endswith(f"line 99999 {'x' * 40}\n")
    assert "lines not kept ...]\n" in text


@given(st.lists(st.text(alphabet="ab\n", max_size=50).map(lambda t: t + "\n"), max_size=300))
def test_a_short_output_is_kept_whole(lines: list[str]) -> None:
    kept = _Kept()
    for line in lines:
        kept.add(line)
    assert kept.text() == "".join(lines)
