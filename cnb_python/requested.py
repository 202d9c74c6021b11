"""What Python the app asks for, and where it says so; not yet which build that means.

Sources, highest precedence first (the first one present decides, the rest are not read):
1. `BP_PYTHON_VERSION` in the platform env: an explicit override from pack `--env` or
   project.toml;
2. `runtime.txt` (`python-3.12` or `python-3.12.5`): honoured, the resolver warns;
3. `.python-version` (`3.12` or `3.12.5`; blank and `#` lines ignored; exactly one version);
4. `Pipfile.lock` `_meta.requires.python_full_version`, then `python_version`;
5. `pyproject.toml` `[project] requires-python`, else Poetry's `tool.poetry.dependencies.python`:
   a range, which the resolver satisfies with the newest available patch;
6. the series of the app's previous build (sticky, as the classic buildpacks are);
7. the stack's default.

A misspelled version file is refused rather than ignored: silently building with another
version is the worst outcome. Every parser either returns a `RequestedPython` or raises one of
the errors in `cnb_python.errors`; nothing else escapes, whatever the file's bytes.
"""

from __future__ import annotations

import codecs
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from cnb_python.catalog.models import SERIES_RE
from cnb_python.catalog.poetry import poetry_constraint
from cnb_python.cnb import tomlio
from cnb_python.errors import (
    InvalidBooleanSetting,
    InvalidRequiresPython,
    InvalidVersion,
    MultipleVersions,
    NoVersionFound,
    PipfileLockInvalid,
    PyprojectInvalid,
    VersionFileEncoding,
    VersionFileMisspelled,
    VersionFileUnreadable,
)
from cnb_python.inputs import read_whole
from cnb_python.limits import MAX_APP_FILE_MIB, MIB

RUNTIME_TXT = "runtime.txt"
PYTHON_VERSION = ".python-version"
PIPFILE_LOCK = "Pipfile.lock"
PYPROJECT = "pyproject.toml"
ENV_VAR = "BP_PYTHON_VERSION"
PREVIOUS = "previous build"
DEFAULT = "default"

# Leading zeros refused, as CPython never uses them; four digits is plenty and keeps the
# numbers small whatever a fuzzer writes.
_PLAIN = re.compile(r"(0|[1-9][0-9]{0,3})\.(0|[1-9][0-9]{0,3})(?:\.(0|[1-9][0-9]{0,3}))?", re.ASCII)
_LOOSE = re.compile(r"(?<![0-9])([0-9]{1,4})\.([0-9]{1,4})(?:\.([0-9]{1,4}))?(?![0-9])", re.ASCII)
# Squashed names (lower case, letters and digits only, .txt dropped) of the version files.
_SQUASHED = {
    "pythonversion": PYTHON_VERSION,
    "pythonversions": PYTHON_VERSION,
    "runtime": RUNTIME_TXT,
}


@dataclass(frozen=True)
class Origin:
    """Where a request came from: `source` is the file or setting, `key` the field inside it."""

    source: str
    value: str
    key: str = ""

    def label(self) -> str:
        """How messages name the origin: `Pipfile.lock (_meta.requires.python_version)`."""
        if self.source == PREVIOUS:
            return "the previous build"
        if self.source == DEFAULT:
            return "the stack's default"
        return f"{self.source} ({self.key})" if self.key else self.source


@dataclass(frozen=True)
class RequestedPython:
    """A version request and its origin.

    `spec` is `X.Y` or `X.Y.Z` (normalised), or for pyproject.toml the range as written, in
    which case `ranges` holds it as alternatives of specifier sets (Poetry has `||`).
    `shadowed` names lower-precedence version sources that exist but were not read.
    """

    spec: str
    origin: Origin
    ranges: tuple[SpecifierSet, ...] = ()
    shadowed: tuple[str, ...] = ()

    @property
    def is_range(self) -> bool:
        return bool(self.ranges)

    @property
    def series(self) -> str:
        return ".".join(self.spec.split(".")[:2])

    @property
    def patch(self) -> str | None:
        """The exact version asked for, when the request pins a patch."""
        return self.spec if not self.is_range and self.spec.count(".") == 2 else None


def read_requested(
    app_dir: Path,
    platform_env: Mapping[str, str],
    previous_series: str | None,
    default_series: str,
) -> RequestedPython:
    """The app's request, from the highest-precedence source present."""
    if ENV_VAR in platform_env:
        value = platform_env[ENV_VAR].strip()
        if not value:
            raise NoVersionFound(ENV_VAR, default_series)
        return RequestedPython(parse_plain_version(value, ENV_VAR), Origin(ENV_VAR, value))

    found = _from_files(app_dir, default_series, MAX_APP_FILE_MIB.read(platform_env) * MIB)
    if found is not None:
        return found
    if previous_series and SERIES_RE.fullmatch(previous_series):
        return RequestedPython(previous_series, Origin(PREVIOUS, previous_series))
    return RequestedPython(default_series, Origin(DEFAULT, default_series))


def _from_files(app_dir: Path, default_series: str, max_bytes: int) -> RequestedPython | None:
    names = _root_files(app_dir)
    _refuse_misspellings(names)

    if RUNTIME_TXT in names:
        example = f"python-{default_series}"
        shadowed = (PYTHON_VERSION,) if PYTHON_VERSION in names else ()
        try:
            line = _version_line(app_dir, RUNTIME_TXT, example, max_bytes)
        except NoVersionFound as error:
            # An empty runtime.txt still wins over .python-version: say so, and which to delete.
            raise NoVersionFound(error.origin, error.example, shadowed=shadowed) from None
        return RequestedPython(
            parse_runtime_txt_version(line), Origin(RUNTIME_TXT, line), shadowed=shadowed
        )

    if PYTHON_VERSION in names:
        line = _version_line(app_dir, PYTHON_VERSION, default_series, max_bytes)
        return RequestedPython(
            parse_plain_version(line, PYTHON_VERSION), Origin(PYTHON_VERSION, line)
        )

    if PIPFILE_LOCK in names:
        found = _pipfile_lock(app_dir / PIPFILE_LOCK, max_bytes)
        if found is not None:
            return found

    if PYPROJECT in names:
        return _pyproject(app_dir / PYPROJECT, max_bytes)
    return None


# -- the app directory ----------------------------------------------------------------------


def _root_files(app_dir: Path) -> set[str]:
    try:
        with os.scandir(app_dir) as entries:
            return {entry.name for entry in entries if entry.is_file()}
    except OSError:
        return set()


def _squash(name: str) -> str:
    squashed = re.sub(r"[^a-z0-9]", "", name.lower())
    while squashed.endswith(("txt", "text")) and squashed not in ("txt", "text"):
        squashed = squashed.removesuffix("txt").removesuffix("text")
    return squashed


def _refuse_misspellings(names: set[str]) -> None:
    for name in sorted(names):
        expected = _SQUASHED.get(_squash(name))
        if expected is not None and name != expected:
            raise VersionFileMisspelled(name, expected)


def _read_bytes(path: Path, file: str, max_bytes: int) -> bytes:
    """The whole file, or one clear refusal: never a prefix parsed as if it were the file."""
    try:
        return read_whole(path, file, max_bytes=max_bytes)
    except OSError as error:
        raise VersionFileUnreadable(file, error.strerror or str(error)) from None


def _version_line(app_dir: Path, file: str, example: str, max_bytes: int) -> str:
    text = decode_version_file(_read_bytes(app_dir / file, file, max_bytes), file, example)
    return single_version_line(text, file, example)


def decode_version_file(raw: bytes, file: str, example: str) -> str:
    """UTF-8 text, or an error that names the encoding it has instead."""
    if raw.startswith(codecs.BOM_UTF8):
        raise VersionFileEncoding(file, "UTF-8 with a byte order mark (BOM)", example)
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _looks_utf16(raw):
        raise VersionFileEncoding(file, "UTF-16", example)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        byte = raw[error.start]
        raise VersionFileEncoding(
            file, f"not UTF-8 text (byte 0x{byte:02x} at offset {error.start})", example
        ) from None


def _looks_utf16(raw: bytes) -> bool:
    """BOM-less UTF-16 of ASCII text: every other byte is NUL."""
    if len(raw) < 4 or len(raw) % 2:
        return False
    return all(b == 0 for b in raw[1::2]) or all(b == 0 for b in raw[0::2])


def single_version_line(text: str, file: str, example: str) -> str:
    """The one meaningful line: blank lines and `#` comments dropped, whitespace trimmed."""
    lines = [line.strip() for line in text.splitlines()]
    values = [line for line in lines if line and not line.startswith("#")]
    if not values:
        raise NoVersionFound(file, example)
    if len(values) > 1:
        raise MultipleVersions(file, tuple(values))
    return values[0]


# -- version grammars -----------------------------------------------------------------------


def _suggest(value: str, prefix: str = "") -> str:
    match = _LOOSE.search(value)
    if match is None:
        return ""
    parts = [str(int(part)) for part in match.groups() if part is not None]
    return prefix + ".".join(parts)


def parse_plain_version(value: str, origin: str) -> str:
    """`X.Y` or `X.Y.Z`, normalised; anything else is `InvalidVersion` with a suggestion."""
    match = _PLAIN.fullmatch(value)
    if match is None:
        raise InvalidVersion(origin, value, _suggest(value))
    return ".".join(part for part in match.groups() if part is not None)


def parse_runtime_txt_version(line: str) -> str:
    """`python-X.Y` or `python-X.Y.Z`, as the classic buildpacks accept it."""
    if not line.startswith("python-"):
        raise InvalidVersion(RUNTIME_TXT, line, _suggest(line, "python-"))
    match = _PLAIN.fullmatch(line.removeprefix("python-"))
    if match is None:
        raise InvalidVersion(RUNTIME_TXT, line, _suggest(line, "python-"))
    return ".".join(part for part in match.groups() if part is not None)


# -- Pipfile.lock and pyproject.toml ------------------------------------------------------


def _pipfile_lock(path: Path, max_bytes: int) -> RequestedPython | None:
    raw = _read_bytes(path, PIPFILE_LOCK, max_bytes)
    try:
        data: Any = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise PipfileLockInvalid("it is not UTF-8 text") from None
    except (ValueError, RecursionError) as error:
        raise PipfileLockInvalid(f"invalid JSON: {str(error)[:200]}") from None
    if not isinstance(data, dict):
        raise PipfileLockInvalid("its top level is not a JSON object")
    meta = data.get("_meta", {})
    requires = meta.get("requires", {}) if isinstance(meta, dict) else None
    if not isinstance(requires, dict):
        raise PipfileLockInvalid("_meta.requires is not a JSON object")
    for key in ("python_full_version", "python_version"):
        if key not in requires:
            continue
        value = requires[key]
        where = f"_meta.requires.{key}"
        if not isinstance(value, str):
            raise InvalidVersion(f"{PIPFILE_LOCK} ({where})", json.dumps(value)[:80])
        spec = parse_plain_version(value.strip(), f"{PIPFILE_LOCK} ({where})")
        return RequestedPython(spec, Origin(PIPFILE_LOCK, value.strip(), where))
    return None


def _pyproject(path: Path, max_bytes: int) -> RequestedPython | None:
    raw = _read_bytes(path, PYPROJECT, max_bytes)
    try:
        data = tomlio.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise PyprojectInvalid("it is not UTF-8 text") from None
    except tomlio.TOMLDecodeError as error:
        raise PyprojectInvalid(str(error)) from None

    project = data.get("project")
    if isinstance(project, dict) and "requires-python" in project:
        return _range(project["requires-python"], "[project] requires-python", _pep440)
    tool = data.get("tool")
    poetry = tool.get("poetry") if isinstance(tool, dict) else None
    deps = poetry.get("dependencies") if isinstance(poetry, dict) else None
    if isinstance(deps, dict) and "python" in deps:
        return _range(deps["python"], "[tool.poetry.dependencies] python", poetry_constraint)
    return None


def _pep440(value: str) -> tuple[SpecifierSet, ...]:
    try:
        return (SpecifierSet(value),)
    except InvalidSpecifier as error:
        raise ValueError(str(error) or "not a version specifier") from None


def _range(value: object, key: str, parse: Any) -> RequestedPython | None:
    origin = f"{PYPROJECT} ({key})"
    if not isinstance(value, str):
        raise InvalidRequiresPython(origin, json.dumps(value, default=str)[:80], "not a string")
    text = value.strip()
    if not text:
        return None
    try:
        ranges: tuple[SpecifierSet, ...] = parse(text)
    except ValueError as error:
        raise InvalidRequiresPython(origin, text, str(error)) from None
    return RequestedPython(text, Origin(PYPROJECT, text, key), ranges=ranges)


def describe_origin(requested: RequestedPython) -> str:
    """The parenthesis of the build's one-line decision, e.g. `from .python-version: 3.12`."""
    origin = requested.origin
    if requested.is_range:
        return f"newest satisfying {PYPROJECT} {origin.key}: {origin.value}"
    if origin.source == DEFAULT:
        return f"stack default: {origin.value}"
    if origin.source == PREVIOUS:
        return f"series of the previous build: {origin.value}"
    return f"from {origin.label()}: {origin.value}"


TRUE_VALUES = ("1", "true", "yes", "on")
FALSE_VALUES = ("0", "false", "no", "off")


def platform_flag(platform_env: Mapping[str, str], name: str) -> bool:
    """A yes/no setting from the platform env: `1`, `true`, `yes`, `on` (any case) or `0`,
    `false`, `no`, `off`; unset or empty is no. Anything else is refused rather than read as
    no: `BP_PYTHON_ALLOW_EOL=maybe` must not quietly mean "not allowed"."""
    value = platform_env.get(name, "").strip()
    if value.lower() in TRUE_VALUES:
        return True
    if not value or value.lower() in FALSE_VALUES:
        return False
    raise InvalidBooleanSetting(name, value, TRUE_VALUES, FALSE_VALUES)
