"""What the app asks for: every source, every precedence pair, every refusal."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from cnb_python.errors import (
    BuildpackError,
    InputTooLarge,
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
from cnb_python.requested import RequestedPython, read_requested

DEFAULT = "3.8"


def request(
    app: Path, env: dict[str, str] | None = None, previous: str | None = None
) -> RequestedPython:
    return read_requested(app, env or {}, previous, DEFAULT)


def refusal(app: Path, env: dict[str, str] | None = None) -> BuildpackError:
    with pytest.raises(BuildpackError) as caught:
        request(app, env)
    return caught.value


# -- each source alone ----------------------------------------------------------------------


def test_bp_python_version_is_stripped(tmp_path: Path) -> None:
    found = request(tmp_path, {"BP_PYTHON_VERSION": " 3.12\n"})
    assert (found.spec, found.origin.source, found.origin.value) == (
        "3.12",
        "BP_PYTHON_VERSION",
        "3.12",
    )


@pytest.mark.parametrize(
    ("content", "spec"),
    [
        ("python-3.12\n", "3.12"),
        ("  python-3.12.5  \r\n", "3.12.5"),
        ("# pinned\n\npython-3.11\n", "3.11"),
    ],
)
def test_runtime_txt(tmp_path: Path, content: str, spec: str) -> None:
    (tmp_path / "runtime.txt").write_text(content)
    found = request(tmp_path)
    assert (found.spec, found.origin.source, found.origin.value) == (
        spec,
        "runtime.txt",
        f"python-{spec}",
    )


@pytest.mark.parametrize(
    ("content", "spec"),
    [
        ("3.12\n", "3.12"),
        ("3.12.5", "3.12.5"),
        ("\n# the series we test on\n   3.13  \n\n", "3.13"),
        ("3.0.0\n", "3.0.0"),
    ],
)
def test_python_version_file(tmp_path: Path, content: str, spec: str) -> None:
    (tmp_path / ".python-version").write_text(content)
    found = request(tmp_path)
    assert (found.spec, found.origin.source, found.patch) == (
        spec,
        ".python-version",
        spec if spec.count(".") == 2 else None,
    )


@pytest.mark.parametrize(
    ("requires", "spec", "key"),
    [
        (
            {"python_full_version": "3.12.5", "python_version": "3.11"},
            "3.12.5",
            "_meta.requires.python_full_version",
        ),
        ({"python_version": "3.11"}, "3.11", "_meta.requires.python_version"),
    ],
)
def test_pipfile_lock(tmp_path: Path, requires: dict[str, str], spec: str, key: str) -> None:
    (tmp_path / "Pipfile.lock").write_text(
        json.dumps({"_meta": {"requires": requires}, "default": {}})
    )
    found = request(tmp_path)
    assert (found.spec, found.origin.source, found.origin.key) == (spec, "Pipfile.lock", key)
    assert found.origin.label() == f"Pipfile.lock ({key})"


def test_a_pipfile_lock_without_a_python_falls_through(tmp_path: Path) -> None:
    (tmp_path / "Pipfile.lock").write_text(json.dumps({"_meta": {"hash": {}}, "default": {}}))
    (tmp_path / "pyproject.toml").write_text('[project]\nrequires-python = ">=3.11"\n')
    assert request(tmp_path).origin.source == "pyproject.toml"
    (tmp_path / "pyproject.toml").unlink()
    assert request(tmp_path).origin.source == "default"


@pytest.mark.parametrize(
    ("toml", "key", "admits", "refuses"),
    [
        (
            '[project]\nrequires-python = ">=3.11,<3.13"\n',
            "[project] requires-python",
            "3.12.1",
            "3.13.0",
        ),
        (
            '[tool.poetry.dependencies]\npython = "^3.10"\n',
            "[tool.poetry.dependencies] python",
            "3.14.1",
            "3.9.1",
        ),
        (
            '[project]\nrequires-python = "==3.12.*"\n'
            '[tool.poetry.dependencies]\npython = "^3.9"\n',
            "[project] requires-python",
            "3.12.9",
            "3.11.1",
        ),
    ],
)
def test_pyproject(tmp_path: Path, toml: str, key: str, admits: str, refuses: str) -> None:
    (tmp_path / "pyproject.toml").write_text(toml)
    found = request(tmp_path)
    assert (found.origin.source, found.origin.key, found.is_range) == ("pyproject.toml", key, True)
    assert any(spec.contains(admits) for spec in found.ranges)
    assert not any(spec.contains(refuses) for spec in found.ranges)


def test_a_pyproject_without_a_python_requirement_falls_through(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "app"\nrequires-python = "  "\n')
    assert request(tmp_path, previous="3.12").origin.source == "previous build"


def test_previous_build_then_default(tmp_path: Path) -> None:
    assert request(tmp_path, previous="3.12").spec == "3.12"
    assert request(tmp_path, previous="3.12").origin.source == "previous build"
    assert request(tmp_path).origin.source == "default"
    assert request(tmp_path).spec == DEFAULT
    # Unreadable metadata from an older buildpack is no request at all.
    assert request(tmp_path, previous="banana").origin.source == "default"


# -- precedence ---------------------------------------------------------------------------


def _write(name: str, content: str) -> Callable[[Path, dict[str, str]], None]:
    def setup(app: Path, env: dict[str, str]) -> None:
        (app / name).write_text(content)

    return setup


def _set(name: str, value: str) -> Callable[[Path, dict[str, str]], None]:
    def setup(app: Path, env: dict[str, str]) -> None:
        env[name] = value

    return setup


# Each source asks for a different series, so the winner is visible.
SOURCES: dict[str, Callable[[Path, dict[str, str]], None]] = {
    "BP_PYTHON_VERSION": _set("BP_PYTHON_VERSION", "3.9"),
    "runtime.txt": _write("runtime.txt", "python-3.10\n"),
    ".python-version": _write(".python-version", "3.11\n"),
    "Pipfile.lock": _write(
        "Pipfile.lock", json.dumps({"_meta": {"requires": {"python_version": "3.12"}}})
    ),
    "pyproject.toml": _write("pyproject.toml", '[project]\nrequires-python = "==3.13.*"\n'),
    "previous build": _set("_previous", "3.14"),
}
SPECS = {
    "BP_PYTHON_VERSION": "3.9",
    "runtime.txt": "3.10",
    ".python-version": "3.11",
    "Pipfile.lock": "3.12",
    "pyproject.toml": "==3.13.*",
    "previous build": "3.14",
    "default": "3.8",
}
ORDER = [*SOURCES, "default"]


@pytest.mark.parametrize(
    ("higher", "lower"), list(itertools.combinations(ORDER, 2)), ids=lambda name: name
)
def test_precedence(tmp_path: Path, higher: str, lower: str) -> None:
    env: dict[str, str] = {}
    for name in (higher, lower):
        if name in SOURCES:
            SOURCES[name](tmp_path, env)
    previous = env.pop("_previous", None)
    found = read_requested(tmp_path, env, previous, "3.8")
    assert (found.origin.source, found.spec) == (higher, SPECS[higher])


def test_runtime_txt_records_a_shadowed_python_version(tmp_path: Path) -> None:
    (tmp_path / "runtime.txt").write_text("python-3.10\n")
    (tmp_path / ".python-version").write_text("3.11\n")
    assert request(tmp_path).shadowed == (".python-version",)


# -- refusals -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (".python_version", ".python-version"),
        ("python-version.txt", ".python-version"),
        (".python-version.txt", ".python-version"),
        ("python-version", ".python-version"),
        (".Python-version", ".python-version"),
        (".python-version ", ".python-version"),
        (".python-versions", ".python-version"),
        ("runtime.text", "runtime.txt"),
        ("Runtime.txt", "runtime.txt"),
        ("runtime.txt.txt", "runtime.txt"),
        ("runtime", "runtime.txt"),
    ],
)
def test_misspelled_version_files_are_refused(tmp_path: Path, name: str, expected: str) -> None:
    (tmp_path / name).write_text("3.12\n")
    error = refusal(tmp_path)
    assert isinstance(error, VersionFileMisspelled)
    text = error.message().render()
    assert f"ERROR: The {expected} file is spelled incorrectly" in text
    assert f"Found {name!r} in the app's root directory" in text
    assert f"git mv {name!r} {expected}" in text


def test_bp_python_version_wins_over_a_misspelled_file(tmp_path: Path) -> None:
    (tmp_path / ".python_version").write_text("3.12\n")
    assert request(tmp_path, {"BP_PYTHON_VERSION": "3.11"}).spec == "3.11"


def test_unrelated_files_are_not_misspellings(tmp_path: Path) -> None:
    for name in ("runtime.py", "python_version_check.py", "requirements.txt", "runtimes"):
        (tmp_path / name).write_text("")
    (tmp_path / "runtime").mkdir()
    (tmp_path / "python-version").mkdir()
    assert request(tmp_path).origin.source == "default"


@pytest.mark.parametrize(
    ("raw", "encoding"),
    [
        ("3.12\n".encode("utf-16"), "UTF-16"),
        ("3.12\n".encode("utf-16-le"), "UTF-16"),
        ("3.12\n".encode("utf-16-be"), "UTF-16"),
        ("3.12\n".encode("utf-8-sig"), "UTF-8 with a byte order mark (BOM)"),
        (b"3.12\xff\n", "not UTF-8 text (byte 0xff at offset 4)"),
    ],
)
@pytest.mark.parametrize("file", [".python-version", "runtime.txt"])
def test_encodings_are_named(tmp_path: Path, raw: bytes, encoding: str, file: str) -> None:
    (tmp_path / file).write_bytes(raw)
    error = refusal(tmp_path)
    assert isinstance(error, VersionFileEncoding)
    text = error.message().render()
    assert f"ERROR: Unable to read {file}: unsupported text encoding" in text
    assert f"{file} is {encoding}." in text
    assert "PowerShell" in text


def test_a_version_file_that_is_a_directory_is_not_read(tmp_path: Path) -> None:
    (tmp_path / ".python-version").mkdir()
    assert request(tmp_path).origin.source == "default"


def test_an_unreadable_version_file(tmp_path: Path) -> None:
    (tmp_path / ".python-version").symlink_to(tmp_path / "elsewhere")
    (tmp_path / "elsewhere").write_text("3.12\n")
    (tmp_path / "elsewhere").chmod(0)
    try:
        (tmp_path / "elsewhere").read_text()
    except PermissionError:
        error = refusal(tmp_path)
        assert isinstance(error, VersionFileUnreadable)
        assert "Unable to read .python-version" in error.message().render()
    else:
        pytest.skip("running as root: permissions are not enforced")


@pytest.mark.parametrize("content", ["", "\n\n", "# 3.12\n", "   \n# nothing\n"])
@pytest.mark.parametrize("file", [".python-version", "runtime.txt"])
def test_no_version(tmp_path: Path, content: str, file: str) -> None:
    (tmp_path / file).write_text(content)
    error = refusal(tmp_path)
    assert isinstance(error, NoVersionFound)
    text = error.message().render()
    assert f"ERROR: No Python version found in {file}" in text
    example = "python-3.8" if file == "runtime.txt" else "3.8"
    assert f"Write the version on its own line, e.g. {example}" in text


def test_an_empty_bp_python_version(tmp_path: Path) -> None:
    error = refusal(tmp_path, {"BP_PYTHON_VERSION": " \n"})
    assert isinstance(error, NoVersionFound)
    assert "BP_PYTHON_VERSION is set but empty." in error.message().render()


def test_several_versions(tmp_path: Path) -> None:
    (tmp_path / ".python-version").write_text("3.12\n# comment\n3.11\n")
    error = refusal(tmp_path)
    assert isinstance(error, MultipleVersions)
    text = error.message().render()
    assert "ERROR: Multiple Python versions found in .python-version" in text
    assert "- '3.12'" in text
    assert "- '3.11'" in text


@pytest.mark.parametrize(
    ("content", "suggestion"),
    [
        ("python-3.12", "3.12"),
        ("3.12rc1", "3.12"),
        ("3", ""),
        ("3.12.*", "3.12"),
        ("'3.12'", "3.12"),
        ("03.12", ""),
        ("3.12 # latest", "3.12"),
        ("3..12", ""),
        ("system", ""),
        ("3.12\x00", "3.12"),
        ("\uff13.\uff11\uff12", ""),  # full-width digits
        ("cpython-3.12.5", "3.12.5"),
    ],
)
def test_invalid_python_version_is_echoed_escaped(
    tmp_path: Path, content: str, suggestion: str
) -> None:
    (tmp_path / ".python-version").write_text(content + "\n")
    error = refusal(tmp_path)
    assert isinstance(error, InvalidVersion)
    text = error.message().render()
    assert "ERROR: Invalid Python version in .python-version" in text
    assert f".python-version contains {content.strip()!r}." in text
    assert "X.Y (recommended, e.g. 3.14) or X.Y.Z" in text
    if suggestion:
        assert f"Write {suggestion} instead." in text


@pytest.mark.parametrize(
    ("content", "suggestion"),
    [
        ("3.12", "python-3.12"),
        ("python3.12", "python-3.12"),
        ("python-3", ""),
        ("python-3.12.x", "python-3.12"),
    ],
)
def test_invalid_runtime_txt(tmp_path: Path, content: str, suggestion: str) -> None:
    (tmp_path / "runtime.txt").write_text(content)
    error = refusal(tmp_path)
    assert isinstance(error, InvalidVersion)
    text = error.message().render()
    assert "ERROR: Invalid Python version in runtime.txt" in text
    assert "python-X.Y or python-X.Y.Z" in text
    if suggestion:
        assert f"Write {suggestion} instead." in text


def test_invalid_bp_python_version(tmp_path: Path) -> None:
    error = refusal(tmp_path, {"BP_PYTHON_VERSION": "python-3.12"})
    assert isinstance(error, InvalidVersion)
    assert "Set BP_PYTHON_VERSION to 3.12 instead." in error.message().render()


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("{", "invalid JSON"),
        ("<<<<<<< HEAD\n{}", "invalid JSON"),
        ("[]", "its top level is not a JSON object"),
        ('{"_meta": {"requires": []}}', "_meta.requires is not a JSON object"),
        ('{"_meta": 3}', "_meta.requires is not a JSON object"),
        ("[" * 100_000, "invalid JSON"),
    ],
)
def test_invalid_pipfile_lock(tmp_path: Path, content: str, reason: str) -> None:
    (tmp_path / "Pipfile.lock").write_text(content)
    error = refusal(tmp_path)
    assert isinstance(error, PipfileLockInvalid)
    text = error.message().render()
    assert "ERROR: Can't parse Pipfile.lock" in text
    assert reason in text
    assert "pipenv lock" in text


@pytest.mark.parametrize("value", ["3.12.*", 3.12, "", "python-3.12"])
def test_invalid_pipfile_lock_version(tmp_path: Path, value: object) -> None:
    (tmp_path / "Pipfile.lock").write_text(
        json.dumps({"_meta": {"requires": {"python_version": value}}})
    )
    error = refusal(tmp_path)
    assert isinstance(error, InvalidVersion)
    text = error.message().render()
    assert "ERROR: Invalid Python version in Pipfile.lock (_meta.requires.python_version)" in text
    assert "[requires] table of Pipfile" in text


def test_invalid_pyproject_toml(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project\n")
    error = refusal(tmp_path)
    assert isinstance(error, PyprojectInvalid)
    assert "ERROR: Can't parse pyproject.toml" in error.message().render()


@pytest.mark.parametrize(
    ("toml", "fragment"),
    [
        ('[project]\nrequires-python = "3.12"\n', "[project] requires-python) is '3.12'"),
        ('[project]\nrequires-python = ">=3.12;"\n', "[project] requires-python) is '>=3.12;'"),
        ("[project]\nrequires-python = 3.12\n", "is '3.12': not a string"),
        (
            '[tool.poetry.dependencies]\npython = "^banana"\n',
            "[tool.poetry.dependencies] python) is '^banana'",
        ),
    ],
)
def test_invalid_python_requirement(tmp_path: Path, toml: str, fragment: str) -> None:
    (tmp_path / "pyproject.toml").write_text(toml)
    error = refusal(tmp_path)
    assert isinstance(error, InvalidRequiresPython)
    text = error.message().render()
    assert "ERROR: Invalid Python requirement in pyproject.toml" in text
    assert fragment in text


# -- big files: parsed whole or refused, never a prefix ------------------------------------


def test_a_big_pipfile_lock_is_parsed_whole(tmp_path: Path) -> None:
    # Big projects with hashes reach 1.4 MiB; a 1 MiB prefix of it is not valid JSON.
    packages = {
        f"package-{i}": {"hashes": [f"sha256:{i:064x}"] * 4, "version": "==1.0"}
        for i in range(4000)
    }
    lock = {"_meta": {"requires": {"python_version": "3.12"}}, "default": packages}
    (tmp_path / "Pipfile.lock").write_text(json.dumps(lock, indent=4))
    assert (tmp_path / "Pipfile.lock").stat().st_size > 1_400_000
    assert request(tmp_path).spec == "3.12"


def test_a_second_version_line_far_into_the_file_is_not_ignored(tmp_path: Path) -> None:
    (tmp_path / ".python-version").write_text("3.12\n" + "\n" * (1024 * 1024 + 10) + "3.11\n")
    assert isinstance(refusal(tmp_path), MultipleVersions)


def test_a_file_over_the_limit_is_refused_and_the_limit_can_be_raised(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nrequires-python = ">=3.11"\n' + "# padding\n" * 200_000
    )
    error = refusal(tmp_path, {"BP_PYTHON_MAX_APP_FILE_MIB": "1"})
    assert isinstance(error, InputTooLarge)
    assert error.message().title == "pyproject.toml is too large to read"
    assert request(tmp_path, {"BP_PYTHON_MAX_APP_FILE_MIB": "2"}).spec == ">=3.11"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("[" * 5000 + "]" * 5000, "arrays or tables are nested too deeply to be read"),
        ("{a = " * 3000 + "1" + "}" * 3000, "arrays or tables are nested too deeply to be read"),
        ("9" * 5000, "a value cannot be read: Exceeds the limit (4300 digits) for integer"),
    ],
)
def test_a_pyproject_beyond_the_parser_is_a_clear_refusal(
    tmp_path: Path, value: str, reason: str
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        f'[project]\nrequires-python = ">=3.11"\nx = {value}\n'
    )
    error = refusal(tmp_path)
    assert isinstance(error, PyprojectInvalid)
    assert error.message().found[0].startswith(f"pyproject.toml is not valid TOML: {reason}")


def test_an_empty_runtime_txt_beside_a_python_version_names_the_file_to_delete(
    tmp_path: Path,
) -> None:
    (tmp_path / "runtime.txt").write_text("\n")
    (tmp_path / ".python-version").write_text("3.12\n")
    error = refusal(tmp_path)
    assert isinstance(error, NoVersionFound)
    assert error.message().render() == "\n".join(
        (
            "ERROR: No Python version found in runtime.txt",
            "",
            "  runtime.txt is empty, or holds only blank lines and comments. It takes "
            "precedence over .python-version, which is also in the app, so .python-version "
            "was not read.",
            "",
            "  How to fix:",
            "  - Delete runtime.txt (it is deprecated): .python-version then chooses the version.",
        )
    )
