"""Every limit has its setting, default and a line in docs/limits.md; bad values are refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnb_python import limits
from cnb_python.errors import InvalidLimitSetting

DOCS = Path(__file__).parents[2] / "docs"


@pytest.mark.parametrize("limit", limits.ALL, ids=lambda limit: limit.setting)
def test_each_limit_is_documented_with_its_default(limit: limits.Limit) -> None:
    rows = [line for line in (DOCS / "limits.md").read_text().splitlines() if line.startswith("|")]
    row = next((line for line in rows if f"`{limit.setting}`" in line), "")
    assert f"| {limit.default} ({limit.unit}) |" in row, row or f"{limit.setting} is missing"


def test_the_limits_page_is_linked_from_the_readme_and_the_development_notes() -> None:
    assert "(docs/limits.md)" in (DOCS.parent / "README.md").read_text()
    assert "(limits.md)" in (DOCS / "development.md").read_text()


def test_settings_are_named_once_and_follow_the_convention() -> None:
    names = [limit.setting for limit in limits.ALL]
    assert len(set(names)) == len(names)
    assert all(name.startswith("BP_PYTHON_") for name in names)


@pytest.mark.parametrize(
    "value", ["0", "-1", "1.5", "ten", "1e3", "0x10", "½", "9" * 13, "9" * 5000]
)
def test_a_limit_that_is_not_a_positive_whole_number_is_refused(value: str) -> None:
    env = {"BP_PYTHON_HOOK_TIMEOUT": value}
    with pytest.raises(InvalidLimitSetting) as caught:
        limits.check_settings(env)
    message = caught.value.message()
    assert message.title == "BP_PYTHON_HOOK_TIMEOUT is not a positive whole number"
    assert "e.g. BP_PYTHON_HOOK_TIMEOUT=1800 (the default)" in message.fix[0]


@given(st.integers(min_value=1, max_value=10**9), st.sampled_from(["", " ", "\n"]))
def test_a_positive_whole_number_is_the_value(value: int, padding: str) -> None:
    env = {limit.setting: f"{padding}{value}{padding}" for limit in limits.ALL}
    limits.check_settings(env)
    assert all(limit.read(env) == value for limit in limits.ALL)
    assert all(limit.read({}) == limit.default for limit in limits.ALL)
