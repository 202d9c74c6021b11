"""The seam between the venv layer and a package manager.

The venv layer owns the cache decision and the layer's life (reuse, rebuild from scratch,
metadata last); a manager only says what its part of the key is, which tools it needs, how to
fill a fresh venv and what to redo in a reused one. pip, Pipenv (Pipfile.lock), Poetry
(poetry.lock) and uv (uv.lock) implement `PackageManager`.

Two kinds of manager: Pipenv only ever adds to a venv, so any change of its key rebuilds it
from scratch; Poetry and uv *sync* (they also remove what the lock no longer lists), so
`syncs_in_place` tells the venv layer that a change of their files, index settings or groups
is work for `refresh` in the same venv, and only a change of runtime, target or tool rebuilds
it. pip syncs too, through `managers.pip_sync`, when its files allow (`KeyInputs.sync_blocker`
is empty) and their options and the index settings stay the same (`KeyInputs.sync_options`).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from cnb_python import proc
from cnb_python.errors import CommandTimedOut, InstallTimedOut, InvalidGroups
from cnb_python.limits import INSTALL_TIMEOUT
from cnb_python.output import Output
from cnb_python.proc import isolated_env

GROUPS_SETTING = "BP_PYTHON_GROUPS"
_GROUP_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")

# Settings that change where packages come from. They are part of the venv key as one keyed
# digest (`settings_digest`): their values may hold credentials, and the key is published in
# the image's metadata label.
INDEX_SETTINGS = (
    "PIP_INDEX_URL",
    "PIP_EXTRA_INDEX_URL",
    "PIP_FIND_LINKS",
    "PIP_NO_INDEX",
    "PIP_TRUSTED_HOST",
    "PIP_PRE",
    "PIP_ONLY_BINARY",
    "PIP_NO_BINARY",
    "PIP_CONSTRAINT",
    "UV_INDEX",
    "UV_DEFAULT_INDEX",
    "UV_INDEX_URL",
    "UV_EXTRA_INDEX_URL",
    "UV_FIND_LINKS",
    "UV_NO_INDEX",
    "UV_INDEX_STRATEGY",
    "UV_PRERELEASE",
    "UV_CONSTRAINT",
    "UV_OVERRIDE",
)


Settings = tuple[tuple[str, str], ...]
DIGEST_SCHEME = "hmac-sha256:"


def index_settings(env: Mapping[str, str], names: Sequence[str] = INDEX_SETTINGS) -> Settings:
    """The index settings that are set, as (name, value) sorted by name; values are stripped,
    and blank ones count as unset."""
    return tuple((name, env[name].strip()) for name in sorted(names) if env.get(name, "").strip())


def settings_digest(settings: Settings, key: bytes) -> str:
    """A digest of `settings` keyed with `key`, "" when none is set.

    Not a plain sha256: the venv key is published in the image's labels, and an index URL
    with `user:password@` in it would fall to a dictionary in a second. The key is a secret
    that never leaves the build cache (`layers.pip_cache.settings_key`), so the label says
    only whether the settings changed. The scheme prefix tells this digest from the plain one
    older releases stored."""
    if not settings:
        return ""
    text = "\n".join(f"{name}={value}" for name, value in settings)
    return DIGEST_SCHEME + hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def requested_groups(env: Mapping[str, str]) -> tuple[str, ...]:
    """`BP_PYTHON_GROUPS=dev,test` as `("dev", "test")`: the groups installed besides the
    production dependencies, deduplicated, in the order given."""
    value = env.get(GROUPS_SETTING, "")
    names = [part.strip() for part in value.split(",") if part.strip()]
    bad = tuple(name for name in names if not _GROUP_NAME.match(name))
    if bad:
        raise InvalidGroups(value.strip(), bad)
    return tuple(dict.fromkeys(names))


@dataclass(frozen=True)
class Tool:
    """A packaging tool in its build-only layer: how to start it and what it needs in its env."""

    name: str
    version: str
    argv: tuple[str, ...]
    env: Mapping[str, str] = field(default_factory=dict)

    def command(self, *args: str | Path) -> list[str]:
        return [*self.argv, *(str(arg) for arg in args)]

    def command_under(self, python: Path, *args: str | Path) -> list[str]:
        """For a tool that is a Python program run by its path (`python -I <pip dir>`): the
        same command with another interpreter. `pip --python X` does exactly this itself,
        after starting and importing pip once more under the first one."""
        return [str(python), *self.argv[1:], *(str(arg) for arg in args)]

    def run_env(self, env: Mapping[str, str]) -> dict[str, str]:
        """The build env for a run of this tool: without `PYTHON*` variables, as for every
        Python the buildpack runs for itself (`proc.isolated_env`), then the tool's own."""
        return {**isolated_env(env), **self.env}


@dataclass(frozen=True)
class KeyInputs:
    """A manager's part of the venv key: its files' digests and its index settings (which the
    venv layer digests with its secret key)."""

    files: Mapping[str, str]  # name relative to the app: sha256
    settings: Settings
    options: str = ""  # what else selects packages, e.g. "groups=dev,test"
    # For a manager that updates in place only under conditions (pip): what must stay the same
    # across an update (keyed with the index settings by the venv layer), and why this build's
    # files cannot be updated in place ("" when they can).
    sync_options: str = ""
    sync_blocker: str = ""


@dataclass(frozen=True)
class InstallJob:
    """Everything `install` and `refresh` may use. `env` is the build env with the venv's
    `bin` first on PATH and VIRTUAL_ENV set."""

    app_dir: Path
    venv: Path
    tools: Mapping[str, Tool]
    env: Mapping[str, str]
    output: Output
    # For `refresh`: what changed in the key's inputs (files, index settings, options) since
    # the venv was made; empty when nothing did, so only what the key cannot see may need work.
    changes: tuple[str, ...] = ()
    # Seconds each install command may run (`limits.INSTALL_TIMEOUT`); None: no limit.
    timeout: float | None = None

    @property
    def unchanged(self) -> bool:
        return not self.changes

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"


class PackageManager(Protocol):
    """What the venv layer needs from pip, Pipenv, Poetry or uv."""

    @property
    def name(self) -> str:
        """The manager, as BP_PYTHON_PACKAGE_MANAGER spells it: pip, pipenv, poetry, uv."""
        ...

    @property
    def installer(self) -> str:
        """The tool that writes into the venv (pip, or uv for BP_PYTHON_INSTALLER=uv); its
        version joins the key."""
        ...

    @property
    def syncs_in_place(self) -> bool:
        """True when `refresh` makes a reused venv match changed files exactly (removals
        included), so only the runtime, the target or the tool rebuild it."""
        ...

    def describe(self) -> str:
        """For the log: `pip with requirements.txt`."""
        ...

    def tools(self) -> tuple[str, ...]:
        """Tool layers to install first, in order (e.g. `("pip", "poetry")`): only what this
        manager runs, so a uv app gets no pip layer."""
        ...

    def key_inputs(self, env: Mapping[str, str]) -> KeyInputs: ...

    def install(self, job: InstallJob) -> None:
        """Fill a fresh, empty venv."""
        ...

    def refresh(self, job: InstallJob) -> bool:
        """Redo what a reused venv cannot know is current (local path requirements; for a
        syncing manager, the whole sync); return whether anything ran. May raise
        `pip_sync.RebuildNeeded` when the result cannot be trusted."""
        ...


def run_install(
    job: InstallJob, argv: Sequence[str], env: Mapping[str, str], shown: Sequence[str]
) -> subprocess.CompletedProcess[str]:
    """Run one command that installs the app's dependencies: shown as `shown`, captured as well
    as streamed (so a failure can be named from its output), in the app directory, stopped at
    `job.timeout` with the message that names the limit. A failure raises `CommandFailed`."""
    with install_limit(shown):
        return proc.run(
            argv,
            env=env,
            cwd=job.app_dir,
            output=job.output,
            capture=True,
            tee=True,
            shown=shown,
            timeout=job.timeout,
        )


@contextmanager
def install_limit(shown: Sequence[str]) -> Iterator[None]:
    """Turn a command stopped at `BP_PYTHON_INSTALL_TIMEOUT` (`CommandTimedOut`) into the
    message that names the command and the setting. Every command that installs, uninstalls
    or checks for the build runs under that limit: the app's dependencies, and the tools
    themselves (pip's fallback, Pipenv, Poetry)."""
    try:
        yield
    except CommandTimedOut as stopped:
        raise InstallTimedOut(" ".join(shown), stopped.seconds, INSTALL_TIMEOUT.setting) from None
