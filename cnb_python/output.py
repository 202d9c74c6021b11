"""Build log output as events, so the same thing is always said the same way.

Tests pin these lines down, so change wording here rather than at call sites. Information goes
to stdout; warnings and errors to stderr (the lifecycle merges both into one log). Colour only
on a terminal and never when NO_COLOR is set; the lifecycle's log is not a terminal.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TextIO

from cnb_python.errors import BuildWarning, Message

_BOLD = "\033[1m"
_YELLOW = "\033[33m"
_RED = "\033[31m"
_RESET = "\033[0m"


LOG_LEVEL_SETTING = "BP_LOG_LEVEL"


def is_debug(env: Mapping[str, str]) -> bool:
    return env.get(LOG_LEVEL_SETTING, "").strip().upper() == "DEBUG"


def short_command(argv: Sequence[str]) -> str:
    """`argv` with the program named by its file name only: `/layers/.../venv/bin/python
    manage.py collectstatic` reads `python manage.py collectstatic`."""
    if not argv:
        return ""
    return shlex.join([argv[0].rsplit("/", 1)[-1], *argv[1:]])


@dataclass
class Output:
    """A leveled writer for the build log. Holds no step state, only where to write."""

    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    color: bool = False
    debug: bool = False  # BP_LOG_LEVEL=DEBUG: full commands too

    @classmethod
    def for_environment(
        cls, env: Mapping[str, str], platform_env: Mapping[str, str] | None = None
    ) -> Output:
        """`BP_LOG_LEVEL` is read from the platform env (pack --env, project.toml), where
        users set it, and from the process env, where a builder may."""
        tty = sys.stdout.isatty() and sys.stderr.isatty()
        return cls(
            color=tty and "NO_COLOR" not in env,
            debug=is_debug(env) or is_debug(platform_env or {}),
        )

    def _paint(self, text: str, style: str) -> str:
        return f"{style}{text}{_RESET}" if self.color else text

    def _out(self, text: str) -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def _err(self, text: str) -> None:
        self.stdout.flush()
        self.stderr.write(text + "\n")
        self.stderr.flush()

    # -- structure ------------------------------------------------------------------------

    def header(self, text: str) -> None:
        self._out(self._paint(f"\n[{text}]", _BOLD))

    def step(self, text: str) -> None:
        self._out(f"- {text}")

    def detail(self, text: str) -> None:
        self._out(f"  {text}")

    def running(self, argv: Sequence[str], shown: Sequence[str] | None = None) -> None:
        """`Running 'pip install -r requirements.txt'`: the command as users would type it
        (`shown`, else `argv` with its program's directory cut off), not the absolute layer
        paths the build really runs, which BP_LOG_LEVEL=DEBUG adds on the next line."""
        short = shlex.join(shown) if shown is not None else short_command(argv)
        self._out(f"  Running '{short}'")
        full = shlex.join(argv)
        if self.debug and full != short:
            self._out(f"  Full command: {full}")

    # -- cache decisions --------------------------------------------------------------------

    def using_cached(self, what: str) -> None:
        self.step(f"Using cached {what}")

    def discarding(self, what: str, reasons: Sequence[str]) -> None:
        """Every reason, not just the first: users should never have to guess why work is
        redone. One line, so a log search for the layer finds all of them."""
        self.step(f"Discarding cached {what}: {'; '.join(reasons)}")

    # -- problems ---------------------------------------------------------------------------

    def warn(self, warning: BuildWarning) -> None:
        """The one rendering of a typed warning (`errors.BuildWarning`)."""
        self.warning(warning.title, warning.lines)

    def warning(self, title: str, lines: Sequence[str] = ()) -> None:
        body = [self._paint(f"WARNING: {title}", _YELLOW)]
        body.extend(f"  {line}" if line else "" for line in lines)
        self._err("\n".join(body))

    def error(self, message: Message) -> None:
        self._err(self._paint(message.render(), _RED))
