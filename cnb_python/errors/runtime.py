"""Downloading and unpacking the runtime, and the build environment."""

from __future__ import annotations

from dataclasses import dataclass

from cnb_python.errors.base import BuildpackError, BuildWarning, Message, quoted


@dataclass(eq=False)
class DownloadFailed(BuildpackError):
    """A download gave up: a non-retryable answer, or every attempt failed.

    `url` is already redacted (no credentials); `reason` is the last attempt's failure.
    A deadline (BP_PYTHON_DOWNLOAD_TIMEOUT) or a slow transfer says so in `reason`.
    """

    url: str
    reason: str
    attempts: int = 1
    redirected: str = ""  # where the server sent the last attempt (redacted), if elsewhere

    def message(self) -> Message:
        tried = "once" if self.attempts == 1 else f"{self.attempts} times"
        found = [f"Tried {tried}; the last attempt failed: {self.reason}"]
        if self.redirected:
            found.append(f"The server redirected the download to {self.redirected}.")
        return Message(
            title=f"Could not download {self.url}",
            found=tuple(found),
            fix=(
                "Check that the build can reach that host (network, proxy settings in "
                "HTTPS_PROXY/NO_PROXY, CA bundle in SSL_CERT_FILE), then build again.",
                "If the host is unreachable from your builds, set BP_PYTHON_MIRROR to a server "
                "you control that holds the same files.",
                "If the network is slow but working, raise BP_PYTHON_DOWNLOAD_TIMEOUT or lower "
                "BP_PYTHON_DOWNLOAD_MIN_KIB_PER_SECOND (docs/limits.md).",
                "Operators: check the artifact URL in the catalog (BP_PYTHON_CATALOG).",
            ),
        )


@dataclass(eq=False)
class ChecksumMismatch(BuildpackError):
    """The downloaded bytes are not the ones the catalog describes; nothing is kept."""

    url: str
    expected: str
    actual: str

    def message(self) -> Message:
        return Message(
            title=f"Checksum mismatch for {self.url}",
            found=(
                f"expected sha256 {self.expected}",
                f"received sha256 {self.actual}",
                "The download was deleted; nothing from it was installed or cached.",
            ),
            fix=(
                "Build again: a proxy or mirror may have served a damaged or different file.",
                "If it persists, the mirror (BP_PYTHON_MIRROR) or the catalog (BP_PYTHON_CATALOG) "
                "is out of date: the catalog's sha256 must be that of the file at the URL.",
            ),
        )


@dataclass(eq=False)
class UnsafeArchive(BuildpackError):
    """An archive member that would write outside the layer or create a special file."""

    member: str
    reason: str
    archive: str = ""

    def message(self) -> Message:
        where = f" in {self.archive}" if self.archive else ""
        return Message(
            title=f"Refusing to extract an unsafe archive{where}",
            found=(
                f"Member {quoted(self.member)}: {self.reason}.",
                "Nothing from this archive was installed or cached.",
            ),
            fix=(
                "Use a runtime archive whose members are relative paths inside one tree, "
                "with no device files and no links pointing outside it.",
            ),
        )


@dataclass(eq=False)
class CorruptArchive(BuildpackError):
    """The archive cannot be decompressed or read as the format the catalog names."""

    archive: str
    format: str
    reason: str

    def message(self) -> Message:
        return Message(
            title=f"Could not read the {self.format} archive {self.archive}",
            found=(self.reason, "Nothing from this archive was installed or cached."),
            fix=(
                "Check that the catalog's format and strip-components match the file "
                "(tar.gz, tar.xz or tar.zst).",
            ),
        )


@dataclass(eq=False)
class RuntimeArchiveInvalid(BuildpackError):
    """The archive extracted cleanly but is not a CPython installation we can use."""

    url: str
    version: str
    reason: str

    def message(self) -> Message:
        return Message(
            title=f"The archive for Python {self.version} is not a usable CPython installation",
            found=(f"From {self.url}: {self.reason}",),
            fix=(
                "Check the catalog entry's strip-components: after stripping, the archive must "
                "hold bin/, lib/ and include/ at its top.",
            ),
        )


@dataclass(eq=False)
class ForbiddenEnvironment(BuildpackError):
    """Variables that would redirect Python or its installers away from our layers."""

    offenders: tuple[tuple[str, str, bool], ...]  # (name, where it was set, whether blank)

    def message(self) -> Message:
        blank = " to a blank value, which is not unset,"
        return Message(
            title="Environment variables that would break the Python install are set",
            found=(
                "These variables redirect where Python or its installers look or write, so the "
                "app image would not contain what the build installed:",
                *(
                    f"  {name} (set{blank if is_blank else ''} in {where})"
                    for name, where, is_blank in self.offenders
                ),
            ),
            fix=(
                "Unset them in your platform configuration (pack --env, project.toml, "
                "the builder's environment) and build again.",
                "The buildpack itself chooses the interpreter, virtual environment and caches.",
            ),
        )


@dataclass(eq=False)
class ArchiveTooLarge(BuildpackError):
    """The archive unpacks to more than a limit allows: a decompression bomb, or a limit set
    too low for a real runtime. Extraction stops at the limit."""

    archive: str
    found: str  # "it unpacks to more than 4096 MiB"
    limit: str  # "4096 MiB (BP_PYTHON_MAX_RUNTIME_MIB)"

    def message(self) -> Message:
        return Message(
            title=f"Refusing to extract {self.archive}: it is larger than the limit",
            found=(
                f"{self.found}; the limit is {self.limit}.",
                "Nothing from this archive was installed or cached.",
            ),
            fix=(
                "A CPython runtime unpacks to a few hundred MiB: check that the catalog entry "
                "points at a runtime archive.",
                "If it really is that large, raise the limit named above in the platform env "
                "(docs/limits.md).",
            ),
        )


@dataclass(eq=False)
class ExtractionFailed(BuildpackError):
    """Writing a member failed for a reason of the file system, not of the archive."""

    archive: str
    member: str
    reason: str

    def message(self) -> Message:
        return Message(
            title=f"Could not extract {self.archive}",
            found=(
                f"Writing member {quoted(self.member)} failed: {self.reason}.",
                "Nothing from this archive was installed or cached.",
            ),
            fix=(
                "Check the file system the build writes its layers to (free space, inodes, "
                "permissions), then build again.",
            ),
        )


def archive_version_differs(version: str, reported: str) -> BuildWarning:
    return BuildWarning(
        f"The archive for Python {version} contains Python {reported}",
        ("The catalog entry and its archive disagree; tell the catalog's operator.",),
    )
