"""Package managers and the app's dependencies."""

from __future__ import annotations

from dataclasses import dataclass

from cnb_python.errors.base import BuildpackError, BuildWarning, Message, bullet_list, quoted

# What makes the lock file of a manager that installs only from one.
LOCK_COMMANDS = {"uv": "uv lock", "poetry": "poetry lock"}


@dataclass(eq=False)
class NoPackageManagerFile(BuildpackError):
    """Nothing in the app root says how to install its dependencies."""

    looked_for: tuple[str, ...]
    misspelled: tuple[str, ...] = ()
    chosen: str = ""  # set when BP_PYTHON_PACKAGE_MANAGER chose a manager whose files are absent
    pyproject_without_project: bool = False  # a pyproject.toml with no [project] table

    def message(self) -> Message:
        if self.chosen in LOCK_COMMANDS:
            return self._lock_missing()
        absent = tuple(
            name
            for name in self.looked_for
            if not (self.pyproject_without_project and name == "pyproject.toml")
        )
        found = [f"None of these files is in the app root: {bullet_list(absent)}."]
        if self.pyproject_without_project:
            found.append(
                "pyproject.toml exists but declares no project: it has no [project] table "
                "(it may be empty, or hold only [tool.*] settings), so it says nothing about "
                "what to install."
            )
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
        if self.chosen:
            fix.append("Or unset BP_PYTHON_PACKAGE_MANAGER to let the buildpack choose.")
        title = "No package manager file found"
        if self.chosen:
            title = f"The package manager {self.chosen} was chosen but its files are missing"
        return Message(title=title, found=tuple(found), fix=tuple(fix))

    def _lock_missing(self) -> Message:
        """uv and Poetry apps install from their lock file only, so the fix is to make one."""
        lock = self.looked_for[0] if self.looked_for else f"{self.chosen}.lock"
        return Message(
            title=f"The package manager {self.chosen} was chosen but {lock} is missing",
            found=(
                f"BP_PYTHON_PACKAGE_MANAGER chooses {quoted(self.chosen)}, and there is no "
                f"{lock} in the app root.",
            ),
            fix=(
                f"Run `{LOCK_COMMANDS[self.chosen]}` in the app directory and commit {lock}: "
                "the build installs exactly what the lock file lists.",
                "Or unset BP_PYTHON_PACKAGE_MANAGER to let the buildpack choose from the "
                "app's files.",
            ),
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
class ToolSeriesUnsupported(BuildpackError):
    """No pinned release of a tool the app needs supports the app's Python series."""

    tool: str
    python_version: str
    served: tuple[str, ...]  # the series some pin serves, oldest first

    def served_text(self) -> str:
        if not self.served:
            return "no Python series"
        last = self.served[-1]
        if last == "3.29":  # `pins.series_served` looks no further: open-ended
            return f"Python {self.served[0]} and later"
        return "Python " + ", ".join(self.served)

    def message(self) -> Message:
        series = ".".join(self.python_version.split(".")[:2])
        return Message(
            title=f"{self.tool} cannot be installed for Python {series}",
            found=(
                f"The app needs {self.tool}, and the Python version resolved for it is "
                f"{self.python_version}.",
                f"The {self.tool} releases this buildpack installs support {self.served_text()}.",
            ),
            fix=(
                f"Ask for a Python version {self.tool} supports ({self.served_text()}) in "
                ".python-version (or the file your app uses for it).",
                "Or use another package manager, or an older release of this buildpack.",
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
        found = [
            f"Installing {self.tool} {self.version} exited with status {self.returncode}"
            + ("." if self.detail else "; its output above says why.")
        ]
        if self.detail:
            found.append(self.detail)
        return Message(
            title=f"Unable to install {self.tool} {self.version}",
            found=tuple(found),
            fix=(
                "If it could not reach the package index, check PIP_INDEX_URL and the proxy "
                "and certificate settings passed to the build, then retry: a network error "
                "may have been temporary.",
                "The buildpack installs its tools isolated from the app (`python -I`, no "
                "PYTHON* variables, outside the app directory), so the app's own files are not "
                "the cause: if the output names nothing you can change, report it with the "
                "build log.",
            ),
        )


@dataclass(eq=False)
class InstallTimedOut(BuildpackError):
    """A command installing the app's dependencies (or a tool of the build) ran past its time
    limit and was stopped."""

    command: str  # as the log shows it: "pip install -r requirements.txt"
    seconds: float
    setting: str

    def message(self) -> Message:
        return Message(
            title=f"`{self.command}` did not finish within {self.seconds:g} s",
            found=(
                f"It was stopped after {self.seconds:g} s, the limit set by {self.setting} "
                "(its output is above).",
                "An install that makes no progress is usually waiting on the network (an index "
                "or proxy that accepts connections and never answers) or building a large "
                "package from source.",
            ),
            fix=(
                "Check the index and proxy settings passed to the build (PIP_INDEX_URL, "
                "HTTPS_PROXY) and that the build can reach them.",
                f"If the install really needs longer, raise {self.setting} (seconds) in the "
                "platform env (docs/limits.md).",
            ),
        )


@dataclass(eq=False)
class ToolWheelNotPinned(BuildpackError):
    """The wheel offered for a tool's pinned version is not a file whose sha256 the pin lists."""

    tool: str
    version: str
    filename: str
    source: str  # the index page (redacted) or the carried wheels' directory
    sha256: str

    def message(self) -> Message:
        return Message(
            title=f"The {self.tool} {self.version} wheel offered is not the one the buildpack pins",
            found=(
                f"{self.source} offers {self.filename} with sha256 {self.sha256}, which is "
                f"none of the sha256 the buildpack pins for {self.tool} {self.version} "
                f"(cnb_python/pins/{self.tool}.txt).",
                "An index mirror that rebuilt or altered the file serves other bytes than the "
                "published release, and the buildpack installs its tools only as published.",
            ),
            fix=(
                "Point PIP_INDEX_URL at an index that serves the published files byte for byte "
                "(a pull-through mirror such as devpi, Artifactory or Nexus does).",
                "If this is the buildpack's own copy (the offline edition), package it again: "
                "its carried wheel does not match its pins.",
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


# -- Pipenv, Poetry and uv ------------------------------------------------------------------


@dataclass(eq=False)
class PipfileLockMissing(BuildpackError):
    """A Pipfile without its Pipfile.lock: installing would mean resolving at build time."""

    origin: str  # "Pipfile" or "BP_PYTHON_PACKAGE_MANAGER=pipenv"

    def message(self) -> Message:
        return Message(
            title="Pipfile.lock is missing",
            found=(
                f"Pipenv was chosen because of {self.origin}, but the app has no Pipfile.lock.",
                "The buildpack installs exactly what a lock file lists; it never resolves "
                "versions during the build.",
            ),
            fix=(
                "Run `pipenv lock` and commit Pipfile.lock with the app.",
                "Check that .gitignore and .dockerignore do not exclude Pipfile.lock.",
            ),
        )


@dataclass(eq=False)
class LockedInstallFailed(BuildpackError):
    """Pipenv, Poetry or uv refused to install from the lock file; its output says why."""

    tool: str
    returncode: int
    lock_file: str
    lock_command: str
    python_version: str

    def message(self) -> Message:
        return Message(
            title=f"Unable to install dependencies with {self.tool}",
            found=(
                f"{self.tool} exited with status {self.returncode}; its output above says why.",
            ),
            fix=(
                f"If {self.lock_file} is out of date, run `{self.lock_command}` and commit it.",
                f"If the project does not allow Python {self.python_version}, choose a version "
                "it allows in .python-version, or widen its Python requirement. The buildpack "
                "never installs another Python for the tool.",
                "If the package index could not be reached, check the index, proxy and "
                "certificate settings passed to the build.",
            ),
        )


@dataclass(eq=False)
class InvalidGroups(BuildpackError):
    """`BP_PYTHON_GROUPS` holds something that is not a group name."""

    value: str
    bad: tuple[str, ...]

    def message(self) -> Message:
        return Message(
            title="BP_PYTHON_GROUPS is not a list of group names",
            found=(
                f"BP_PYTHON_GROUPS is {quoted(self.value)}; not group names: "
                f"{bullet_list([quoted(b) for b in self.bad])}.",
            ),
            fix=(
                "Set it to comma-separated names of dependency groups, e.g. `dev,test` "
                "(Pipenv: `dev` adds [dev-packages]).",
                "Or unset it to install the production dependencies only.",
            ),
        )


# -- the failures people meet most, read from the installer's output (install_failures) -----

_OUTPUT_ABOVE = "its output above has the details"


def _exited(tool: str, returncode: int) -> str:
    return f"{tool} exited with status {returncode}; {_OUTPUT_ABOVE}."


@dataclass(eq=False)
class BuildDependencyMissing(BuildpackError):
    """A package had to be built from source and the build image lacks what that needs."""

    tool: str
    returncode: int
    package: str  # "" when the output does not name it
    version: str
    missing: str  # "the header file sqlite3.h", "a C compiler (gcc)"
    system_package: str  # "libsqlite3-dev", "" when not well known
    python_version: str
    # Newest version with a wheel for each Python series looked at: (series, version or "").
    wheels: tuple[tuple[str, str], ...] = ()

    def message(self) -> Message:
        who = f"{self.package} {self.version}".strip() if self.package else "A package"
        found = [
            f"{who} has no wheel for this platform and Python {self.python_version}, so "
            f"{self.tool} built it from source, which needs {self.missing}: the build image "
            "does not have it.",
            _exited(self.tool, self.returncode),
        ]
        fix: list[str] = []
        with_wheel = [(series, version) for series, version in self.wheels if version]
        if self.package and self.wheels:
            if with_wheel:
                found.append(
                    "Versions with a wheel on the index: "
                    + ", ".join(f"{version} for Python {series}" for series, version in with_wheel)
                    + "."
                )
                series, version = with_wheel[0]
                fix.append(
                    f"Use a version of {self.package} that has a wheel (e.g. "
                    f"{self.package}=={version} for Python {series}); if only another Python "
                    "has one, choose that Python in .python-version."
                )
            else:
                found.append(
                    f"No version of {self.package} has a wheel on the index for Python "
                    + ", ".join(series for series, _ in self.wheels)
                    + ": it is always built from source."
                )
        provider = f" (Debian/Ubuntu: {self.system_package})" if self.system_package else ""
        fix.extend(
            (
                f"Or give the build image {self.missing}{provider}: use a builder whose build "
                "image has it, or add a buildpack before this one that installs system "
                "packages (an apt buildpack with an Aptfile), or build your own build image "
                f"with it (`RUN apt-get install -y {self.system_package or '<package>'}`).",
                "Packages needed at run time too (a shared library the extension links to) "
                "must also be in the run image.",
            )
        )
        return Message(
            title=f"Unable to build {self.package or 'a package'}: {self.missing} is missing",
            found=tuple(found),
            fix=tuple(fix),
        )


@dataclass(eq=False)
class PackageNotOnIndex(BuildpackError):
    """The index has no such package, or no version that matches what was asked for."""

    tool: str
    returncode: int
    requirement: str
    versions: tuple[str, ...] | None  # what the index offers, when the tool listed it
    files: tuple[str, ...]  # where the requirement comes from

    def message(self) -> Message:
        found = [
            f"The package index has no release matching {quoted(self.requirement)}.",
            _exited(self.tool, self.returncode),
        ]
        if self.versions:
            shown = ", ".join(self.versions[-10:])
            more = " (newest 10)" if len(self.versions) > 10 else ""
            found.insert(1, f"Versions it offers{more}: {shown}.")
        elif self.versions is not None:
            found.insert(1, "It offers no version of it at all (the name may be misspelled).")
        return Message(
            title=f"Package not found on the index: {self.requirement}",
            found=tuple(found),
            fix=(
                f"Check the name and version in {bullet_list(self.files)}: a misspelling, a "
                "version that was never released or was yanked, or one that requires another "
                "Python (pip lists those as ignored above).",
                "If the package lives on a private index, point the build at it "
                "(PIP_INDEX_URL or PIP_EXTRA_INDEX_URL, UV_INDEX, Poetry's source) with its "
                "credentials in the platform env.",
            ),
        )


@dataclass(eq=False)
class HashesDoNotMatch(BuildpackError):
    """Hash-checking mode refused what the index served, or a requirement has no hash."""

    tool: str
    returncode: int
    packages: tuple[str, ...]
    missing: bool  # --require-hashes and some requirement has no hash
    files: tuple[str, ...]

    def message(self) -> Message:
        where = bullet_list(self.files)
        if self.missing:
            return Message(
                title="Some requirements have no hash, and hash-checking mode is on",
                found=(
                    f"{where} uses hashes (or --require-hashes), so every requirement, "
                    "dependencies included, needs a pinned version and a --hash.",
                    _exited(self.tool, self.returncode),
                ),
                fix=(
                    "Regenerate the file with hashes for everything, e.g. `pip-compile "
                    "--generate-hashes` or `uv pip compile --generate-hashes`, and commit it.",
                ),
            )
        named = f": {', '.join(self.packages)}" if self.packages else ""
        return Message(
            title="Downloaded packages do not match the hashes in the lock or requirements",
            found=(
                f"The files the index served have other hashes than {where} lists{named}.",
                _exited(self.tool, self.returncode),
            ),
            fix=(
                f"If the hashes were made against another index or for other files (another "
                f"platform's wheels, a re-uploaded release), regenerate {where} against the "
                "index the build uses and commit it.",
                "If the index is a mirror or proxy, check that it serves the files unchanged: "
                "a mismatch can also mean tampering.",
            ),
        )


@dataclass(eq=False)
class LockFileOutOfDate(BuildpackError):
    """The lock file does not match pyproject.toml or the Pipfile any more."""

    tool: str
    returncode: int
    lock_file: str
    lock_command: str
    detail: str  # the tool's own line

    def message(self) -> Message:
        source = "Pipfile" if self.lock_file == "Pipfile.lock" else "pyproject.toml"
        return Message(
            title=f"{self.lock_file} is out of date",
            found=(
                f"{source} changed since {self.lock_file} was made, and the build installs "
                f"exactly what the lock lists: it never re-resolves. {self.tool} says: "
                f"{quoted(self.detail, 160)}",
            ),
            fix=(
                f"Run `{self.lock_command}` in the app directory and commit {self.lock_file} "
                f"with {source}.",
            ),
        )


@dataclass(eq=False)
class PackageMetadataBroken(BuildpackError):
    """pip >= 24.1 refuses a release whose metadata has an invalid version (old Celery)."""

    tool: str
    returncode: int
    package: str

    def message(self) -> Message:
        who = self.package or "One of the dependencies"
        return Message(
            title=f"{who} has metadata this pip refuses",
            found=(
                f"{who} declares an invalid version or requirement in its metadata, which "
                "pip 24.1 and later refuse (Celery before 5.2.1 is the usual case).",
                _exited(self.tool, self.returncode),
            ),
            fix=(f"Upgrade {self.package or 'the affected package'} to a newer release.",),
        )


# -- warnings ------------------------------------------------------------------------------------


def several_managers(chosen: tuple[str, str], others: tuple[tuple[str, str], ...]) -> BuildWarning:
    """`chosen` is (manager, file); `others` the (file, manager) pairs also found."""
    manager, file = chosen
    return BuildWarning(
        f"Files of several package managers found: using {manager} ({file})",
        (
            "Also found: " + ", ".join(f"{name} ({other})" for name, other in others) + ".",
            "The precedence is uv.lock, poetry.lock, Pipfile.lock, requirements.txt, "
            "then setup.py or pyproject.toml.",
            "To choose, set BP_PYTHON_PACKAGE_MANAGER=pip|pipenv|poetry|uv, or remove the "
            "files of the managers you do not use.",
        ),
    )


GROUPS_IGNORED_FOR_PIP = BuildWarning(
    "BP_PYTHON_GROUPS has no effect on pip apps",
    (
        "Dependency groups are installed for uv, Poetry and Pipenv apps only.",
        "For pip, list the extra packages in the requirements file instead.",
    ),
)
