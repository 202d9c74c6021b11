"""The shape every user-facing error shares: facts in, a titled `Message` out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Message:
    """What the user reads: a title, what was found, and the steps that fix it."""

    title: str
    found: tuple[str, ...] = ()
    fix: tuple[str, ...] = ()

    def render(self) -> str:
        lines = [f"ERROR: {self.title}"]
        if self.found:
            lines.append("")
            lines.extend(f"  {line}" if line else "" for line in self.found)
        if self.fix:
            lines.append("")
            lines.append("  How to fix:")
            lines.extend(f"  - {step}" for step in self.fix)
        return "\n".join(lines)


class BuildpackError(Exception):
    """Base of every error that is the user's (or operator's) to fix.

    Subclasses are dataclasses (`@dataclass(eq=False)`) whose fields are the facts; they
    implement `message()`. `str(error)` is the title, so logs and tests stay readable.
    """

    def message(self) -> Message:
        raise NotImplementedError

    def __str__(self) -> str:
        return self.message().title


def quoted(value: str, limit: int = 80) -> str:
    """Echo a user-supplied value safely: escaped, quoted and shortened."""
    text = value if len(value) <= limit else value[:limit] + "..."
    return repr(text)


def bullet_list(items: Sequence[str]) -> str:
    return ", ".join(items) if items else "(none)"


@dataclass(frozen=True)
class BuildWarning:
    """A warning: something the user should change, which does not stop the build.

    Returned as a value (or built by a function next to the facts it names) rather than
    raised, and rendered in one place, `Output.warn`: a title carrying the facts, then the
    lines saying what was found and what to do. Subclasses only say where a warning comes from
    (`catalog.notices.ResolutionWarning`, `checks.EnvWarning`).
    """

    title: str
    lines: tuple[str, ...] = ()

    def text(self) -> str:
        return "\n".join((self.title, *self.lines))
