"""Every error a user can cause, as typed data, with all of its user-facing text.

Code raises a subclass of `BuildpackError` holding the facts (the file, the value, what is
available); `message()` turns those facts into a `Message`: a title, what was found, and how to
fix it. `cnb_python.__main__` renders it once and exits 1, so the user never sees a traceback.
Keep the prose here, next to its siblings, so the wording stays consistent.

Sections: core (contract, detect, platform env), catalog and version resolution, runtime
download and extraction, build environment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path


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


# --- core: contract, detect, platform env -------------------------------------------------


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
class InvalidLayerName(BuildpackError):
    """A programming error guard: layer names must satisfy the lifecycle's rules."""

    name: str
    reason: str

    def message(self) -> Message:
        return Message(title=f"Invalid layer name {quoted(self.name)}: {self.reason}")


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


# --- issue 5 part B: hooks, Django, how the app starts ------------------------------------


def _exit_description(status: int) -> str:
    return f"was killed by signal {-status}" if status < 0 else f"exited with status {status}"


@dataclass(eq=False)
class HookFailed(BuildpackError):
    """bin/pre_compile or bin/post_compile exited non-zero; its output is already in the log."""

    name: str
    status: int

    def message(self) -> Message:
        found = [f"bin/{self.name} {_exit_description(self.status)} (its output is above)."]
        if self.status in (126, 127):
            found.append(
                "Status 126 or 127 usually means a program could not be started: check the "
                "#! line of the script and the commands it calls."
            )
        when = (
            "It runs before Python is installed, so the app's Python and packages are not "
            "available yet."
            if self.name == "pre_compile"
            else "It runs after the dependencies and static files, with the virtual "
            "environment's bin first on PATH."
        )
        return Message(
            title=f"Failed to run the bin/{self.name} script",
            found=(*found, when),
            fix=(
                f"Fix bin/{self.name} so it exits with status 0; run it locally from the app "
                "directory to reproduce.",
                f"Or delete bin/{self.name} if the app no longer needs it.",
            ),
        )


_COLLECTSTATIC_OPT_OUT = (
    "To build without collecting static files, set DISABLE_COLLECTSTATIC=1 in the build "
    "environment (pack build --env DISABLE_COLLECTSTATIC=1, or project.toml)."
)


@dataclass(eq=False)
class DjangoInspectionFailed(BuildpackError):
    """`manage.py help collectstatic` failed for another reason than a missing command:
    usually settings that cannot be imported at build time."""

    status: int
    output: str

    def message(self) -> Message:
        found = [
            "The buildpack ran `python manage.py help collectstatic` to find out whether "
            f"django.contrib.staticfiles is enabled, and it {_exit_description(self.status)}.",
        ]
        if self.output.strip():
            found.append("Its output ends with:")
            found.extend(f"  {line}" for line in self.output.strip().splitlines()[-25:])
        return Message(
            title="Unable to inspect the Django configuration",
            found=tuple(found),
            fix=(
                "Make sure the settings module can be imported during the build: settings that "
                "need run-time services or secrets should have defaults for the build.",
                "Run `python manage.py help collectstatic` locally to reproduce.",
                _COLLECTSTATIC_OPT_OUT,
            ),
        )


@dataclass(eq=False)
class CollectstaticFailed(BuildpackError):
    """`manage.py collectstatic --noinput` failed; Django's output is already in the log."""

    status: int

    def message(self) -> Message:
        return Message(
            title="Unable to generate Django static files",
            found=(
                "`python manage.py collectstatic --noinput` "
                f"{_exit_description(self.status)} (Django's output is above).",
            ),
            fix=(
                "Check STATIC_ROOT and STATICFILES_STORAGE / STORAGES in your settings, and that "
                "every file your CSS references exists (WhiteNoise's manifest storage fails on "
                "missing files).",
                "Run `python manage.py collectstatic --noinput` locally to reproduce.",
                "If the app does not serve static files, remove django.contrib.staticfiles from "
                "INSTALLED_APPS.",
                _COLLECTSTATIC_OPT_OUT,
            ),
        )


# --- env files and the local platform (`cnb-python dev`) -------------------------------------


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


# --- runtime download, extraction and build environment (issue 4) -------------------------


@dataclass(eq=False)
class DownloadFailed(BuildpackError):
    """A download gave up: a non-retryable answer, or every attempt failed.

    `url` is already redacted (no credentials); `reason` is the last attempt's failure.
    """

    url: str
    reason: str
    attempts: int = 1

    def message(self) -> Message:
        tried = "once" if self.attempts == 1 else f"{self.attempts} times"
        return Message(
            title=f"Could not download {self.url}",
            found=(f"Tried {tried}; the last attempt failed: {self.reason}",),
            fix=(
                "Check that the build can reach that host (network, proxy settings in "
                "HTTPS_PROXY/NO_PROXY, CA bundle in SSL_CERT_FILE), then build again.",
                "If the host is unreachable from your builds, set BP_PYTHON_MIRROR to a server "
                "you control that holds the same files.",
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

    offenders: tuple[tuple[str, str], ...]  # (name, where it was set)

    def message(self) -> Message:
        return Message(
            title="Environment variables that would break the Python install are set",
            found=(
                "These variables redirect where Python or its installers look or write, so the "
                "app image would not contain what the build installed:",
                *(f"  {name} (set in {where})" for name, where in self.offenders),
            ),
            fix=(
                "Unset them in your platform configuration (pack --env, project.toml, "
                "the builder's environment) and build again.",
                "The buildpack itself chooses the interpreter, virtual environment and caches.",
            ),
        )


# --- catalog and version resolution -------------------------------------------------------
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

    def message(self) -> Message:
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


# --- package managers and dependencies (issue 5, part A) --------------------------------------


@dataclass(eq=False)
class NoPackageManagerFile(BuildpackError):
    """Nothing in the app root says how to install its dependencies."""

    looked_for: tuple[str, ...]
    misspelled: tuple[str, ...] = ()
    chosen: str = ""  # set when BP_PYTHON_PACKAGE_MANAGER chose a manager whose files are absent

    def message(self) -> Message:
        found = [f"None of these files is in the app root: {bullet_list(self.looked_for)}."]
        if self.chosen:
            found.insert(0, f"BP_PYTHON_PACKAGE_MANAGER chooses {quoted(self.chosen)}.")
        fix = []
        for name in self.misspelled:
            found.append(
                f"Found {quoted(name)}, which looks like a misspelling of requirements.txt."
            )
            fix.append(f"Rename {quoted(name)} to requirements.txt.")
        fix.extend(
            (
                "Add a requirements.txt listing the app's dependencies (it may be empty), "
                "for example with `pip freeze > requirements.txt`.",
                "Or describe the app as a project in pyproject.toml ([project] table) or "
                "setup.py: it is then installed with `pip install .`.",
                "The files must be in the root of the app directory, not in a subdirectory.",
            )
        )
        title = "No package manager file found"
        if self.chosen:
            title = f"The package manager {self.chosen} was chosen but its files are missing"
        return Message(title=title, found=tuple(found), fix=tuple(fix))


@dataclass(eq=False)
class PackageManagerNotSupported(BuildpackError):
    """Pipenv, Poetry and uv projects are recognised but not installed by this version yet."""

    manager: str
    origin: str  # "uv.lock" or "BP_PYTHON_PACKAGE_MANAGER"
    pip_files: tuple[str, ...] = ()

    def message(self) -> Message:
        export = {
            "uv": "uv export --no-hashes --format requirements-txt > requirements.txt",
            "poetry": "poetry export -f requirements.txt --output requirements.txt",
            "pipenv": "pipenv requirements > requirements.txt",
        }.get(self.manager, "")
        fix = []
        if self.pip_files:
            fix.append(
                f"The app also has {bullet_list(self.pip_files)}: set "
                "BP_PYTHON_PACKAGE_MANAGER=pip to install with pip from those files."
            )
        elif export:
            fix.append(
                f"Export the dependencies with `{export}`, then set "
                "BP_PYTHON_PACKAGE_MANAGER=pip (or remove the other manager's files)."
            )
        fix.append("Or use a later version of this buildpack, once it supports " + self.manager)
        return Message(
            title=f"The package manager {self.manager} is not supported yet by this buildpack",
            found=(f"{self.manager} was chosen because of {self.origin}.",),
            fix=tuple(fix),
        )


@dataclass(eq=False)
class InvalidPackageSetting(BuildpackError):
    """A `BP_PYTHON_PACKAGE_MANAGER` or `BP_PYTHON_INSTALLER` value we do not know."""

    name: str
    value: str
    allowed: tuple[str, ...]

    def message(self) -> Message:
        return Message(
            title=f"{self.name} has an unknown value",
            found=(f"{self.name} is {quoted(self.value)}.",),
            fix=(
                f"Set it to one of: {bullet_list(self.allowed)}.",
                "Or unset it to let the buildpack choose from the app's files.",
            ),
        )


@dataclass(eq=False)
class RequirementsIncludeMissing(BuildpackError):
    """`-r other.txt` or `-c constraints.txt` names a file that is not there."""

    origin: str  # "requirements.txt:3"
    include: str
    resolved: str

    def message(self) -> Message:
        return Message(
            title="A requirements file includes a file that does not exist",
            found=(
                f"{self.origin} includes {quoted(self.include)}, but {self.resolved} is absent.",
            ),
            fix=(
                "Include paths are relative to the file that names them: fix the path.",
                "Or add the missing file to the app (check .gitignore and .dockerignore).",
            ),
        )


@dataclass(eq=False)
class DependencyInstallFailed(BuildpackError):
    """pip or uv failed; its own output, streamed above, says why."""

    installer: str
    returncode: int
    files: tuple[str, ...] = ()

    def message(self) -> Message:
        where = bullet_list(self.files) if self.files else "the app's dependency files"
        return Message(
            title=f"Unable to install dependencies with {self.installer}",
            found=(
                f"{self.installer} exited with status {self.returncode}; its output above "
                "says why.",
            ),
            fix=(
                f"Check {where}: a misspelled package, a version that does not exist, or a "
                "line pip cannot read are the usual causes.",
                "Run the same install locally in a fresh virtual environment to reproduce it.",
                "If the package index could not be reached, check PIP_INDEX_URL and the proxy "
                "and certificate settings passed to the build.",
            ),
        )


@dataclass(eq=False)
class ToolInstallFailed(BuildpackError):
    """Installing a packaging tool (pip, uv) into its build-only layer failed."""

    tool: str
    version: str
    returncode: int
    detail: str = ""

    def message(self) -> Message:
        found = [f"Installing {self.tool} {self.version} exited with status {self.returncode}."]
        if self.detail:
            found.append(self.detail)
        return Message(
            title=f"Unable to install {self.tool} {self.version}",
            found=tuple(found),
            fix=(
                "The package index must be reachable during the build: check PIP_INDEX_URL "
                "and the proxy and certificate settings passed to the build.",
                "Retry the build: a network error may have been temporary.",
            ),
        )


@dataclass(eq=False)
class BundledPipMissing(BuildpackError):
    """The runtime archive lacks `ensurepip`'s pip wheel, which bootstraps the pip layer."""

    python_version: str
    looked_in: str

    def message(self) -> Message:
        return Message(
            title=f"Python {self.python_version} has no bundled pip wheel",
            found=(f"No pip-*.whl in {self.looked_in}.",),
            fix=(
                "The runtime archive was built without ensurepip's wheels: tell the operator "
                "of the catalog, or use an archive that keeps lib/pythonX.Y/ensurepip.",
            ),
        )


@dataclass(eq=False)
class VenvCreateFailed(BuildpackError):
    python_version: str
    output: str

    def message(self) -> Message:
        return Message(
            title="Unable to create the virtual environment",
            found=(
                f"`python -m venv` of Python {self.python_version} failed:",
                *self.output.strip().splitlines()[-10:],
            ),
            fix=("This is most likely a problem with the runtime archive: tell its operator.",),
        )
