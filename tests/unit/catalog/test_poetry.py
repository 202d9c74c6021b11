"""Poetry's python constraint syntax, as the versions it admits."""

from __future__ import annotations

import pytest

from cnb_python.catalog.poetry import poetry_constraint


def admits(constraint: str, version: str) -> bool:
    return any(spec.contains(version) for spec in poetry_constraint(constraint))


@pytest.mark.parametrize(
    ("constraint", "inside", "outside"),
    [
        ("^3.10", ["3.10.0", "3.14.7"], ["3.9.9", "4.0.0"]),
        ("^3.11.4", ["3.11.4", "3.13.1"], ["3.11.3"]),
        ("~3.11", ["3.11.0", "3.11.9"], ["3.12.0", "3.10.9"]),
        ("~3", ["3.0.0", "3.14.1"], ["4.0.0"]),
        (">=3.9,<3.13", ["3.9.0", "3.12.14"], ["3.13.0"]),
        (">= 3.9 < 3.13", ["3.12.1"], ["3.13.1", "3.8.1"]),
        ("3.12", ["3.12.0", "3.12.14"], ["3.13.0"]),
        ("3.12.5", ["3.12.5"], ["3.12.6"]),
        ("3.12.*", ["3.12.3"], ["3.11.3"]),
        ("=3.12.5", ["3.12.5"], ["3.12.4"]),
        ("~=3.11", ["3.11.2", "3.13.0"], ["3.10.0"]),
        ("^3.9 || ~3.8", ["3.8.5", "3.13.1"], ["3.7.9"]),
        ("*", ["3.8.0", "3.14.7"], []),
    ],
)
def test_constraints(constraint: str, inside: list[str], outside: list[str]) -> None:
    for version in inside:
        assert admits(constraint, version), (constraint, version)
    for version in outside:
        assert not admits(constraint, version), (constraint, version)


@pytest.mark.parametrize("constraint", ["^python", "~3.x", "3.12.1.2", ">=", "3.12 || banana", "^"])
def test_nonsense_is_a_value_error(constraint: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        poetry_constraint(constraint)
