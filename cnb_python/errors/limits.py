"""The build's settings, limits and resources: limit and yes/no settings, oversized inputs, a
full disk."""

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
    max_digits: int

    def message(self) -> Message:
        return Message(
            title=f"{self.setting} is not a positive whole number",
            found=(f"{self.setting} is {quoted(self.value)}; it is a number of {self.unit}.",),
            fix=(
                f"Set it to a whole number of {self.unit} greater than 0 (at most "
                f"{self.max_digits} digits), e.g. {self.setting}={self.default} (the default), "
                "or unset it.",
                "docs/limits.md lists every limit and what it bounds.",
            ),
        )


@dataclass(eq=False)
class DiskFull(BuildpackError):
    """The file system ran out of space (or quota) while the build wrote `where`."""

    where: str = ""  # "in the python layer", "while downloading Python 3.12.4 to /tmp"
    reason: str = "No space left on device"
    path: str = ""

    def message(self) -> Message:
        found = [f"Writing {self.path} failed: {self.reason}." if self.path else f"{self.reason}."]
        found.append(
            "Nothing half-written is kept for a later build: a layer that was being filled is "
            "removed, and the next build starts it over."
        )
        return Message(
            title="The build ran out of disk space" + (f" {self.where}" if self.where else ""),
            found=tuple(found),
            fix=(
                "Give the build more disk: free space on the volume that holds the build's "
                "layers and temporary files, or a larger one, then build again.",
                "Clearing the build cache also frees what old layers take "
                "(pack build --clear-cache).",
            ),
        )


def _size(count: int) -> str:
    return f"{count / (1024 * 1024):.1f} MiB" if count >= 1024 * 1024 else f"{count} bytes"


@dataclass(eq=False)
class InputTooLarge(BuildpackError):
    """A file the build would parse is larger than the limit: it is refused, never read in
    part."""

    file: str
    size: int
    max_bytes: int
    setting: str  # BP_PYTHON_MAX_APP_FILE_MIB

    def reason(self) -> str:
        return (
            f"it is {_size(self.size)}, more than the limit of {_size(self.max_bytes)} "
            f"({self.setting})"
        )

    def message(self) -> Message:
        return Message(
            title=f"{self.file} is too large to read",
            found=(
                f"{self.file}: {self.reason()}.",
                "The build reads such a file whole or not at all: it never parses part of one.",
            ),
            fix=(
                f"Check that {self.file} is the file you meant (not a generated or binary "
                "file under that name).",
                f"If it really is that large, raise the limit: set {self.setting} to a larger "
                "number of MiB in the platform env (docs/limits.md).",
            ),
        )


@dataclass(eq=False)
class InputNotRegular(BuildpackError):
    """A file the build would read is a FIFO, a device or a directory: reading it could hang
    the build or never end."""

    file: str
    kind: str  # "a FIFO (named pipe)"

    def reason(self) -> str:
        return f"it is {self.kind}, not a regular file"

    def message(self) -> Message:
        return Message(
            title=f"Unable to read {self.file}: it is not a regular file",
            found=(f"{self.file}: {self.reason()}.",),
            fix=(f"Make {self.file} a regular file (or a symbolic link to one).",),
        )


@dataclass(eq=False)
class OutOfMemory(BuildpackError):
    """The build could not get the memory it needed."""

    def message(self) -> Message:
        return Message(
            title="The build ran out of memory",
            found=("A step of the build could not allocate the memory it needed.",),
            fix=(
                "Give the build more memory (the builder's or the CI runner's limit), then "
                "build again.",
            ),
        )


@dataclass(eq=False)
class FileSystemFailed(BuildpackError):
    """The file system refused a write or read for a reason of its own: read-only, no
    permission, no descriptors left, failing hardware."""

    reason: str
    path: str = ""

    def message(self) -> Message:
        where = f" {self.path}" if self.path else ""
        return Message(
            title=f"The build could not use{where or ' a file'}: {self.reason}",
            found=(
                "The file system the build runs on refused the operation; nothing half-written "
                "is kept for a later build.",
            ),
            fix=(
                "Check the volumes the build writes to (the layers, the app directory, the "
                "temporary directory): mounted read-write, owned by the build's user, healthy.",
                "Then build again.",
            ),
        )


@dataclass(eq=False)
class InvalidBooleanSetting(BuildpackError):
    """A yes/no setting whose value is neither."""

    setting: str
    value: str
    true_values: tuple[str, ...]
    false_values: tuple[str, ...]

    def message(self) -> Message:
        return Message(
            title=f"{self.setting} is neither yes nor no",
            found=(
                f"{self.setting} is {quoted(self.value)}; the build does not guess what that "
                "means.",
            ),
            fix=(
                f"Set it to one of {', '.join(self.true_values)} to turn it on, or one of "
                f"{', '.join(self.false_values)} (or unset it) to leave it off.",
            ),
        )
