"""Apps with a lock file: Pipenv (Pipfile.lock), Poetry (poetry.lock) and uv (uv.lock).

Each tool runs from its build-only layer against the venv the venv layer made
(`VIRTUAL_ENV` for Pipenv and Poetry, `UV_PROJECT_ENVIRONMENT` for uv), installs exactly what
the lock lists (a stale lock is the tool's error, never a re-resolve), production dependencies
only unless `BP_PYTHON_GROUPS` names more, and never fetches another Python: the venv's
interpreter is the only one it may use, so a project that excludes it fails with the tool's
own message.

Poetry and uv sync: on a reused venv they run again and make it match the lock exactly, which
is a no-op when nothing changed. Pipenv's `install --deploy` only adds, so, like pip, a Pipenv
venv is rebuilt from scratch when Pipfile or Pipfile.lock changes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from cnb_python import trust
from cnb_python.errors import CommandFailed, LockedInstallFailed
from cnb_python.managers.base import (
    INDEX_SETTINGS,
    InstallJob,
    KeyInputs,
    index_settings,
    run_install,
)
from cnb_python.managers.failures import named_failure, stale_lock
from cnb_python.managers.requirements import sha256_file
from cnb_python.managers.venv_contents import (
    installed_summary,
    pipfile_packages,
    poetry_packages,
    uv_installed,
)

PYPROJECT = "pyproject.toml"
# Settings that change where Pipenv and Poetry fetch from, besides the pip ones.
EXTRA_INDEX_SETTINGS = ("PIPENV_PYPI_MIRROR", "POETRY_REPOSITORIES", "POETRY_SOURCE")


@dataclass(frozen=True)
class LockedManager:
    """What the three share: the files, the groups, and how a failure reads."""

    app_dir: Path
    python_version: str
    groups: tuple[str, ...] = ()

    name = ""
    lock_file = ""
    lock_command = ""
    key_files: ClassVar[tuple[str, ...]] = ()
    syncs_in_place = False
    # Poetry retries a certificate failure with back-off for minutes: check the index first.
    retries_network_errors = False
    # The tool layers that install this one: pip installs Pipenv and Poetry into venvs of
    # their own; uv is unpacked from its wheel and needs none.
    installed_by: ClassVar[tuple[str, ...]] = ("pip",)

    @property
    def installer(self) -> str:
        return self.name

    def tools(self) -> tuple[str, ...]:
        return (*self.installed_by, self.name)

    def describe(self) -> str:
        extra = f", with groups {', '.join(self.groups)}" if self.groups else ""
        return f"{self.name} with {self.lock_file}{extra}"

    def key_inputs(self, env: Mapping[str, str]) -> KeyInputs:
        files = {
            name: sha256_file(self.app_dir / name)
            for name in self.key_files
            if (self.app_dir / name).is_file()
        }
        names = (*INDEX_SETTINGS, *EXTRA_INDEX_SETTINGS)
        options = f"groups={','.join(self.groups)}" if self.groups else ""
        return KeyInputs(files=files, settings=index_settings(env, names), options=options)

    def _run(self, job: InstallJob, args: Sequence[str], extra_env: Mapping[str, str]) -> str:
        """Run the tool (shown and captured, so a failure can be named); its output."""
        tool = job.tools[self.name]
        env = {**tool.run_env(job.env), **extra_env}
        index = trust.index_url(self.name, self.app_dir, env)
        if self.retries_network_errors:
            trust.check_certificate(index, env)
        shown = shown_command(self.name, args)
        try:
            done = run_install(job, tool.command(*args), env, shown)
        except CommandFailed as error:
            # A stale lock first (the tool says so without asking the index), then the index
            # (certificate, unreachable, credentials: `trust`), then the common causes in the
            # tool's output; else its output, shown above, says why.
            raise (
                stale_lock(
                    self.name,
                    error.returncode,
                    error.output,
                    lock_file=self.lock_file,
                    lock_command=self.lock_command,
                )
                or trust.explain_failure(self.name, index, env)
                or named_failure(
                    job,
                    self.name,
                    error.returncode,
                    error.output,
                    python_version=self.python_version,
                    files=self.key_files,
                    lock_file=self.lock_file,
                    lock_command=self.lock_command,
                )
                or LockedInstallFailed(
                    self.name,
                    error.returncode,
                    self.lock_file,
                    self.lock_command,
                    self.python_version,
                )
            ) from None
        return done.stdout or ""

    def _summarise(self, job: InstallJob, top_level: Sequence[str]) -> None:
        """`Installed 4 packages: django, gunicorn (and 2 of their dependencies)`: the tools
        say little of it themselves (Pipenv nothing at all with its output quietened)."""
        job.output.step(installed_summary(job.env, top_level))


# Options that change nothing a reader of the log needs to know.
_UNSHOWN_FLAGS = frozenset({"--compile", "--compile-bytecode", "--no-interaction", "--no-ansi"})


def shown_command(tool: str, args: Sequence[str]) -> list[str]:
    """The command as a user would type it: `uv sync --locked --no-default-groups`, without
    the layer paths (`--python <venv>/bin/python`) the build adds."""
    shown = [tool]
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg == "--python":
            skip = True
        elif arg not in _UNSHOWN_FLAGS:
            shown.append(arg)
    return shown


def announce_sync(name: str, job: InstallJob) -> None:
    why = "; ".join(job.changes) if job.changes else "nothing changed, expecting no changes"
    job.output.step(f"Syncing the virtual environment with {name}: {why}")


@dataclass(frozen=True)
class PipenvManager(LockedManager):
    name = "pipenv"
    lock_file = "Pipfile.lock"
    lock_command = "pipenv lock"
    # --deploy compares the Pipfile's hash with the lock's: a changed Pipfile must run again.
    key_files = ("Pipfile", "Pipfile.lock")
    syncs_in_place = False

    def install(self, job: InstallJob) -> None:
        args = ["install", "--deploy"]
        if self.groups == ("dev",):
            args.append("--dev")
        elif self.groups:
            categories = ["packages", *("dev-packages" if g == "dev" else g for g in self.groups)]
            args += ["--categories", " ".join(categories)]
        self._run(job, args, {"VIRTUAL_ENV": str(job.venv)})
        self._summarise(job, pipfile_packages(self.app_dir / "Pipfile", self.groups))

    def refresh(self, job: InstallJob) -> bool:
        return False


@dataclass(frozen=True)
class PoetryManager(LockedManager):
    name = "poetry"
    lock_file = "poetry.lock"
    lock_command = "poetry lock"
    key_files = (PYPROJECT, "poetry.lock")
    syncs_in_place = True
    retries_network_errors = True

    def _sync(self, job: InstallJob) -> None:
        only = ",".join(("main", *self.groups))
        args = ["sync", "--only", only, "--no-interaction", "--no-ansi"]
        self._run(job, args, {"VIRTUAL_ENV": str(job.venv)})

    def install(self, job: InstallJob) -> None:
        self._sync(job)
        self._summarise(job, poetry_packages(self.app_dir / PYPROJECT, self.groups))

    def refresh(self, job: InstallJob) -> bool:
        announce_sync(self.name, job)
        self._sync(job)
        return True


@dataclass(frozen=True)
class UvManager(LockedManager):
    name = "uv"
    lock_file = "uv.lock"
    lock_command = "uv lock"
    key_files = (PYPROJECT, "uv.lock")
    syncs_in_place = True
    installed_by = ()

    def _args(self, job: InstallJob) -> list[str]:
        # --python: the venv's own interpreter, so uv neither looks for nor swaps in another.
        args = ["sync", "--locked", "--no-default-groups", "--python", str(job.python)]
        for group in self.groups:
            args += ["--group", group]
        return args

    def _env(self, job: InstallJob) -> dict[str, str]:
        return {"UV_PROJECT_ENVIRONMENT": str(job.venv), "UV_LINK_MODE": "hardlink"}

    def install(self, job: InstallJob) -> None:
        self._run(job, self._args(job), self._env(job))

    def refresh(self, job: InstallJob) -> bool:
        announce_sync(self.name, job)
        if not job.unchanged:
            # Files, settings or groups changed: a full sync, whose first error (a stale
            # lock) is the one that matters.
            self.install(job)
            return True
        # Nothing the key covers changed, so only what it cannot see may need work: local
        # path dependencies whose code changed. The project itself is installed editable,
        # so it is left alone (`--no-install-project`, with `--inexact`, which keeps it
        # installed: nothing the lock lists was removed). The venv layer then compiles only
        # what lacks a current pyc (`layers.bytecode`), so a no-op rewrites none.
        args = [*self._args(job), "--no-install-project", "--inexact"]
        synced = self._run(job, args, self._env(job))
        if not uv_installed(synced):
            job.output.detail("The virtual environment matches uv.lock: nothing to do")
            return False
        return True
