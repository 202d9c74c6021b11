"""Poetry's version constraints (`^3.10`, `~3.11`, `>=3.9 <3.13`, `3.12.*`, `a || b`) as PEP 440.

Poetry keeps the app's Python range in `tool.poetry.dependencies.python` in its own syntax;
the resolver only needs to test catalog versions against it, so each `||` alternative becomes a
`SpecifierSet`. A bare `3.12` is read as the series `==3.12.*`, which is what people mean by
it in this key; a bare `3.12.5` is that exact version.
"""

from __future__ import annotations

import re

from packaging.specifiers import InvalidSpecifier, SpecifierSet

_OPERATOR_SPACE = re.compile(r"(\^|~=|~|>=|<=|==|!=|>|<|=)\s+")
_NUMERIC = re.compile(r"[0-9]{1,4}(?:\.[0-9]{1,4}){0,2}", re.ASCII)


def poetry_constraint(text: str) -> tuple[SpecifierSet, ...]:
    """The alternatives of `text`; raises ValueError naming the part that does not parse."""
    alternatives = []
    for alternative in re.split(r"\s*\|\|?\s*", text.strip()):
        compact = _OPERATOR_SPACE.sub(r"\1", alternative.strip())
        tokens = [token for token in re.split(r"[,\s]+", compact) if token]
        specifiers = [_token(token) for token in tokens]
        try:
            alternatives.append(SpecifierSet(",".join(s for s in specifiers if s)))
        except InvalidSpecifier as error:
            raise ValueError(str(error) or f"cannot read {alternative!r}") from None
    return tuple(alternatives)


def _numbers(version: str, token: str) -> list[int]:
    if not _NUMERIC.fullmatch(version):
        raise ValueError(f"{token!r} is not a version constraint")
    return [int(part) for part in version.split(".")]


def _joined(numbers: list[int]) -> str:
    return ".".join(str(number) for number in numbers)


def _token(part: str) -> str:
    """One Poetry constraint as a PEP 440 specifier ("" matches anything)."""
    if part == "*":
        spec = ""
    elif part.startswith("^"):
        numbers = _numbers(part[1:], part)
        # Caret: bump the first non-zero component (^0.2 -> <0.3, ^3.10 -> <4).
        index = next((i for i, n in enumerate(numbers) if n != 0), len(numbers) - 1)
        spec = f">={_joined(numbers)},<{_joined([*numbers[:index], numbers[index] + 1])}"
    elif part.startswith("~") and not part.startswith("~="):
        numbers = _numbers(part[1:], part)
        upper = [numbers[0] + 1] if len(numbers) == 1 else [numbers[0], numbers[1] + 1]
        spec = f">={_joined(numbers)},<{_joined(upper)}"
    elif part.startswith(("~=", ">=", "<=", "==", "!=", ">", "<")):
        spec = part
    elif part.startswith("="):
        spec = "=" + part
    elif part.endswith(".*"):
        spec = f"=={part}"
    else:
        numbers = _numbers(part, part)
        spec = f"=={part}" if len(numbers) == 3 else f"=={_joined(numbers)}.*"
    return spec
