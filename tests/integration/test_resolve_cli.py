"""`cnb-python resolve` and `cnb-python catalog` with operator catalogs written in schema 1.

Most runs are in-process through `cnb_python.cli.main`; a few go through the installed
`cnb-python` script as a subprocess, as an operator would run it.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cnb_python.catalog.loader import load_from
from cnb_python.cli import main
from cnb_python.cnb.context import Target
from cnb_python.errors import BuildpackError
from cnb_python.resolve import resolve_python
from tests.support.httpserver import FaultyServer, Status

CNB_PYTHON = Path(sys.prefix) / "bin" / "cnb-python"


def digest(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def operator_catalog(base_url: str = "https://py.internal/builds") -> str:
    """Three stacks offering different series; 3.11 is deprecated, 3.10 end-of-life."""
    artifacts = []
    for version in ("3.10.9", "3.11.8", "3.11.9", "3.12.4", "3.12.5", "3.13.1"):
        for arch in ("amd64", "arm64"):
            name = f"cpython-{version}%2B2026-{arch}.tar.zst"
            artifacts.append(
                "[[artifacts]]\n"
                f'version = "{version}"\narch = "{arch}"\n'
                f'url = "{base_url}/{name}"\nsha256 = "{digest(name)}"\n'
                'format = "tar.zst"\nstrip-components = 1\nstacks = ["*"]\n'
            )
    return (
        "schema = 1\n\n"
        '[[stacks]]\nid = "acme-22"\naliases = ["io.buildpacks.stacks.jammy"]\n'
        'distro = "ubuntu"\ndistro-version = "22.04"\narchs = ["amd64"]\n'
        'series = ["3.10", "3.11", "3.12"]\ndefault = "3.12"\nstatus = "supported"\n\n'
        '[[stacks]]\nid = "acme-24"\ndistro = "ubuntu"\ndistro-version = "24.04"\n'
        'archs = ["amd64", "arm64"]\nseries = ["3.12", "3.13"]\ndefault = "3.13"\n'
        'status = "deprecated"\n\n'
        '[[stacks]]\nid = "acme-18"\narchs = ["amd64"]\nseries = ["3.12"]\ndefault = "3.12"\n'
        'status = "end-of-life"\n\n'
        '[[series]]\nversion = "3.10"\nend-of-life = 2026-10-01\nstatus = "end-of-life"\n\n'
        '[[series]]\nversion = "3.11"\nend-of-life = 2027-10-01\nstatus = "deprecated"\n\n'
        '[[series]]\nversion = "3.12"\nend-of-life = 2028-10-01\nstatus = "supported"\n\n'
        '[[series]]\nversion = "3.13"\nstatus = "supported"\n\n' + "\n".join(artifacts)
    )


@pytest.fixture
def catalog_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "operator.toml"
    path.write_text(operator_catalog(), encoding="utf-8")
    for name in ("BP_PYTHON_VERSION", "BP_PYTHON_MIRROR", "BP_PYTHON_ALLOW_EOL", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BP_PYTHON_CATALOG", str(path))
    return path


@pytest.fixture
def app(tmp_path: Path) -> Path:
    path = tmp_path / "app"
    path.mkdir()
    return path


def resolve_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, object]:
    assert main(["resolve", *argv, "--json"]) == 0
    result: dict[str, object] = json.loads(capsys.readouterr().out)
    return result


@pytest.mark.parametrize(
    ("files", "previous", "expected"),
    [
        ({".python-version": "3.12\n"}, None, ("3.12.5", ".python-version", [])),
        (
            {"runtime.txt": "python-3.12.5\n"},
            None,
            ("3.12.5", "runtime.txt", ["runtime.txt is deprecated"]),
        ),
        (
            {
                "Pipfile.lock": json.dumps(
                    {"_meta": {"requires": {"python_full_version": "3.12.4"}}}
                )
            },
            None,
            ("3.12.4", "Pipfile.lock", ["A Python patch update is available: 3.12.4 -> 3.12.5"]),
        ),
        (
            {"pyproject.toml": '[project]\nrequires-python = "<3.12"\n'},
            None,
            ("3.11.9", "pyproject.toml", ["Python 3.11 is deprecated"]),
        ),
        (
            {},
            "3.11",
            (
                "3.11.9",
                "previous build",
                [
                    "Python 3.11 is deprecated",
                    "No Python version was requested: using Python 3.11, "
                    "the series of the previous build",
                ],
            ),
        ),
        (
            {},
            None,
            (
                "3.12.5",
                "default",
                ["No Python version was requested: using Python 3.12, the acme-22 default"],
            ),
        ),
    ],
)
def test_resolve_json_for_each_source(
    catalog_file: Path,
    app: Path,
    capsys: pytest.CaptureFixture[str],
    files: dict[str, str],
    previous: str | None,
    expected: tuple[str, str, list[str]],
) -> None:
    for name, content in files.items():
        (app / name).write_text(content)
    extra = ["--previous-series", previous] if previous else []
    result = resolve_json(capsys, str(app), "--stack", "acme-22", "--arch", "amd64", *extra)
    version, source, warnings = expected
    assert (result["version"], result["source"], result["stack"], result["arch"]) == (
        version,
        source,
        "acme-22",
        "amd64",
    )
    assert result["series"] == ".".join(version.split(".")[:2])
    name = f"cpython-{version}%2B2026-amd64.tar.zst"
    assert result["url"] == f"https://py.internal/builds/{name}"
    assert result["sha256"] == digest(name)
    assert result["format"] == "tar.zst"
    assert isinstance(result["warnings"], list)
    assert [w.split("\n")[0] for w in result["warnings"]] == [
        next(t for t in (w.split("\n")[0] for w in result["warnings"]) if t.startswith(prefix))
        for prefix in warnings
    ]
    assert len(result["warnings"]) == len(warnings)


def test_bp_python_version_and_mirror_from_the_environment(
    catalog_file: Path,
    app: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (app / ".python-version").write_text("3.12\n")
    monkeypatch.setenv("BP_PYTHON_VERSION", "3.13\n")
    monkeypatch.setenv("BP_PYTHON_MIRROR", "https://mirror.internal/python/")
    result = resolve_json(capsys, str(app), "--stack", "acme-24", "--arch", "arm64")
    assert (result["version"], result["source"], result["requested"]) == (
        "3.13.1",
        "BP_PYTHON_VERSION",
        "3.13",
    )
    assert result["url"] == "https://mirror.internal/python/cpython-3.13.1%2B2026-arm64.tar.zst"
    assert result["sha256"] == digest("cpython-3.13.1%2B2026-arm64.tar.zst")
    assert result["warnings"] == [
        "The acme-24 stack is deprecated\n"
        "Builds on it still work for now, but it will stop being offered.\n"
        "Move the app to a supported stack: acme-22."
    ]


def test_resolve_text_output_is_the_build_log_line(
    catalog_file: Path, app: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (app / ".python-version").write_text("3.12.4\n")
    assert (
        main(["resolve", str(app), "--stack", "io.buildpacks.stacks.jammy", "--arch", "amd64"]) == 0
    )
    out, err = capsys.readouterr()
    assert out.splitlines()[0] == "- Python 3.12.4 (from .python-version: 3.12.4) for acme-22 amd64"
    assert "  sha256: " + digest("cpython-3.12.4%2B2026-amd64.tar.zst") in out
    assert "WARNING: A Python patch update is available: 3.12.4 -> 3.12.5" in err


def test_resolve_matches_the_distro_when_no_stack_is_given(
    catalog_file: Path, app: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = resolve_json(
        capsys, str(app), "--distro", "ubuntu", "--distro-version", "24.04", "--arch", "arm64"
    )
    assert (result["stack"], result["version"]) == ("acme-24", "3.13.1")


@pytest.mark.parametrize(
    ("setup", "argv", "title"),
    [
        (
            {".python-version": "3.13\n"},
            ["--stack", "acme-22", "--arch", "amd64"],
            "Python 3.13 isn't offered on the acme-22 stack",
        ),
        (
            {".python-version": "3.10\n"},
            ["--stack", "acme-22", "--arch", "amd64"],
            "Python 3.10 has reached end-of-life",
        ),
        (
            {".python-version": "3.12.9\n"},
            ["--stack", "acme-22", "--arch", "amd64"],
            "Python 3.12.9 isn't available on the acme-22 stack",
        ),
        (
            {".python-version": "3.99\n"},
            ["--stack", "acme-22", "--arch", "amd64"],
            "The requested Python version isn't recognised",
        ),
        (
            {},
            ["--stack", "acme-22", "--arch", "arm64"],
            "The acme-22 stack doesn't offer Python for arm64",
        ),
        ({}, ["--stack", "acme-18", "--arch", "amd64"], "The acme-18 stack is no longer supported"),
        (
            {},
            ["--stack", "heroku-24", "--arch", "amd64"],
            "This stack isn't recognised by the Python version catalog",
        ),
        (
            {"pyproject.toml": '[project]\nrequires-python = ">=3.14"\n'},
            ["--stack", "acme-24", "--arch", "amd64"],
            "No available Python version satisfies the app's Python requirement",
        ),
        (
            {".python-version": b"\xff\xfe3\x00.\x001\x002\x00"},
            ["--stack", "acme-22", "--arch", "amd64"],
            "Unable to read .python-version: unsupported text encoding",
        ),
    ],
)
def test_refusals_print_the_build_message(
    catalog_file: Path,
    app: Path,
    capsys: pytest.CaptureFixture[str],
    setup: dict[str, str | bytes],
    argv: list[str],
    title: str,
) -> None:
    for name, content in setup.items():
        if isinstance(content, bytes):
            (app / name).write_bytes(content)
        else:
            (app / name).write_text(content)
    assert main(["resolve", str(app), *argv, "--json"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    # Exactly what a build prints: the same error from the same resolver, rendered once.
    stack = argv[argv.index("--stack") + 1]
    arch = argv[argv.index("--arch") + 1]
    with pytest.raises(BuildpackError) as caught:
        resolve_python(
            app, {}, Target("linux", arch, stack_id=stack), load_from(str(catalog_file)), None
        )
    assert err == caught.value.message().render() + "\n"
    assert err.startswith(f"ERROR: {title}\n")


def test_eol_allowed_from_the_environment(
    catalog_file: Path,
    app: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (app / ".python-version").write_text("3.10\n")
    monkeypatch.setenv("BP_PYTHON_ALLOW_EOL", "1")
    result = resolve_json(capsys, str(app), "--stack", "acme-22", "--arch", "amd64")
    assert result["version"] == "3.10.9"
    assert isinstance(result["warnings"], list)
    assert result["warnings"][0].startswith("Python 3.10 has reached end-of-life: building anyway")


# -- catalog list / check ---------------------------------------------------------------------


def test_catalog_list_json_on_a_stack_and_arch(
    catalog_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["catalog", "list", "--stack", "acme-24", "--arch", "arm64", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["version"], r["series"], r["arch"], r["status"]) for r in rows] == [
        ("3.12.4", "3.12", "arm64", "supported"),
        ("3.12.5", "3.12", "arm64", "supported"),
        ("3.13.1", "3.13", "arm64", "supported"),
    ]
    assert rows[0]["url"] == "https://py.internal/builds/cpython-3.12.4%2B2026-arm64.tar.zst"
    assert rows[0]["sha256"] == digest("cpython-3.12.4%2B2026-arm64.tar.zst")


def test_catalog_list_everything_as_text(
    catalog_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["catalog", "list", "--arch", "amd64"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["3.10.9", "amd64", "end-of-life", "acme-22"]
    assert lines[-1].split() == ["3.13.1", "amd64", "supported", "acme-24"]
    assert len(lines) == 6


def test_catalog_list_refuses_an_unknown_stack(
    catalog_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["catalog", "list", "--stack", "nope"]) == 1
    err = capsys.readouterr().err
    assert "This build targets stack nope." in err
    assert "- acme-22 (also io.buildpacks.stacks.jammy; ubuntu 22.04; amd64)" in err


def test_catalog_list_defaults_to_the_builtin_catalog(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BP_PYTHON_CATALOG", raising=False)
    monkeypatch.delenv("BP_PYTHON_MIRROR", raising=False)
    assert main(["catalog", "list", "--stack", "scalingo-20", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {r["series"] for r in rows} == {"3.8", "3.9", "3.10", "3.11", "3.12", "3.13"}
    assert all(len(r["sha256"]) == 64 for r in rows)


def test_catalog_check_accepts_a_valid_catalog(
    catalog_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["catalog", "check", str(catalog_file)]) == 0
    out = capsys.readouterr().out
    assert "valid catalog (schema 1): 3 stacks, 4 series, 12 artifacts" in out


def test_catalog_check_names_each_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = operator_catalog().replace(
        f'sha256 = "{digest("cpython-3.12.5%2B2026-arm64.tar.zst")}"', 'sha256 = "123"'
    )
    text = text.replace(
        'status = "end-of-life"\n\n[[series]]',
        'status = "end-of-life"\nlts = true\n\n[[series]]',
        1,
    )
    path = tmp_path / "bad.toml"
    path.write_text(text)
    assert main(["catalog", "check", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("ERROR: The Python version catalog is invalid")
    assert "  2 problems:\n" in err
    assert "- stacks[2] (acme-18) lts: unknown key (not part of catalog schema 1)" in err
    assert (
        "- artifacts[9] (3.12.5 arm64) sha256: '123' is not a sha256 (64 hexadecimal digits)" in err
    )

    # Cross-entry checks run once every entry is well-formed.
    path.write_text(operator_catalog().replace('default = "3.13"', 'default = "3.11"', 1))
    assert main(["catalog", "check", str(path)]) == 1
    err = capsys.readouterr().err
    assert "- stacks[1] (acme-24) default: '3.11' is not one of its series (3.12, 3.13)" in err


def test_catalog_check_reports_toml_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("schema = 1\n[[stacks]\n")
    assert main(["catalog", "check", str(path)]) == 1
    assert "Problem: not valid TOML" in capsys.readouterr().err


# -- BP_PYTHON_CATALOG over http ----------------------------------------------------------------


def test_a_catalog_url_is_fetched(
    catalog_file: Path,
    app: Path,
    served_dir: Path,
    http_server: FaultyServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (served_dir / "catalog.toml").write_text(operator_catalog(http_server.base_url))
    monkeypatch.setenv("BP_PYTHON_CATALOG", http_server.url("catalog.toml"))
    result = resolve_json(capsys, str(app), "--stack", "acme-24", "--arch", "amd64")
    assert result["url"] == http_server.url("cpython-3.13.1%2B2026-amd64.tar.zst")
    assert http_server.count("/catalog.toml") == 1


def test_an_unreachable_catalog_url_is_a_clear_error(
    catalog_file: Path,
    app: Path,
    http_server: FaultyServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    http_server.fail("/catalog.toml", Status(503))
    monkeypatch.setenv("BP_PYTHON_CATALOG", http_server.url("catalog.toml"))
    assert main(["resolve", str(app), "--stack", "acme-24", "--arch", "amd64"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("ERROR: Unable to read the Python version catalog")
    assert f"Catalog: '{http_server.url('catalog.toml')}'" in err
    assert "the server answered HTTP 503" in err


# -- as a subprocess, as operators run it --------------------------------------------------------


def run_cli(*argv: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {"PATH": os.environ.get("PATH", ""), "NO_COLOR": "1"}
    return subprocess.run(
        [str(CNB_PYTHON), *argv],
        env={**base, **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_subprocess_resolve_and_refusal(catalog_file: Path, app: Path) -> None:
    (app / ".python-version").write_text("3.12\n")
    done = run_cli(
        "resolve",
        str(app),
        "--stack",
        "acme-22",
        "--arch",
        "amd64",
        "--json",
        env={"BP_PYTHON_CATALOG": str(catalog_file)},
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert (result["version"], result["source"], result["stack"]) == (
        "3.12.5",
        ".python-version",
        "acme-22",
    )

    refused = run_cli(
        "resolve",
        str(app),
        "--stack",
        "acme-24",
        "--arch",
        "amd64",
        env={"BP_PYTHON_CATALOG": str(catalog_file), "BP_PYTHON_VERSION": "3.11"},
    )
    assert refused.returncode == 1
    assert refused.stdout == ""
    assert refused.stderr.startswith("ERROR: Python 3.11 isn't offered on the acme-24 stack\n")
    assert "The acme-24 stack offers Python 3.12, 3.13." in refused.stderr
    assert "Python 3.11 is offered on: acme-22." in refused.stderr
    assert "Traceback" not in refused.stderr


def test_subprocess_catalog_check_of_the_builtin_catalog() -> None:
    builtin = Path(__file__).resolve().parents[2] / "cnb_python" / "catalog" / "catalog.toml"
    done = run_cli("catalog", "check", str(builtin), env={})
    assert done.returncode == 0, done.stderr
    assert "valid catalog (schema 1): 11 stacks, 7 series" in done.stdout


@pytest.mark.parametrize(
    ("args", "stack", "note"),
    [
        (["--distro", "ubuntu", "--distro-version", "24.04"], "ubuntu-24.04", ""),
        (["--stack", "heroku-24", "--distro", "ubuntu", "--distro-version", "24.04"],
         "heroku-24", ""),
        (["--distro", "debian", "--distro-version", "12"], "portable",
         "debian 12 is not a named stack: using portable CPython builds"),
        (["--distro", "rhel", "--distro-version", "9"], "portable",
         "rhel 9 is not a named stack: using portable CPython builds"),
        (["--distro", "amzn", "--distro-version", "2023"], "portable",
         "amzn 2023 is not a named stack: using portable CPython builds"),
        ([], "portable", "The run image names no distro: using portable CPython builds"),
        (["--stack", "heroku-24", "--distro", "debian", "--distro-version", "12"], "portable",
         "CNB_STACK_ID heroku-24 is ubuntu 24.04, but the run image is debian 12: "
         "using portable CPython builds"),
    ],
)  # fmt: skip
def test_resolve_names_the_stack_each_target_gets_and_why(
    args: list[str], stack: str, note: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The built-in catalog: named stacks for what they name, the portable one otherwise."""
    assert main(["resolve", str(tmp_path), "--arch", "amd64", *args, "--json"]) == 0
    decision = json.loads(capsys.readouterr().out)
    assert (decision["stack"], decision["stack_note"]) == (stack, note)
    assert main(["resolve", str(tmp_path), "--arch", "amd64", *args]) == 0
    text = capsys.readouterr().out
    assert f" for {stack} amd64" in text
    assert text.startswith(f"- {note}\n- Python " if note else "- Python ")


def test_resolve_refuses_a_musl_target_with_one_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["resolve", str(tmp_path), "--arch", "amd64", "--distro", "alpine"]
    assert main([*args, "--distro-version", "3.20"]) == 1
    out = capsys.readouterr()
    text = out.out + out.err
    assert "ERROR: Python cannot be installed on alpine 3.20: it uses musl libc, not glibc" in text
    assert "Traceback" not in text
