"""`cnb-python package`: writing a self-contained buildpack (issue 6)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cnb_python.errors.base import BuildpackError, Message, quoted


@dataclass(eq=False)
class PackagingError(BuildpackError):
    """Base of the packager's errors."""


@dataclass(eq=False)
class PackageOutputNotEmpty(PackagingError):
    out: Path

    def message(self) -> Message:
        return Message(
            title=f"The output directory {quoted(str(self.out))} is not empty",
            found=("The packager writes a complete tree and never merges into an old one.",),
            fix=("Remove the directory, or pass a new one with --out.",),
        )


@dataclass(eq=False)
class PackageMultiArchArchive(PackagingError):
    """`--format tgz` with several arches: pack reads a multi-arch package as a directory."""

    arches: tuple[str, ...]

    def message(self) -> Message:
        return Message(
            title="A multi-arch package cannot be written as one .tgz",
            found=(
                f"--arch was given {len(self.arches)} times ({', '.join(self.arches)}) "
                "with --format tgz.",
            ),
            fix=(
                "Drop --format tgz: the directory it writes is what `pack buildpack package "
                "--target linux/amd64 --target linux/arm64` reads.",
                "Or write one .tgz per arch, with one --arch each.",
            ),
        )


@dataclass(eq=False)
class PackageRuntimeMissing(PackagingError):
    """The catalog has no build of a series the package needs for this arch."""

    purpose: str
    series: str
    arch: str
    offered: tuple[str, ...]

    def message(self) -> Message:
        offered = ", ".join(self.offered) or "none"
        return Message(
            title=f"The catalog has no Python {quoted(self.series)} for {self.arch} "
            f"({self.purpose})",
            found=(f"Series the catalog offers for {self.arch}: {offered}.",),
            fix=("Pick one of those series, or point BP_PYTHON_CATALOG at a catalog that has it.",),
        )


@dataclass(eq=False)
class PackageVendorFailed(PackagingError):
    """pip could not install or download what the package carries."""

    what: str
    returncode: int
    output: str

    def message(self) -> Message:
        return Message(
            title=f"Could not fetch {self.what} for the package (pip exited {self.returncode})",
            found=tuple(self.output.strip().splitlines()[-8:]),
            fix=(
                "Check that the package index is reachable (PIP_INDEX_URL, proxy and CA "
                "settings) and offers wheels for this Python and arch.",
            ),
        )
