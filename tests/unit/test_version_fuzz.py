"""Fuzzing every parser of a version source: any input gives a result or one clear error.

"Clear error" means one of the typed refusals in `cnb_python.errors` whose message renders;
anything else (a traceback) fails the test. Examples per test: `EXAMPLES`, so the whole module
runs about 1,400 examples in a few seconds.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnb_python.catalog.loader import builtin_catalog, parse_text
from cnb_python.catalog.models import parse_catalog
from cnb_python.catalog.poetry import poetry_constraint
from cnb_python.cnb.context import Target
from cnb_python.errors import (
    BuildpackError,
    CatalogInvalid,
    CatalogUnreadable,
    InvalidRequiresPython,
    InvalidVersion,
    MultipleVersions,
    NoVersionFound,
    PipfileLockInvalid,
    PyprojectInvalid,
    VersionFileEncoding,
)
from cnb_python.requested import RequestedPython, read_requested
from cnb_python.resolve import Resolution, resolve_python
from tests.unit.catalog import factory

EXAMPLES = 150
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
VERSION_FILE_ERRORS = (InvalidVersion, MultipleVersions, NoVersionFound, VersionFileEncoding)
PLAIN = re.compile(r"[0-9]{1,4}\.[0-9]{1,4}(\.[0-9]{1,4})?")

numbers = st.integers(min_value=0, max_value=12_000).map(str)
near_versions = st.builds(
    lambda major, minor, patch, prefix, suffix: f"{prefix}{major}.{minor}{patch}{suffix}",
    st.sampled_from(["3", "2", "03", "4", "0"]) | numbers,
    numbers,
    st.sampled_from(["", ".0", ".14", ".*", ".x", "..1"]) | numbers.map(lambda n: f".{n}"),
    st.sampled_from(["", "python-", "cpython-", " ", "\ufeff", "v", "'", ">="]),
    st.sampled_from(["", "\n", "rc1", " # c", "\x00", "'", "\r\n3.11"]),
)
lines = st.lists(
    st.one_of(
        near_versions, st.sampled_from(["", "# comment", "   ", "#3.12"]), st.text(max_size=12)
    ),
    max_size=4,
).map("\n".join)
texts = st.one_of(near_versions, lines, st.text(max_size=40))
encodings = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "latin-1"])
version_file_bytes = st.one_of(
    st.binary(max_size=64),
    st.builds(lambda text, enc: text.encode(enc, errors="replace"), texts, encodings),
)


def assert_clear(error: BuildpackError) -> None:
    message = error.message()
    assert message.title
    assert message.render().startswith("ERROR: ")


def check_request(found: RequestedPython) -> None:
    if found.is_range:
        assert found.origin.source == "pyproject.toml"
    else:
        assert PLAIN.fullmatch(found.spec), found


@FUZZ
@given(raw=version_file_bytes, name=st.sampled_from([".python-version", "runtime.txt"]))
def test_version_files(tmp_path: Path, raw: bytes, name: str) -> None:
    for stale in (".python-version", "runtime.txt"):
        (tmp_path / stale).unlink(missing_ok=True)
    (tmp_path / name).write_bytes(raw)
    try:
        check_request(read_requested(tmp_path, {}, None, "3.14"))
    except VERSION_FILE_ERRORS as error:
        assert_clear(error)


@FUZZ
@given(value=texts)
def test_bp_python_version(tmp_path: Path, value: str) -> None:
    try:
        check_request(read_requested(tmp_path, {"BP_PYTHON_VERSION": value}, None, "3.14"))
    except (InvalidVersion, NoVersionFound) as error:
        assert_clear(error)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | texts,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
pipfile_locks = st.one_of(
    st.binary(max_size=80),
    json_values.map(lambda value: json.dumps(value).encode()),
    st.builds(
        lambda key, value, meta_extra: json.dumps(
            {"_meta": {"requires": {key: value}, **meta_extra}}
        ).encode(),
        st.sampled_from(["python_version", "python_full_version", "python"]),
        json_values,
        st.dictionaries(st.text(max_size=5), json_values, max_size=2),
    ),
)


@FUZZ
@given(raw=pipfile_locks)
def test_pipfile_lock(tmp_path: Path, raw: bytes) -> None:
    (tmp_path / "Pipfile.lock").write_bytes(raw)
    try:
        check_request(read_requested(tmp_path, {}, None, "3.14"))
    except (PipfileLockInvalid, InvalidVersion) as error:
        assert_clear(error)


def _pyproject(table: str, key: str, value: Any) -> bytes:
    data: dict[str, Any] = {}
    target = data
    for part in table.split("."):
        target = target.setdefault(part, {})
    target[key] = value
    return tomli_w.dumps(data).encode()


pyprojects = st.one_of(
    st.binary(max_size=80),
    st.text(max_size=60).map(str.encode),
    st.builds(_pyproject, st.just("project"), st.just("requires-python"), texts | st.integers()),
    st.builds(
        _pyproject, st.just("tool.poetry.dependencies"), st.just("python"), texts | st.booleans()
    ),
)


@FUZZ
@given(raw=pyprojects)
def test_pyproject(tmp_path: Path, raw: bytes) -> None:
    (tmp_path / "pyproject.toml").write_bytes(raw)
    try:
        check_request(read_requested(tmp_path, {}, None, "3.14"))
    except (PyprojectInvalid, InvalidRequiresPython) as error:
        assert_clear(error)


@FUZZ
@given(text=texts)
def test_poetry_constraints(text: str) -> None:
    try:
        alternatives = poetry_constraint(text)
    except ValueError:
        return
    for spec in alternatives:
        spec.contains("3.12.1")


@FUZZ
@given(
    raw=version_file_bytes,
    arch=st.sampled_from(["amd64", "arm64"]),
    stack=st.sampled_from(["heroku-22", "scalingo-20", "scalingo-22", "ubuntu-24.04"]),
)
def test_resolving_any_python_version_file(
    tmp_path: Path, raw: bytes, arch: str, stack: str
) -> None:
    (tmp_path / ".python-version").write_bytes(raw)
    try:
        resolution = resolve_python(
            tmp_path, {}, Target("linux", arch, stack_id=stack), builtin_catalog(), None
        )
    except BuildpackError as error:
        assert_clear(error)
    else:
        assert isinstance(resolution, Resolution)
        assert resolution.summary().startswith(f"Python {resolution.version} (")


@FUZZ
@given(
    text=st.text(max_size=200) | st.sampled_from(["schema = 1", "schema = 1\n[[stacks]]\nid = 3"])
)
def test_catalog_text(text: str) -> None:
    try:
        parse_text(text, "fuzz")
    except (CatalogUnreadable, CatalogInvalid) as error:
        assert_clear(error)


@FUZZ
@given(
    table=st.sampled_from(["stacks", "series", "artifacts"]),
    index=st.integers(min_value=0, max_value=3),
    key=st.sampled_from(
        [
            "id",
            "version",
            "arch",
            "url",
            "sha256",
            "format",
            "series",
            "default",
            "archs",
            "stacks",
            "status",
            "end-of-life",
            "strip-components",
            "aliases",
            "x",
        ]
    ),
    value=json_values,
)
def test_catalog_mutations(table: str, index: int, key: str, value: Any) -> None:
    data = factory.catalog_data()
    entries = data[table]
    entries[index % len(entries)][key] = value
    try:
        parse_catalog(data, "fuzz")
    except CatalogInvalid as error:
        assert_clear(error)
        problems = error.problems
    else:
        problems = ("(valid)",)
    assert problems
