"""Package managers and the app's dependencies."""

from __future__ import annotations

from dataclasses import dataclass

from cnb_python.errors.base import BuildpackError, Message, bullet_list, quoted

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
