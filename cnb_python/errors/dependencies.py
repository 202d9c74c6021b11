"""Package managers and the app's dependencies."""

from __future__ import annotations

from dataclasses import dataclass

from cnb_python.errors.base import BuildpackError, Message, bullet_list, quoted


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
