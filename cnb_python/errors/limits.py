"""The build's limits and resources: limit settings, oversized inputs, a full disk."""

from __future__ import annotations

from dataclasses import dataclass

from cnb_python.errors.base import BuildpackError, Message, quoted


@dataclass(eq=False)
class InvalidLimitSetting(BuildpackError):
    """A `BP_PYTHON_*` limit that is not a positive whole number."""

    setting: str
    value: str
    unit: str
    default: int

    def message(self) -> Message:
        return Message(
            title=f"{self.setting} is not a positive whole number",
            found=(f"{self.setting} is {quoted(self.value)}; it is a number of {self.unit}.",),
            fix=(
                f"Set it to a whole number of {self.unit} greater than 0, e.g. "
                f"{self.setting}={self.default} (the default), or unset it.",
                "docs/limits.md lists every limit and what it bounds.",
            ),
        )


@dataclass(eq=False)
class DiskFull(BuildpackError):
    """The file system ran out of space (or quota) while the build wrote `where`."""

    where: str  # "in the python layer", "while downloading Python"
    reason: str = "No space left on device"
    path: str = ""

    def message(self) -> Message:
        found = [f"Writing {self.path} failed: {self.reason}." if self.path else f"{self.reason}."]
        found.append(
            "Nothing half-written is kept for a later build: a layer that was being filled is "
            "removed, and the next build starts it over."
        )
        return Message(
            title=f"The build ran out of disk space {self.where}",
            found=tuple(found),
            fix=(
                "Give the build more disk: free space on the volume that holds the build's "
                "layers and temporary files, or a larger one, then build again.",
                "Clearing the build cache also frees what old layers take "
                "(pack build --clear-cache).",
            ),
        )
