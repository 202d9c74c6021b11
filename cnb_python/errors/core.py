"""Core: the CNB contract, detect, the Procfile and subprocesses."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from cnb_python.errors.base import BuildpackError, Message, quoted


@dataclass(eq=False)
class MissingContext(BuildpackError):
    """A variable the lifecycle always sets is missing: we were not run by a lifecycle."""

    variable: str
    phase: str

    def message(self) -> Message:
        return Message(
            title=f"The {self.phase} phase was started without {self.variable}",
            found=(
                f"{self.variable} is not set. The CNB lifecycle always sets it when it runs "
                f"bin/{self.phase}.",
            ),
            fix=(
                "Run the buildpack through a CNB platform (pack build, kpack, Tekton).",
                "To try it locally, use `cnb-python dev build APP_DIR`.",
            ),
        )


@dataclass(eq=False)
class CommandFailed(BuildpackError):
    """A subprocess exited non-zero; callers usually re-raise a domain-specific error."""

    argv: tuple[str, ...]
    returncode: int
    output: str = ""

    def message(self) -> Message:
        found = [f"`{' '.join(self.argv)}` exited with status {self.returncode}."]
        if self.output.strip():
            found.append("Its output ends with:")
            found.extend(self.output.strip().splitlines()[-20:])
        return Message(title=f"Command failed: {Path(self.argv[0]).name}", found=tuple(found))


@dataclass(eq=False)
class CommandTimedOut(BuildpackError):
    """A subprocess ran past its time limit and was stopped; callers re-raise a domain error."""

    argv: tuple[str, ...]
    seconds: float
    output: str = ""

    def message(self) -> Message:
        return Message(
            title=f"Command timed out: {Path(self.argv[0]).name}",
            found=(f"`{' '.join(self.argv)}` was stopped after {self.seconds:g} s.",),
        )


@dataclass(eq=False)
class ProgramNotFound(BuildpackError):
    program: str
    path: str = field(default="")

    def message(self) -> Message:
        return Message(
            title=f"Program not found: {self.program}",
            found=(f"{self.program!r} is not on PATH ({self.path or 'empty'}).",),
        )


@dataclass(eq=False)
class InvalidProcfile(BuildpackError):
    line_number: int
    line: str
    reason: str

    def message(self) -> Message:
        where = f"Procfile line {self.line_number}" if self.line_number else "Procfile"
        found = [f"{where}: {self.reason}."]
        if self.line:
            found.append(f"The line reads {quoted(self.line)}.")
        return Message(
            title="The Procfile cannot be read",
            found=tuple(found),
            fix=(
                "Write one process per line as `<type>: <command>`, for example "
                "`web: gunicorn --bind 0.0.0.0:$PORT app:app`.",
                "Process types may use letters, digits, '.', '_' and '-', once each.",
            ),
        )
