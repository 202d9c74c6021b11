"""The version catalog and what the app asks for."""

from __future__ import annotations

from dataclasses import dataclass

from cnb_python.errors.base import BuildpackError, Message, bullet_list, quoted

# Origins are shown as the user wrote them: ".python-version", "runtime.txt",
# "BP_PYTHON_VERSION", "Pipfile.lock (_meta.requires.python_version)", "previous build", ...

_VERSION_FORMS = "X.Y (recommended, e.g. 3.14) or X.Y.Z (e.g. 3.14.7)"


def _requested_by(origin: str, value: str) -> str:
    return f"Requested by {origin}: {quoted(value)}."


def _write_version_step(series: str, origin: str = "") -> str:
    """How to ask for `series`, in the place that wins over the request being refused."""
    if origin == "BP_PYTHON_VERSION":
        return (
            f"Set BP_PYTHON_VERSION to {series} (e.g. pack build --env BP_PYTHON_VERSION={series})."
        )
    if origin == "runtime.txt":
        return f"Delete runtime.txt and write {series} on its own line in .python-version."
    return f"Write {series} on its own line in a file named .python-version in the app's root."


@dataclass(eq=False)
class CatalogUnreadable(BuildpackError):
    """The catalog file or URL could not be read, or is not TOML."""

    source: str
    reason: str

    def message(self) -> Message:
        return Message(
            title="Unable to read the Python version catalog",
            found=(f"Catalog: {quoted(self.source, 200)}", f"Problem: {self.reason}"),
            fix=(
                "Make BP_PYTHON_CATALOG a readable TOML file path or a reachable http(s) URL.",
                "Or unset BP_PYTHON_CATALOG to use the catalog built into the buildpack.",
            ),
        )


@dataclass(eq=False)
class CatalogInvalid(BuildpackError):
    """The catalog parsed as TOML but breaks schema 1; every problem is listed."""

    source: str
    problems: tuple[str, ...]

    def message(self) -> Message:
        count = len(self.problems)
        return Message(
            title="The Python version catalog is invalid",
            found=(
                f"Catalog: {quoted(self.source, 200)}",
                f"{count} problem{'s' if count != 1 else ''}:",
                *(f"- {problem}" for problem in self.problems),
            ),
            fix=(
                "Fix each entry and key named above (the format is catalog schema 1, "
                "see docs/catalog.md).",
                "Check the file before using it: cnb-python catalog check FILE",
            ),
        )


@dataclass(eq=False)
class AppDirMissing(BuildpackError):
    """`cnb-python resolve` was given a path that is not a directory."""

    path: str

    def message(self) -> Message:
        return Message(
            title="The app directory doesn't exist",
            found=(f"{quoted(self.path, 200)} is not a directory.",),
            fix=("Pass the path of the app's source directory: cnb-python resolve APP_DIR ...",),
        )


@dataclass(eq=False)
class InvalidMirror(BuildpackError):
    value: str
    reason: str

    def message(self) -> Message:
        return Message(
            title="BP_PYTHON_MIRROR is not a usable base URL",
            found=(f"BP_PYTHON_MIRROR is {quoted(self.value)}: {self.reason}.",),
            fix=(
                "Set it to the http(s) or file URL of a directory holding the catalog's "
                "archives under their original file names, e.g. https://mirror.example/python",
                "Or unset it to download from the catalog's own URLs.",
            ),
        )


@dataclass(eq=False)
class UnknownStack(BuildpackError):
    """Neither the stack id nor the distro of the target is in the catalog."""

    target: str
    known: tuple[str, ...]

    def message(self) -> Message:
        return Message(
            title="This stack isn't recognised by the Python version catalog",
            found=(
                f"This build targets {self.target}.",
                "The catalog knows these stacks:",
                *(f"- {stack}" for stack in self.known),
            ),
            fix=(
                "Build on one of the stacks above (a builder sets CNB_STACK_ID, or "
                "CNB_TARGET_DISTRO_NAME and CNB_TARGET_DISTRO_VERSION).",
                "Or set BP_PYTHON_CATALOG to a catalog that describes this stack.",
            ),
        )


@dataclass(eq=False)
class MuslTarget(BuildpackError):
    """The run image is a musl libc distro: no CPython build in the catalog runs there."""

    distro: str
    version: str

    def message(self) -> Message:
        name = f"{self.distro} {self.version}".strip()
        return Message(
            title=f"Python cannot be installed on {name}: it uses musl libc, not glibc",
            found=(
                f"The run image says it is {name} (io.buildpacks.base.distro.name and .version, "
                "or its /etc/os-release).",
                "The CPython builds this buildpack installs (python-build-standalone's) need "
                "glibc 2.17 or newer; they cannot run on musl.",
            ),
            fix=(
                "Build on a glibc-based stack: Debian, Ubuntu, UBI/RHEL, Amazon Linux 2023, or "
                "the heroku-* and scalingo-* stacks.",
                "Or set BP_PYTHON_CATALOG to a catalog with CPython builds made for this stack "
                "(a [[stacks]] entry for it, and artifacts that list it).",
            ),
        )


@dataclass(eq=False)
class StackEndOfLife(BuildpackError):
    stack: str
    supported: tuple[str, ...]

    def message(self) -> Message:
        return Message(
            title=f"The {self.stack} stack is no longer supported",
            found=(
                f"The Python version catalog marks {self.stack} as end-of-life: no Python "
                "builds are offered for it any more.",
            ),
            fix=(f"Move the app to a supported stack: {bullet_list(self.supported)}.",),
        )


@dataclass(eq=False)
class ArchNotOffered(BuildpackError):
    stack: str
    arch: str
    archs: tuple[str, ...]
    stacks_with_arch: tuple[str, ...]

    def message(self) -> Message:
        fix = [
            f"Build for {' or '.join(self.archs)} "
            f"(e.g. pack build --platform linux/{self.archs[0]})."
        ]
        if self.stacks_with_arch:
            fix.append(
                f"Or use a stack that offers {self.arch}: {bullet_list(self.stacks_with_arch)}."
            )
        return Message(
            title=f"The {self.stack} stack doesn't offer Python for {self.arch}",
            found=(
                f"This build targets {self.arch}; {self.stack} offers Python for "
                f"{bullet_list(self.archs)} only.",
            ),
            fix=tuple(fix),
        )


@dataclass(eq=False)
class VersionFileMisspelled(BuildpackError):
    found_name: str
    expected: str

    def message(self) -> Message:
        return Message(
            title=f"The {self.expected} file is spelled incorrectly",
            found=(
                f"Found {quoted(self.found_name)} in the app's root directory. The buildpack "
                f"reads only a file named exactly {self.expected}, so this file would be ignored.",
            ),
            fix=(
                f"Rename it: git mv {quoted(self.found_name)} {self.expected}",
                "Or delete it if it is not meant to choose the Python version.",
            ),
        )


@dataclass(eq=False)
class VersionFileEncoding(BuildpackError):
    """A version file in UTF-16, UTF-8 with BOM or not text: the usual Windows redirect trap."""

    file: str
    encoding: str
    example: str

    def message(self) -> Message:
        return Message(
            title=f"Unable to read {self.file}: unsupported text encoding",
            found=(
                f"{self.file} is {self.encoding}. It must be plain UTF-8 without a byte "
                "order mark.",
                "Windows PowerShell's `echo ... > file` writes UTF-16 files like this one.",
            ),
            fix=(
                f"Write it again as UTF-8, e.g. in a POSIX shell: printf '{self.example}\\n' "
                f"> {self.file}",
                f"Or in PowerShell: Set-Content -Encoding ascii {self.file} {self.example}",
            ),
        )


@dataclass(eq=False)
class VersionFileUnreadable(BuildpackError):
    file: str
    reason: str

    def message(self) -> Message:
        return Message(
            title=f"Unable to read {self.file}",
            found=(f"Reading {self.file} failed: {self.reason}",),
            fix=(f"Make {self.file} a regular, readable file in the app's root directory.",),
        )


@dataclass(eq=False)
class NoVersionFound(BuildpackError):
    origin: str
    example: str
    shadowed: tuple[str, ...] = ()  # lower-precedence version files that were not read

    def message(self) -> Message:
        if self.shadowed:
            other = self.shadowed[0]
            return Message(
                title=f"No Python version found in {self.origin}",
                found=(
                    f"{self.origin} is empty, or holds only blank lines and comments. It takes "
                    f"precedence over {other}, which is also in the app, so {other} was not "
                    "read.",
                ),
                fix=(
                    f"Delete {self.origin} (it is deprecated): {other} then chooses the version.",
                ),
            )
        if self.origin == "BP_PYTHON_VERSION":
            return Message(
                title="No Python version found in BP_PYTHON_VERSION",
                found=("BP_PYTHON_VERSION is set but empty.",),
                fix=(f"Set it to a version such as {self.example}, or unset it.",),
            )
        return Message(
            title=f"No Python version found in {self.origin}",
            found=(
                f"{self.origin} is empty, or holds only blank lines and comments "
                "(lines starting with #).",
            ),
            fix=(f"Write the version on its own line, e.g. {self.example}",),
        )


@dataclass(eq=False)
class MultipleVersions(BuildpackError):
    origin: str
    values: tuple[str, ...]

    def message(self) -> Message:
        return Message(
            title=f"Multiple Python versions found in {self.origin}",
            found=(
                f"{self.origin} holds {len(self.values)} version lines:",
                *(f"- {quoted(value)}" for value in self.values[:10]),
            ),
            fix=(
                "Keep exactly one version line.",
                "Put notes on their own line starting with #.",
            ),
        )


@dataclass(eq=False)
class InvalidVersion(BuildpackError):
    """A version that does not parse; `suggestion` is what to write instead, when guessable."""

    origin: str
    value: str
    suggestion: str = ""

    def message(self) -> Message:
        if self.origin.startswith("runtime.txt"):
            forms = "python-X.Y or python-X.Y.Z (e.g. python-3.14)"
        elif self.origin.startswith("Pipfile.lock"):
            forms = "a string X.Y or X.Y.Z"
        else:
            forms = f"{_VERSION_FORMS}, with no quotes, `python-` prefix, wildcards or ranges"
        found = (f"{self.origin} contains {quoted(self.value)}.", f"A version must be {forms}.")
        fix: list[str] = []
        if self.origin.startswith("Pipfile.lock"):
            fix.append(
                "Set python_version in the [requires] table of Pipfile, then run pipenv lock."
            )
        elif self.suggestion and self.origin == "BP_PYTHON_VERSION":
            fix.append(f"Set BP_PYTHON_VERSION to {self.suggestion} instead.")
        elif self.suggestion:
            fix.append(f"Write {self.suggestion} instead.")
        else:
            fix.append("Write a version of that form instead.")
        if not self.origin.startswith("BP_PYTHON_VERSION"):
            fix.append("Comments go on their own line, starting with #.")
        return Message(
            title=f"Invalid Python version in {self.origin}", found=found, fix=tuple(fix)
        )


@dataclass(eq=False)
class PipfileLockInvalid(BuildpackError):
    reason: str

    def message(self) -> Message:
        return Message(
            title="Can't parse Pipfile.lock",
            found=(f"Pipfile.lock is not a valid lock file: {self.reason}",),
            fix=(
                "Regenerate it with `pipenv lock` and commit the result.",
                "Check that no merge-conflict markers are left in it.",
            ),
        )


@dataclass(eq=False)
class PyprojectInvalid(BuildpackError):
    reason: str

    def message(self) -> Message:
        return Message(
            title="Can't parse pyproject.toml",
            found=(f"pyproject.toml is not valid TOML: {self.reason}",),
            fix=("Fix the syntax at the position named above.",),
        )


@dataclass(eq=False)
class InvalidRequiresPython(BuildpackError):
    origin: str
    value: str
    reason: str

    def message(self) -> Message:
        return Message(
            title=f"Invalid Python requirement in {self.origin}",
            found=(f"{self.origin} is {quoted(self.value)}: {self.reason}.",),
            fix=(
                "Use a version specifier such as >=3.12 (Poetry: ^3.12).",
                "Or choose the version explicitly in .python-version, which takes precedence.",
            ),
        )


@dataclass(eq=False)
class UnknownSeries(BuildpackError):
    origin: str
    value: str
    series: str
    stack: str
    offered: tuple[str, ...]
    recommended: str

    def message(self) -> Message:
        return Message(
            title="The requested Python version isn't recognised",
            found=(
                _requested_by(self.origin, self.value),
                f"The catalog has no Python {self.series}.",
                f"The {self.stack} stack offers Python {bullet_list(self.offered)}.",
            ),
            fix=(
                "Check the version for typos and request one of the offered series.",
                _write_version_step(self.recommended, self.origin),
                "If it was released recently, update the buildpack, or set BP_PYTHON_CATALOG "
                "to a catalog that has it.",
            ),
        )


@dataclass(eq=False)
class SeriesNotOffered(BuildpackError):
    """A known series this stack does not offer; `end_of_life` is set when it is EOL."""

    origin: str
    value: str
    series: str
    stack: str
    offered: tuple[str, ...]
    recommended: str
    elsewhere: tuple[str, ...]
    end_of_life: str = ""

    def message(self) -> Message:
        found = [
            _requested_by(self.origin, self.value),
            f"The {self.stack} stack offers Python {bullet_list(self.offered)}.",
        ]
        if self.end_of_life:
            found.append(
                f"Python {self.series} reached its upstream end of life on {self.end_of_life}."
            )
        if self.elsewhere:
            found.append(f"Python {self.series} is offered on: {bullet_list(self.elsewhere)}.")
        fix = [
            "Request one of the series this stack offers.",
            _write_version_step(self.recommended, self.origin),
        ]
        if self.elsewhere and not self.end_of_life:
            fix.append(f"Or build on a stack that offers Python {self.series}.")
        return Message(
            title=f"Python {self.series} isn't offered on the {self.stack} stack",
            found=tuple(found),
            fix=tuple(fix),
        )


@dataclass(eq=False)
class SeriesEndOfLife(BuildpackError):
    """`allow_possible`: the catalog has a build, so BP_PYTHON_ALLOW_EOL=1 would use it."""

    origin: str
    value: str
    series: str
    end_of_life: str
    supported: tuple[str, ...]
    allow_possible: bool

    def message(self) -> Message:
        when = f" on {self.end_of_life}" if self.end_of_life else ""
        title = (
            f"The previous build's Python {self.series} has reached end-of-life"
            if self.origin == "the previous build"
            else f"Python {self.series} has reached end-of-life"
        )
        fix = [f"Upgrade to a supported series this stack offers: {bullet_list(self.supported)}."]
        if self.supported:
            fix.append(_write_version_step(self.supported[-1], self.origin))
        if self.allow_possible:
            fix.append(
                "To build anyway, at your own risk, set BP_PYTHON_ALLOW_EOL=1 "
                "(e.g. pack build --env BP_PYTHON_ALLOW_EOL=1)."
            )
        return Message(
            title=title,
            found=(
                _requested_by(self.origin, self.value),
                f"Python {self.series} reached its upstream end of life{when}: it no longer "
                "gets security fixes.",
            ),
            fix=tuple(fix),
        )


@dataclass(eq=False)
class PatchNotAvailable(BuildpackError):
    origin: str
    value: str
    stack: str
    arch: str
    same_series: tuple[str, ...]
    newest: tuple[str, ...]

    def message(self) -> Message:
        series = ".".join(self.value.split(".")[:2])
        found = [
            _requested_by(self.origin, self.value),
            f"Python {self.value} isn't in the catalog for {self.stack} {self.arch}.",
        ]
        if self.same_series:
            shown = self.same_series[-12:]
            more = "" if len(shown) == len(self.same_series) else " (and older)"
            found.append(f"Python {series} patches available there: {bullet_list(shown)}{more}.")
        found.append(f"Newest patch of each series there: {bullet_list(self.newest)}.")
        fix = []
        if self.same_series:
            fix.append(
                f"Request the series instead, to get its newest patch ({self.same_series[-1]}). "
                + _write_version_step(series, self.origin)
            )
        fix.append("Or pin one of the patches listed above.")
        return Message(
            title=f"Python {self.value} isn't available on the {self.stack} stack",
            found=tuple(found),
            fix=tuple(fix),
        )


@dataclass(eq=False)
class RequiresPythonUnsatisfied(BuildpackError):
    origin: str
    value: str
    stack: str
    arch: str
    newest: tuple[str, ...]

    def message(self) -> Message:
        return Message(
            title="No available Python version satisfies the app's Python requirement",
            found=(
                _requested_by(self.origin, self.value),
                f"Newest patch of each series on {self.stack} {self.arch}: "
                f"{bullet_list(self.newest)}.",
            ),
            fix=(
                "Relax the requirement so one of those versions satisfies it.",
                "Or choose the version in .python-version, which takes precedence.",
            ),
        )
