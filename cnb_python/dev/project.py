"""The app's `project.toml`, read as `pack build` reads it, so an app builds the same way here.

pack (`pkg/project`, `pkg/client/build.go`) reads `<app>/project.toml` in three schemas:

| schema (`[_] schema-version`) | build env | include / exclude |
|---|---|---|
| 0.1 (none given: pack warns and assumes it) | `[[build.env]]` | `[build] include`, `exclude` |
| 0.2 | `[[io.buildpacks.build.env]]` (older `[[io.buildpacks.env.build]]`) | `[io.buildpacks]` |
| 0.3 | `[[io.buildpacks.build.env]]` | `[io.buildpacks]` |

- Build env entries (`name`, `value`) become platform env, as if given with `--env`; a
  `--env` of the same name wins. `exec-env` on an entry is ignored, as pack ignores it.
- `include` or `exclude` (not both: pack refuses that) are gitignore-style patterns matched
  against each path of the app, relative to its root; only what `include` matches, or what
  `exclude` does not, is copied into the workspace.
- Buildpack groups (`group`, `pre`, `post`) and `builder` choose what pack builds with; here
  that is `--buildpack`, so they are ignored with a note.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pathspec

from cnb_python.cnb import tomlio
from cnb_python.errors import DevProjectTomlInvalid

FILE_NAME = "project.toml"
SCHEMAS = ("0.1", "0.2", "0.3")
_IGNORED_KEYS = ("group", "pre", "post", "builder")


@dataclass(frozen=True)
class Project:
    schema: str
    schema_declared: bool
    env: Mapping[str, str]
    include: tuple[str, ...]
    exclude: tuple[str, ...]
    ignored: tuple[str, ...]  # keys pack acts on and the local platform does not

    def file_filter(self) -> Callable[[str], bool] | None:
        """Whether a path (relative, `/`-separated) of the app goes into the workspace; None
        when everything does."""
        if self.exclude:
            excluded = pathspec.GitIgnoreSpec.from_lines(self.exclude)
            return lambda path: not excluded.match_file(path)
        if self.include:
            included = pathspec.GitIgnoreSpec.from_lines(self.include)
            return included.match_file
        return None


def _table(data: Mapping[str, Any], path: str, key: str) -> Mapping[str, Any]:
    value: Any = data
    for part in key.split("."):
        value = value.get(part, {}) if isinstance(value, Mapping) else None
    if not isinstance(value, Mapping):
        raise DevProjectTomlInvalid(path, f"[{key}] must be a table")
    return value


def _strings(table: Mapping[str, Any], key: str, path: str, where: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise DevProjectTomlInvalid(path, f"{where}.{key} must be an array of strings")
    return tuple(value)


def _env(entries: Any, path: str, where: str) -> dict[str, str]:
    if not isinstance(entries, list):
        raise DevProjectTomlInvalid(path, f"[[{where}]] must be an array of tables")
    env: dict[str, str] = {}
    for index, entry in enumerate(entries):
        name = entry.get("name") if isinstance(entry, Mapping) else None
        value = entry.get("value", "") if isinstance(entry, Mapping) else None
        if not isinstance(name, str) or not name or "=" in name or not isinstance(value, str):
            raise DevProjectTomlInvalid(
                path, f"{where}[{index}] needs a `name` and a string `value`"
            )
        env[name] = value
    return env


def read(app_dir: Path) -> Project | None:
    """The app's project descriptor, or None when it has none."""
    file = app_dir / FILE_NAME
    if not file.is_file():
        return None
    path = str(file)
    try:
        data = tomlio.load(file)
    except (OSError, UnicodeDecodeError, tomlio.TOMLDecodeError) as error:
        raise DevProjectTomlInvalid(path, f"it is not valid TOML: {error}") from None
    declared = _table(data, path, "_").get("schema-version")
    schema = str(declared) if declared is not None else "0.1"
    if schema not in SCHEMAS:
        raise DevProjectTomlInvalid(
            path, f"unknown schema-version {schema!r} (pack reads {', '.join(SCHEMAS)})"
        )
    if schema == "0.1":
        where, settings = "build", _table(data, path, "build")
        env = _env(settings.get("env", []), path, "build.env")
    else:
        where, settings = "io.buildpacks", _table(data, path, "io.buildpacks")
        build = _table(data, path, "io.buildpacks.build")
        legacy = _table(data, path, "io.buildpacks.env") if schema == "0.2" else {}
        if "env" in build:
            env = _env(build["env"], path, "io.buildpacks.build.env")
        else:
            env = _env(legacy.get("build", []), path, "io.buildpacks.env.build")
    include = _strings(settings, "include", path, where)
    exclude = _strings(settings, "exclude", path, where)
    if include and exclude:
        raise DevProjectTomlInvalid(path, f"{where} has both include and exclude (pack refuses)")
    ignored = tuple(f"{where}.{key}" for key in _IGNORED_KEYS if key in settings)
    return Project(schema, declared is not None, env, include, exclude, ignored)
