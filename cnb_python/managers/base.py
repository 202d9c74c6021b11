"""The seam between the venv layer and a package manager.

The venv layer owns the cache decision and the layer's life (reuse, rebuild from scratch,
metadata last); a manager only says what its part of the key is, which tools it needs, how to
fill a fresh venv and what to redo in a reused one. Pipenv (Pipfile.lock), Poetry (poetry.lock)
and uv (uv.lock) are further implementations of `PackageManager`: `KeyInputs` holds their lock
files, `tools` names their tool layers, `install` runs their sync command against the venv.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from cnb_python.output import Output

# Settings that change where packages come from. They are part of the venv key as one digest:
# their values may hold credentials, and the key is stored in the image's metadata label.
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


def settings_digest(env: Mapping[str, str], names: Sequence[str] = INDEX_SETTINGS) -> str:
    """sha256 of the set index settings (names and values), "" when none is set."""
    lines = [f"{name}={env[name].strip()}" for name in sorted(names) if env.get(name, "").strip()]
    if not lines:
        return ""
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


@dataclass(frozen=True)
class Tool:
    """A packaging tool in its build-only layer: how to start it and what it needs in its env."""

    name: str
    version: str
    argv: tuple[str, ...]
    env: Mapping[str, str] = field(default_factory=dict)

    def command(self, *args: str | Path) -> list[str]:
        return [*self.argv, *(str(arg) for arg in args)]


@dataclass(frozen=True)
class KeyInputs:
    """A manager's part of the venv key: its files' digests and its settings' digest."""

    files: Mapping[str, str]  # name relative to the app: sha256
    settings: str


@dataclass(frozen=True)
class InstallJob:
    """Everything `install` and `refresh` may use. `env` is the build env with the venv's
    `bin` first on PATH and VIRTUAL_ENV set."""

    app_dir: Path
    venv: Path
    tools: Mapping[str, Tool]
    env: Mapping[str, str]
    output: Output

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

    def describe(self) -> str:
        """For the log: `pip with requirements.txt`."""
        ...

    def tools(self) -> tuple[str, ...]:
        """Tool layers to install first, in order (e.g. `("pip", "uv")`)."""
        ...

    def key_inputs(self, env: Mapping[str, str]) -> KeyInputs: ...

    def install(self, job: InstallJob) -> None:
        """Fill a fresh, empty venv."""
        ...

    def refresh(self, job: InstallJob) -> bool:
        """Redo what a reused venv cannot know is current (local path requirements);
        return whether anything ran."""
        ...
