"""Env files and the local platform (`cnb-python dev`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cnb_python.errors.base import BuildpackError, Message, bullet_list, quoted


@dataclass(eq=False)
class InvalidEnvFileName(BuildpackError):
    """A programming error guard: an env variable or process type that no env file can hold."""

    name: str
    reason: str

    def message(self) -> Message:
        return Message(title=f"Invalid environment file name {quoted(self.name)}: {self.reason}")


@dataclass(eq=False)
class DevPlatformError(BuildpackError):
    """Base of the local platform's errors (`cnb-python dev ...`)."""


@dataclass(eq=False)
class DevUsageError(DevPlatformError):
    """A command-line value the local platform cannot use."""

    option: str
    value: str
    reason: str
    example: str = ""

    def message(self) -> Message:
        fix = (f"For example: {self.example}",) if self.example else ()
        return Message(
            title=f"Invalid {self.option} {quoted(self.value)}",
            found=(self.reason,),
            fix=fix,
        )


@dataclass(eq=False)
class DevAppNotFound(DevPlatformError):
    app_dir: Path

    def message(self) -> Message:
        return Message(
            title=f"App directory not found: {quoted(str(self.app_dir))}",
            found=(f"{self.app_dir} is not a directory.",),
            fix=("Pass the directory that holds your app: `cnb-python dev build path/to/app`.",),
        )


@dataclass(eq=False)
class DevBuildpackNotFound(DevPlatformError):
    buildpack_dir: Path
    reason: str

    def message(self) -> Message:
        return Message(
            title=f"Not a buildpack: {quoted(str(self.buildpack_dir))}",
            found=(self.reason,),
            fix=(
                "Pass --buildpack DIR with a directory holding buildpack.toml, "
                "bin/detect and bin/build.",
            ),
        )


@dataclass(eq=False)
class DevDetectFailed(DevPlatformError):
    """bin/detect exited 100: the buildpack does not apply to this app."""

    buildpack: str
    output: str = ""

    def message(self) -> Message:
        found = [f"{self.buildpack}: detect did not pass (bin/detect exited 100)."]
        if self.output.strip():
            found.append("Its output:")
            found.extend(self.output.strip().splitlines()[-20:])
        return Message(
            title="No buildpack applies to this app: detect did not pass",
            found=tuple(found),
        )


@dataclass(eq=False)
class DevDetectError(DevPlatformError):
    """bin/detect errored, or its plan could not be used (lifecycle detector exit 20/21)."""

    buildpack: str
    reason: str
    output: str = ""

    def message(self) -> Message:
        found = [f"{self.buildpack}: {self.reason}"]
        if self.output.strip():
            found.append("Its output:")
            found.extend(self.output.strip().splitlines()[-20:])
        return Message(title="Detection failed", found=tuple(found))


@dataclass(eq=False)
class DevBuildFailed(DevPlatformError):
    buildpack: str
    status: int

    def message(self) -> Message:
        return Message(
            title=f"The build failed: {self.buildpack} bin/build exited with status {self.status}",
            found=("Its output above says why.",),
        )


@dataclass(eq=False)
class DevValidationFailed(DevPlatformError):
    """The build's outputs break the Buildpack API contract: every violation, one per line."""

    buildpack: str
    violations: tuple[str, ...]

    def message(self) -> Message:
        count = len(self.violations)
        return Message(
            title=(
                f"{self.buildpack}: {count} problem{'s' if count != 1 else ''} that a CNB "
                "lifecycle would reject or misread"
            ),
            found=self.violations,
            fix=("Fix the buildpack: see cnb-contract.md for each rule.",),
        )


@dataclass(eq=False)
class DevExportFailed(DevPlatformError):
    """What the lifecycle's exporter would refuse (e.g. reusing a layer with no previous image)."""

    reason: str

    def message(self) -> Message:
        return Message(title="The build cannot be exported", found=(self.reason,))


@dataclass(eq=False)
class DevNotBuilt(DevPlatformError):
    app_dir: Path
    work_dir: Path

    def message(self) -> Message:
        return Message(
            title=f"Nothing built yet for {quoted(str(self.app_dir))}",
            found=(f"{self.work_dir} holds no successful build.",),
            fix=(f"Run `cnb-python dev build {self.app_dir}` first (with the same --work).",),
        )


@dataclass(eq=False)
class DevProjectTomlInvalid(DevPlatformError):
    """The app's project.toml cannot be used the way pack would use it."""

    path: str
    reason: str

    def message(self) -> Message:
        return Message(
            title=f"The app's project.toml cannot be used: {self.reason}",
            found=(f"In {self.path}.",),
            fix=(
                "Fix it as the project descriptor spec describes (pack reads the same file): "
                "https://buildpacks.io/docs/reference/config/project-descriptor/",
                "Or remove it.",
            ),
        )


@dataclass(eq=False)
class DevWorkDirBusy(DevPlatformError):
    work_dir: Path

    def message(self) -> Message:
        return Message(
            title=f"Another cnb-python dev command is using {quoted(str(self.work_dir))}",
            found=("Two builds of one app at once would move each other's layers.",),
            fix=(
                "Wait for the other command to finish, then run this one again.",
                "Or give this build its own directory: --work DIR.",
            ),
        )


@dataclass(eq=False)
class DevUnknownProcess(DevPlatformError):
    requested: str
    available: tuple[str, ...]

    def message(self) -> Message:
        if not self.requested:
            return Message(
                title="The build defines no default process",
                found=(f"Process types: {bullet_list(self.available)}.",),
                fix=("Name one: `cnb-python dev launch APP_DIR TYPE`.",),
            )
        return Message(
            title=f"Unknown process type {quoted(self.requested)}",
            found=(f"Process types: {bullet_list(self.available)}.",),
        )


@dataclass(eq=False)
class DevLaunchFailed(DevPlatformError):
    """What makes the lifecycle's launcher refuse to start the container."""

    reason: str

    def message(self) -> Message:
        return Message(title="The app cannot be launched", found=(self.reason,))


@dataclass(eq=False)
class DevMirrorCatalogInvalid(DevPlatformError):
    """`dev mirror` adds to the catalog already in its directory, which must be usable."""

    catalog: Path
    problems: tuple[str, ...]

    def message(self) -> Message:
        return Message(
            title=f"The mirror's catalog {quoted(str(self.catalog), 200)} cannot be added to",
            found=(
                "dev mirror adds each version to the catalog already in its directory, "
                "and this one does not pass the catalog checks a build applies:",
                *(f"- {problem}" for problem in self.problems),
            ),
            fix=(
                f"Fix it (cnb-python catalog check {self.catalog} lists every problem), or "
                "delete it to start the mirror again with this version only.",
                "Or mirror into another directory: --from-host DIR.",
            ),
        )


@dataclass(eq=False)
class DevMirrorMergeRefused(DevPlatformError):
    """The version cannot join the mirror's catalog: together they break a catalog check."""

    catalog: Path
    adding: str
    problems: tuple[str, ...]

    def message(self) -> Message:
        return Message(
            title=(
                f"Python {self.adding} cannot be added to the mirror "
                f"{quoted(str(self.catalog), 200)}"
            ),
            found=(
                "With it, the catalog would not pass the checks a build applies:",
                *(f"- {problem}" for problem in self.problems),
                "The catalog was left as it was.",
            ),
            fix=(
                "Mirror it into another directory: --from-host DIR (a mirror made on one "
                "machine offers that machine's arch only).",
            ),
        )
