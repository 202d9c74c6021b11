"""`build()` in-process, with the subprocess runner and the downloader replaced by recorders.

Every refusal a user can cause belongs to the decision phase (`cnb_python.decide`): it must
come before the first command, the first download and the first layer change. Each case
below is one such refusal, made by the app's files or the platform env; the build must raise
it with nothing recorded and the layers dir as it was. The last tests check the other side:
a good build decides everything (the log shows it) before its first effect, the Python
download.
"""

from __future__ import annotations

import io
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from cnb_python import errors, pins
from cnb_python.build import build
from cnb_python.cnb.context import BuildContext, Target
from cnb_python.download import Fetched
from cnb_python.effects import Command, Download, Effects
from cnb_python.errors import BuildpackError
from cnb_python.output import Output

TARGET = Target("linux", "amd64", "", "ubuntu", "24.04")


class FirstEffect(Exception):
    """Raised by the recorder at the first effect: what came before it was the decisions."""


@dataclass
class Recorder:
    """Records each command and download asked for, and stops the build at the first."""

    commands: list[Command] = field(default_factory=list)
    downloads: list[Download] = field(default_factory=list)

    def run(self, command: Command) -> subprocess.CompletedProcess[str]:
        self.commands.append(command)
        raise FirstEffect(command.args)

    def fetch(self, request: Download) -> Fetched:
        self.downloads.append(request)
        raise FirstEffect(request.url)

    def effects(self) -> Effects:
        return Effects(run=self.run, fetch=self.fetch)


@dataclass
class InProcess:
    ctx: BuildContext
    recorder: Recorder
    log: io.StringIO

    def build(self, **env: str) -> None:
        build_env = {"PATH": "/usr/bin:/bin", **env}
        build(self.ctx, build_env, Output(self.log, self.log), effects_=self.recorder.effects())


def _app(tmp_path: Path, files: dict[str, str], platform_env: dict[str, str]) -> InProcess:
    app = tmp_path / "app"
    app.mkdir()
    for name, text in files.items():
        (app / name).parent.mkdir(parents=True, exist_ok=True)
        (app / name).write_text(text)
    layers = tmp_path / "layers"
    layers.mkdir()
    ctx = BuildContext(
        app_dir=app,
        buildpack_dir=tmp_path / "bp",
        platform_dir=tmp_path / "platform",
        layers_dir=layers,
        buildpack_plan_path=tmp_path / "plan.toml",
        target=TARGET,
        platform_env=platform_env,
    )
    return InProcess(ctx, Recorder(), io.StringIO())


REQS = {"requirements.txt": "six==1.17.0\n"}

# (case, the app's files, the platform env, the refusal)
REFUSALS: list[tuple[str, dict[str, str], dict[str, str], type[BuildpackError]]] = [
    (
        "include missing",
        {"requirements.txt": "-r missing.txt\n"},
        {},
        errors.RequirementsIncludeMissing,
    ),
    (
        "constraint missing",
        {"requirements.txt": "-c nope.txt\nsix\n"},
        {},
        errors.RequirementsIncludeMissing,
    ),
    (
        "nested include missing",
        {"requirements.txt": "-r a.txt\n", "a.txt": "-r b.txt\n"},
        {},
        errors.RequirementsIncludeMissing,
    ),
    (
        "procfile malformed",
        {**REQS, "Procfile": "web gunicorn app:app\n"},
        {},
        errors.InvalidProcfile,
    ),
    ("procfile not utf-8", {**REQS, "Procfile": ""}, {}, errors.InvalidProcfile),
    ("no manager file", {"app.py": ""}, {}, errors.NoPackageManagerFile),
    ("pipfile without lock", {"Pipfile": "[packages]\n"}, {}, errors.PipfileLockMissing),
    (
        "poetry chosen, no lock",
        REQS,
        {"BP_PYTHON_PACKAGE_MANAGER": "poetry"},
        errors.NoPackageManagerFile,
    ),
    (
        "bad manager setting",
        REQS,
        {"BP_PYTHON_PACKAGE_MANAGER": "conda"},
        errors.InvalidPackageSetting,
    ),
    ("bad installer setting", REQS, {"BP_PYTHON_INSTALLER": "pdm"}, errors.InvalidPackageSetting),
    ("bad groups", REQS, {"BP_PYTHON_GROUPS": "dev,-x"}, errors.InvalidGroups),
    ("invalid version", {**REQS, ".python-version": "three\n"}, {}, errors.InvalidVersion),
    ("two versions", {**REQS, ".python-version": "3.12\n3.13\n"}, {}, errors.MultipleVersions),
    ("unknown series", {**REQS, ".python-version": "3.30\n"}, {}, errors.UnknownSeries),
    ("end of life", {**REQS, ".python-version": "3.7\n"}, {}, errors.SeriesEndOfLife),
    ("not on this stack", {**REQS, ".python-version": "3.9\n"}, {}, errors.SeriesNotOffered),
    ("patch missing", {**REQS, ".python-version": "3.12.999\n"}, {}, errors.PatchNotAvailable),
    ("pyproject invalid", {**REQS, "pyproject.toml": "[project\n"}, {}, errors.PyprojectInvalid),
    (
        "catalog missing",
        REQS,
        {"BP_PYTHON_CATALOG": "/nonexistent/catalog.toml"},
        errors.CatalogUnreadable,
    ),
    ("bad mirror", REQS, {"BP_PYTHON_MIRROR": "ftp://mirror.invalid/python"}, errors.InvalidMirror),
    ("forbidden env", REQS, {"PYTHONHOME": "/usr"}, errors.ForbiddenEnvironment),
    ("bad limit", REQS, {"BP_PYTHON_MAX_APP_FILE_MIB": "lots"}, errors.InvalidLimitSetting),
    (
        "committed venv",
        {**REQS, ".venv/pyvenv.cfg": "home = /usr/bin\n"},
        {},
        errors.CommittedEnvironment,
    ),
    (
        "committed heroku python",
        {**REQS, ".heroku/python/bin/python": ""},
        {},
        errors.CommittedEnvironment,
    ),
]


@pytest.mark.parametrize(
    ("files", "platform_env", "refusal"),
    [case[1:] for case in REFUSALS],
    ids=[case[0] for case in REFUSALS],
)
def test_a_refusal_comes_before_any_command_download_or_layer_change(
    tmp_path: Path,
    files: dict[str, str],
    platform_env: dict[str, str],
    refusal: type[BuildpackError],
) -> None:
    run = _app(tmp_path, files, platform_env)
    if "Procfile" in files and not files["Procfile"]:
        (run.ctx.app_dir / "Procfile").write_bytes(b"web: \xff\n")
    with pytest.raises(refusal):
        run.build()
    assert run.recorder.commands == []
    assert run.recorder.downloads == []
    assert list(run.ctx.layers_dir.iterdir()) == []


def test_a_ca_setting_naming_no_file_is_refused_before_anything(tmp_path: Path) -> None:
    run = _app(tmp_path, REQS, {})
    with pytest.raises(errors.CaSettingInvalid):
        run.build(SSL_CERT_FILE=str(tmp_path / "missing.pem"))
    assert run.recorder.commands == []
    assert run.recorder.downloads == []
    assert list(run.ctx.layers_dir.iterdir()) == []


def test_a_tool_that_cannot_serve_the_series_is_refused_before_anything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pins_dir = tmp_path / "pins"
    pins_dir.mkdir()
    (pins_dir / "pip.txt").write_text('pip==26.3 ; python_version >= "3.13"\n')
    monkeypatch.setattr(pins, "PINS_DIR", pins_dir)
    run = _app(tmp_path, {**REQS, ".python-version": "3.12\n"}, {})
    with pytest.raises(errors.ToolSeriesUnsupported) as raised:
        run.build()
    assert "support Python 3.13 and later" in raised.value.message().found[1]
    assert run.recorder.commands == []
    assert run.recorder.downloads == []
    assert list(run.ctx.layers_dir.iterdir()) == []


def test_a_good_build_decides_everything_before_its_first_effect(tmp_path: Path) -> None:
    files = {
        **REQS,
        "requirements.txt": "-r base.txt\n",
        "base.txt": "six\n",
        "Procfile": "web: x\n",
    }
    run = _app(tmp_path, files, {})
    with pytest.raises(FirstEffect):
        run.build()
    assert run.recorder.commands == []
    [download] = run.recorder.downloads
    assert "cpython-3." in download.url
    log = run.log.getvalue()
    assert "Package manager: pip with requirements.txt (from requirements.txt)" in log
    assert log.rstrip().splitlines()[-1].startswith("- Downloading Python ")
