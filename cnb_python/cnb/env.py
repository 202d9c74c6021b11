"""Layer environment files, in both directions: writing them, and applying them like the lifecycle.

A layer changes the environment of later buildpacks and of the app through files in
`<layer>/env/` (build and launch), `<layer>/env.build/`, `<layer>/env.launch/` and
`<layer>/env.launch/<process>/` (contract §3.6). The reading half ports the lifecycle's algebra
(lc `env/env.go`) exactly, quirks included, because the build uses it to update its own
in-process env after each layer (the lifecycle applies a buildpack's layers only to *later*
buildpacks, never to the buildpack's own `bin/build`), and the local platform uses it to compute
the env of later phases and of `dev launch`:

- the variable name is the text before the first "."; no suffix means override;
- a `.prepend`/`.append` without a `.delim` beside it glues the values together (spec #285);
- the delimiter is skipped when the old value is empty; `.default` treats empty as unset;
- directories and symlinks to directories are skipped; files are applied in lexical order;
  unknown suffixes are ignored.
"""

from __future__ import annotations

import enum
import re
from collections.abc import MutableMapping
from dataclasses import dataclass
from pathlib import Path

from cnb_python.cnb import tomlio
from cnb_python.errors import InvalidEnvFileName

PROCESS_TYPE = re.compile(r"^[A-Za-z0-9._-]+$")

# lc `env/build.go` POSIXBuildEnv and `env/launch.go` POSIXLaunchEnv. Order matters only for
# readability: each subdirectory updates its own variables.
BUILD_LAYER_PATHS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("bin", ("PATH",)),
    ("lib", ("LD_LIBRARY_PATH", "LIBRARY_PATH")),
    ("include", ("CPATH",)),
    ("pkgconfig", ("PKG_CONFIG_PATH",)),
)
LAUNCH_LAYER_PATHS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("bin", ("PATH",)),
    ("lib", ("LD_LIBRARY_PATH",)),
)
PATH_VARIABLES = frozenset(name for _, names in BUILD_LAYER_PATHS for name in names)

_ACTIONS = frozenset({"override", "default", "prepend", "append"})


class Scope(enum.Enum):
    """Which env directory of a layer a modification goes to."""

    ALL = "env"  # later buildpacks (build=true layers) and the app (launch=true layers)
    BUILD = "env.build"  # later buildpacks only
    LAUNCH = "env.launch"  # the app only; optionally one process type


@dataclass(frozen=True)
class _Modification:
    scope: Scope
    process: str | None
    name: str
    action: str
    value: str
    delim: str | None

    def directory(self, layer_dir: Path) -> Path:
        base = layer_dir / self.scope.value
        return base / self.process if self.process else base


def _check_name(name: str) -> None:
    # The lifecycle cuts the file name at the first "." to find the variable, and "/" would
    # put the file somewhere else: such a name cannot be expressed as an env file at all.
    if not name:
        raise InvalidEnvFileName(name, "the variable name is empty")
    if "/" in name or "." in name or "\0" in name or "=" in name:
        raise InvalidEnvFileName(name, "variable names cannot contain '/', '.', '=' or NUL")


def _check_process(process: str | None, scope: Scope) -> None:
    if process is None:
        return
    if scope is not Scope.LAUNCH:
        raise InvalidEnvFileName(process, "a process type applies only to Scope.LAUNCH")
    if not PROCESS_TYPE.match(process) or process in {".", ".."}:
        raise InvalidEnvFileName(process, "process types use letters, digits, '.', '_', '-'")


class LayerEnv:
    """The env a layer contributes, built up with chainable calls and written with `write`.

    Path lists get a `.delim` file beside every `.prepend`/`.append` (without it the lifecycle
    glues values together), and no file ends with a newline (the lifecycle keeps it).
    """

    def __init__(self) -> None:
        self._modifications: list[_Modification] = []

    def _add(
        self,
        name: str,
        action: str,
        value: str,
        *,
        scope: Scope,
        process: str | None,
        delim: str | None = None,
    ) -> LayerEnv:
        _check_name(name)
        _check_process(process, scope)
        if action in {"prepend", "append"} and not delim:
            raise InvalidEnvFileName(name, f"a {action} needs a non-empty delimiter")
        new = _Modification(scope, process, name, action, value, delim)
        for old in self._modifications:
            if (old.scope, old.process, old.name) != (new.scope, new.process, new.name):
                continue
            # One directory holds one file per action and one `.delim` per variable.
            if old.action == new.action:
                raise InvalidEnvFileName(name, f"{action} is already set in {scope.value}")
            if old.delim and new.delim and old.delim != new.delim:
                raise InvalidEnvFileName(name, "prepend and append need the same delimiter")
        self._modifications.append(new)
        return self

    def override(
        self, name: str, value: str, *, scope: Scope = Scope.ALL, process: str | None = None
    ) -> LayerEnv:
        return self._add(name, "override", value, scope=scope, process=process)

    def default(
        self, name: str, value: str, *, scope: Scope = Scope.ALL, process: str | None = None
    ) -> LayerEnv:
        return self._add(name, "default", value, scope=scope, process=process)

    def prepend_path(
        self,
        name: str,
        value: str,
        *,
        scope: Scope = Scope.ALL,
        process: str | None = None,
        delim: str = ":",
    ) -> LayerEnv:
        return self._add(name, "prepend", value, scope=scope, process=process, delim=delim)

    def append_path(
        self,
        name: str,
        value: str,
        *,
        scope: Scope = Scope.ALL,
        process: str | None = None,
        delim: str = ":",
    ) -> LayerEnv:
        return self._add(name, "append", value, scope=scope, process=process, delim=delim)

    def write(self, layer_dir: Path) -> None:
        """Write every file under `layer_dir`. Existing files of the same names are replaced;
        other files are left alone (a fresh layer has none)."""
        for mod in self._modifications:
            directory = mod.directory(layer_dir)
            directory.mkdir(parents=True, exist_ok=True)
            tomlio.write_text_atomic(directory / f"{mod.name}.{mod.action}", mod.value)
            if mod.delim is not None:
                tomlio.write_text_atomic(directory / f"{mod.name}.delim", mod.delim)


# --- applying env files, as the lifecycle does ------------------------------------------------


def _read(path: Path) -> str:
    return path.read_bytes().decode("utf-8", errors="surrogateescape")


def _env_files(directory: Path) -> list[Path]:
    """Regular files (or symlinks to files) in lexical order, as Go's os.ReadDir lists them."""
    try:
        entries = sorted(directory.iterdir(), key=lambda entry: entry.name.encode())
    except FileNotFoundError:
        return []
    # A broken symlink makes Path.is_dir() false and the read below fails, as in the lifecycle.
    return [entry for entry in entries if not entry.is_dir()]


def _delim(directory: Path, name: str) -> str:
    try:
        return _read(directory / f"{name}.delim")
    except FileNotFoundError:
        return ""


def apply_env_dir(env: MutableMapping[str, str], directory: Path) -> None:
    """Apply one env directory to `env` in place (lc `env/env.go`, `addEnvDir` with the
    override default of Buildpack API >= 0.5). A missing directory changes nothing."""
    for path in _env_files(directory):
        name, _, action = path.name.partition(".")
        action = action or "override"
        if action not in _ACTIONS:
            continue  # `.delim` files, and unknown suffixes, which the lifecycle ignores
        value = _read(path)
        old = env.get(name, "")
        if action == "override":
            env[name] = value
        elif action == "default":
            if not old:
                env[name] = value
        elif action == "prepend":
            env[name] = value + (_delim(directory, name) + old if old else "")
        else:
            env[name] = (old + _delim(directory, name) if old else "") + value


def prepend_layer_paths(
    env: MutableMapping[str, str], layer_dir: Path, *, for_launch: bool
) -> None:
    """Put a layer's `bin`, `lib` (and at build time `include`, `pkgconfig`) in front of the
    matching path variables, only for subdirectories that exist (lc `Env.AddRootDir`)."""
    layer = layer_dir.absolute()
    for subdir, names in LAUNCH_LAYER_PATHS if for_launch else BUILD_LAYER_PATHS:
        child = layer / subdir
        if not child.exists():
            continue
        for name in names:
            old = env.get(name, "")
            env[name] = f"{child}:{old}" if old else str(child)


def apply_layer_for_build(env: MutableMapping[str, str], layer_dir: Path) -> None:
    """What the lifecycle does for later buildpacks after a `build = true` layer: paths, then
    `env/`, then `env.build/` (lc `buildpack/build.go`, `setupEnv`). The build calls this for its
    own layers so its later subprocesses see them."""
    prepend_layer_paths(env, layer_dir, for_launch=False)
    apply_env_dir(env, layer_dir / Scope.ALL.value)
    apply_env_dir(env, layer_dir / Scope.BUILD.value)


def apply_platform_env(env: MutableMapping[str, str], platform_dir: Path) -> None:
    """Export the user's `<platform>/env/*` like the lifecycle (lc `Env.WithOverrides`): values
    override, except the path variables, where the user's value goes in front with ":"."""
    for path in _env_files(platform_dir / "env"):
        value = _read(path)
        old = env.get(path.name, "")
        if path.name in PATH_VARIABLES:
            env[path.name] = value + (":" + old if old else "")
        else:
            env[path.name] = value
