"""The local platform's output validator: each rule fails a bad output and passes a good one.

The rules are the lifecycle's (contract §2.3, §3.3-3.10), made stricter where the lifecycle
silently ignores a typo.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from cnb_python.cnb import tomlio
from cnb_python.dev.validate import (
    LayerTypes,
    validate_build_outputs,
    validate_build_toml,
    validate_detect_plan,
    validate_launch_toml,
    validate_store_toml,
)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def _check(layers: Path, formats: tuple[str, ...] = ()) -> tuple[list[str], list[str]]:
    report, _ = validate_build_outputs(layers, plan_names=["cpython"], sbom_formats=formats)
    return report.violations, report.warnings


# --- detect plan ----------------------------------------------------------------------------

GOOD_PLAN = """
[[provides]]
name = "cpython"
[[requires]]
name = "cpython"
[requires.metadata]
version = "3.12"
[[or]]
[[or.provides]]
name = "cpython"
[[or.requires]]
name = "cpython"
"""


@pytest.mark.parametrize(
    ("plan", "problem"),
    [
        ('[[requires]]\nname = "cpython"\nversion = "3"\n', 'has a "version" key'),
        ('[[requires]]\nname = "cpython"\nmetadata = "3"\n', "metadata must be a table"),
        ('[[require]]\nname = "cpython"\n', "unknown key 'require'"),
        ('[[provides]]\nname = "cpython"\nversion = "3"\n', "unknown key 'version'"),
        ("[[provides]]\nname = ''\n", "name must be a non-empty string"),
        ('provides = "cpython"\n', "must be an array of tables"),
        ('[[or]]\n[[or.requires]]\nname = "x"\nversion = "1"\n', 'has a "version" key'),
        ("[[or]]\nextra = 1\n", "or[0]: unknown key 'extra'"),
    ],
)
def test_detect_plan_rules(plan: str, problem: str) -> None:
    violations = validate_detect_plan(tomlio.loads(plan))
    assert any(problem in v for v in violations), violations


def test_a_good_and_an_empty_plan_pass() -> None:
    assert validate_detect_plan(tomlio.loads(GOOD_PLAN)) == []
    assert validate_detect_plan({}) == []


# --- layer tomls ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("toml", "problem"),
    [
        ("launch = true\n", "flags should be in the types table"),
        ("[types]\nlaunch = 'yes'\n", "launch must be true or false"),
        ("[types]\nlanuch = true\n", "unknown key 'lanuch'"),
        ("[metadatas]\na = '1'\n", "unknown key 'metadatas'"),
        ("metadata = 'x'\n", "metadata must be a table"),
        ("types = 1\n", "types must be a table"),
        ("[types\n", "not valid TOML"),
    ],
)
def test_layer_toml_rules(tmp_path: Path, toml: str, problem: str) -> None:
    (tmp_path / "layer").mkdir()
    _write(tmp_path / "layer.toml", toml)
    violations, _ = _check(tmp_path)
    assert any(problem in v for v in violations), violations


def test_a_good_layer_passes_and_restored_tomls_without_types_are_fine(tmp_path: Path) -> None:
    (tmp_path / "python").mkdir()
    _write(tmp_path / "python.toml", "[types]\nlaunch = true\ncache = true\n[metadata]\nv = '1'\n")
    _write(tmp_path / "old.toml", "[metadata]\nv = 1.0\n")  # restored and dropped
    assert _check(tmp_path) == ([], [])


@pytest.mark.parametrize(
    ("name", "problem"),
    [("python.3", "must not contain '.'"), ("x.ignore", "must not contain '.'")],
)
def test_layer_names(tmp_path: Path, name: str, problem: str) -> None:
    (tmp_path / name).mkdir()
    _write(tmp_path / f"{name}.toml", "[types]\nbuild = true\n")
    violations, _ = _check(tmp_path)
    assert any(problem in v for v in violations), violations


def test_reserved_layer_names(tmp_path: Path) -> None:
    (tmp_path / "store").mkdir()
    _write(tmp_path / "store.toml", "[metadata]\n")
    violations, _ = _check(tmp_path)
    assert violations == ["layer 'store': build, launch and store are reserved names"]


def test_launch_and_cache_layer_needs_its_directory(tmp_path: Path) -> None:
    _write(tmp_path / "venv.toml", "[types]\nlaunch = true\ncache = true\n")
    violations, _ = _check(tmp_path)
    assert violations == [
        "layer 'venv' is launch and cache but has no directory: the exporter fails with "
        '"layer is cache=true but has no contents"'
    ]
    (tmp_path / "venv").mkdir()
    assert _check(tmp_path) == ([], [])


def test_cache_layer_without_directory_is_a_warning_and_launch_only_is_fine(
    tmp_path: Path,
) -> None:
    _write(tmp_path / "pipcache.toml", "[types]\ncache = true\n")
    _write(tmp_path / "reused.toml", "[types]\nlaunch = true\n")
    violations, warnings = _check(tmp_path)
    assert violations == []
    assert warnings == [
        "layer 'pipcache' is cache=true but has no directory: it will not be cached"
    ]


# --- env dirs and exec.d ----------------------------------------------------------------------


def _layer_with(tmp_path: Path, files: dict[str, str]) -> Path:
    (tmp_path / "layer").mkdir()
    _write(tmp_path / "layer.toml", "[types]\nlaunch = true\n")
    for name, content in files.items():
        path = tmp_path / "layer" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    return tmp_path


@pytest.mark.parametrize(
    ("files", "problem"),
    [
        ({"env/PATH.prepend": "/x"}, "no PATH.delim beside it"),
        ({"env.build/CPATH.append": "/x"}, "no CPATH.delim beside it"),
        ({"env/LANG.override": "C\n"}, "ends with a newline"),
        ({"env/LANG.overide": "C"}, "unknown suffix 'overide'"),
        ({"env/.override": "C"}, "no variable name"),
        ({"env/sub/A": "1"}, "directories are ignored here"),
        ({"env.launch/we b/A": "1"}, "not a valid process type"),
    ],
)
def test_env_dir_rules(tmp_path: Path, files: dict[str, str], problem: str) -> None:
    violations, _ = _check(_layer_with(tmp_path, files))
    assert any(problem in v for v in violations), violations


def test_good_env_dirs_pass(tmp_path: Path) -> None:
    files = {
        "env/PATH.prepend": "/x",
        "env/PATH.delim": ":",
        "env/LANG": "C.UTF-8",
        "env.launch/web/PORT.default": "8000",
        "env.build/CPATH.append": "/y",
        "env.build/CPATH.delim": ":",
    }
    assert _check(_layer_with(tmp_path, files)) == ([], [])


def test_exec_d_programs_must_be_executable(tmp_path: Path) -> None:
    layers = _layer_with(tmp_path, {"exec.d/setup": "#!/bin/sh\n"})
    violations, _ = _check(layers)
    assert violations == ["layer/exec.d/setup: not executable, so the app would not start"]
    (layers / "layer" / "exec.d" / "setup").chmod(0o755)
    assert _check(layers) == ([], [])


# --- launch.toml ------------------------------------------------------------------------------

GOOD_LAUNCH = """
[[labels]]
key = "org.example.python"
value = "3.12"
[[processes]]
type = "web"
command = ["bash", "-c", "exec gunicorn app:app"]
args = ["--workers", "2"]
default = true
working-dir = "src"
[[processes]]
type = "worker.v2"
command = ["python", "worker.py"]
[[slices]]
paths = ["static/**"]
"""


@pytest.mark.parametrize(
    ("toml", "problem"),
    [
        ('[[processes]]\ntype = "web"\ncommand = "python app.py"\n', "not a string"),
        ('[[processes]]\ntype = "web"\ncommand = []\n', "non-empty array of strings"),
        ('[[processes]]\ntype = "web"\ncommand = ["a", 1]\n', "non-empty array of strings"),
        ('[[processes]]\ntype = "web"\ncommand = ["a"]\nargs = "x"\n', "args must be an array"),
        ('[[processes]]\ntype = "web"\ncommand = ["a"]\ndirect = true\n', "direct is not"),
        ('[[processes]]\ntype = "web"\ncommand = ["a"]\ndefault = 1\n', "default must be true"),
        ('[[processes]]\ntype = "web"\ncommand = ["a"]\nworking_dir = "x"\n', "'working_dir'"),
        ('[[processes]]\ntype = "web"\ncommand = ["a"]\nworking-dir = 1\n', "working-dir must"),
        ('[[processes]]\ntype = "we/b"\ncommand = ["a"]\n', "type must match"),
        ('[[processes]]\ncommand = ["a"]\n', "type must match"),
        (
            '[[processes]]\ntype = "a"\ncommand = ["a"]\ndefault = true\n'
            '[[processes]]\ntype = "b"\ncommand = ["b"]\ndefault = true\n',
            "multiple default process types",
        ),
        (
            '[[processes]]\ntype = "a"\ncommand = ["a"]\n'
            '[[processes]]\ntype = "a"\ncommand = ["b"]\n',
            "defined twice",
        ),
        ('[[labels]]\nkey = "k"\n', "value must be a string"),
        ('[[labels]]\nkey = "k"\nvalue = "v"\nextra = 1\n', "unknown key 'extra'"),
        ("[[slices]]\npaths = 'static'\n", "paths must be an array"),
        ('[[bom]]\nname = "x"\n', "[[bom]] is deprecated"),
        ('[[process]]\ntype = "web"\n', "unknown key 'process'"),
    ],
)
def test_launch_toml_rules(tmp_path: Path, toml: str, problem: str) -> None:
    violations = validate_launch_toml(_write(tmp_path / "launch.toml", toml))
    assert any(problem in v for v in violations), violations


def test_a_good_launch_toml_passes(tmp_path: Path) -> None:
    assert validate_launch_toml(_write(tmp_path / "launch.toml", GOOD_LAUNCH)) == []


# --- build.toml, store.toml -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("toml", "problem"),
    [
        ('[[unmet]]\nname = "node"\n', "must match a requested dependency"),
        ("[[unmet]]\nname = ''\n", "unmet.name is required"),
        ('[[unmet]]\nname = "cpython"\nversion = "1"\n', "unknown key 'version'"),
        ('[[bom]]\nname = "x"\n', "[[bom]] is deprecated"),
    ],
)
def test_build_toml_rules(tmp_path: Path, toml: str, problem: str) -> None:
    violations = validate_build_toml(_write(tmp_path / "build.toml", toml), ["cpython"])
    assert any(problem in v for v in violations), violations


def test_a_good_build_toml_passes(tmp_path: Path) -> None:
    path = _write(tmp_path / "build.toml", '[[unmet]]\nname = "cpython"\n')
    assert validate_build_toml(path, ["cpython"]) == []


@pytest.mark.parametrize(
    ("toml", "problem"),
    [("[data]\na = '1'\n", "unknown key 'data'"), ("metadata = 1\n", "must be a table")],
)
def test_store_toml_rules(tmp_path: Path, toml: str, problem: str) -> None:
    violations = validate_store_toml(_write(tmp_path / "store.toml", toml))
    assert any(problem in v for v in violations), violations


def test_a_good_store_toml_passes(tmp_path: Path) -> None:
    assert validate_store_toml(_write(tmp_path / "store.toml", "[metadata]\na = '1'\n")) == []


# --- SBOMs ------------------------------------------------------------------------------------

CDX = ("application/vnd.cyclonedx+json",)


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("launch.sbom.spdx.json", "undeclared SBOM media type 'application/spdx+json'"),
        ("python.sbom.xml.json", "unsupported SBOM file format"),
        ("python.sbom.cdx.xml", "unsupported SBOM file format"),
    ],
)
def test_sbom_rules(tmp_path: Path, name: str, problem: str) -> None:
    (tmp_path / "python").mkdir()
    _write(tmp_path / "python.toml", "[types]\nlaunch = true\n")
    _write(tmp_path / name, "{}")
    violations, _ = _check(tmp_path, CDX)
    assert any(problem in v for v in violations), violations


def test_declared_sboms_pass_and_orphans_are_warned_about(tmp_path: Path) -> None:
    (tmp_path / "python").mkdir()
    _write(tmp_path / "python.toml", "[types]\nlaunch = true\n")
    for name in ("python.sbom.cdx.json", "launch.sbom.cdx.json", "build.sbom.cdx.json"):
        _write(tmp_path / name, "{}")
    assert _check(tmp_path, ("application/vnd.cyclonedx+json; version=1.4",)) == ([], [])
    _write(tmp_path / "gone.sbom.cdx.json", "{}")
    _, warnings = _check(tmp_path, CDX)
    assert warnings == [
        "gone.sbom.cdx.json: no layer 'gone' has a .toml, so the lifecycle ignores it"
    ]


def test_layer_types_are_reported(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    _write(tmp_path / "a.toml", "[types]\nlaunch = true\nbuild = true\n")
    _, layers = validate_build_outputs(tmp_path, plan_names=[], sbom_formats=())
    assert layers == {"a": LayerTypes(launch=True, build=True)}
