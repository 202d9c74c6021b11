"""Build plan, buildpack plan, launch.toml, build.toml, store.toml and SBOM names."""

from __future__ import annotations

from pathlib import Path

import pytest

from cnb_python.cnb import tomlio
from cnb_python.cnb.context import Target, parse_os_release, read_platform_env, target_from_env
from cnb_python.cnb.launch import (
    Launch,
    Process,
    sbom_path,
)
from tests.support.plan import BuildpackPlan, BuildPlan, Require


def test_build_plan_shape(tmp_path: Path) -> None:
    plan = BuildPlan(provides=("cpython",), requires=(Require("cpython", {"launch": True}),))
    plan.write(tmp_path / "plan.toml")
    data = tomlio.load(tmp_path / "plan.toml")
    assert data == {
        "provides": [{"name": "cpython"}],
        "requires": [{"name": "cpython", "metadata": {"launch": True}}],
    }
    assert "version" not in data["requires"][0]


def test_require_without_metadata_still_writes_a_table(tmp_path: Path) -> None:
    BuildPlan(requires=(Require("cpython"),)).write(tmp_path / "plan.toml")
    assert tomlio.load(tmp_path / "plan.toml")["requires"][0]["metadata"] == {}


def test_buildpack_plan_merges_entries_of_one_name(tmp_path: Path) -> None:
    (tmp_path / "plan.toml").write_text(
        '[[entries]]\nname = "cpython"\n[entries.metadata]\nversion = "3.12"\nlaunch = true\n'
        '[[entries]]\nname = "cpython"\n[entries.metadata]\nversion = "3.13"\n'
        '[[entries]]\nname = "cpython"\n'
        '[[entries]]\nname = "other"\n'
    )
    plan = BuildpackPlan.read(tmp_path / "plan.toml")
    assert plan.names() == ("cpython", "other")
    assert plan.merged("cpython") == {"version": "3.13", "launch": True}
    assert BuildpackPlan.read(tmp_path / "missing.toml").entries == ()


def test_launch_toml_shape(tmp_path: Path) -> None:
    launch = Launch(
        processes=(
            Process("web", ("bash", "-c", "gunicorn app:app"), default=True),
            Process("worker", ("bash", "-c", "celery worker"), args=("-l", "info")),
        ),
        labels={"org.example": "x"},
    )
    launch.write(tmp_path)
    data = tomlio.load(tmp_path / "launch.toml")
    assert data["processes"][0] == {
        "type": "web",
        "command": ["bash", "-c", "gunicorn app:app"],
        "default": True,
    }
    assert data["processes"][1]["args"] == ["-l", "info"]
    assert data["labels"] == [{"key": "org.example", "value": "x"}]


@pytest.mark.parametrize("bad_type", ["web/1", "a b", "", "web:x"])
def test_invalid_process_types(bad_type: str) -> None:
    with pytest.raises(ValueError, match="invalid process type"):
        Process(bad_type, ("true",))


def test_process_needs_command() -> None:
    with pytest.raises(ValueError, match="needs a command"):
        Process("web", ())


def test_at_most_one_default() -> None:
    with pytest.raises(ValueError, match="at most one default"):
        Launch(processes=(Process("a", ("x",), default=True), Process("b", ("y",), default=True)))


def test_sbom_names(tmp_path: Path) -> None:
    assert sbom_path(tmp_path, "python", "cdx.json").name == "python.sbom.cdx.json"
    assert sbom_path(tmp_path, "launch", "spdx.json").name == "launch.sbom.spdx.json"
    with pytest.raises(ValueError, match="dot"):
        sbom_path(tmp_path, "python.3", "cdx.json")


def test_target_from_env_prefers_cnb_vars(tmp_path: Path) -> None:
    os_release = tmp_path / "os-release"
    os_release.write_text('ID=ubuntu\nVERSION_ID="22.04"\n')
    env = {
        "CNB_TARGET_OS": "linux",
        "CNB_TARGET_ARCH": "arm64",
        "CNB_TARGET_DISTRO_NAME": "ubuntu",
        "CNB_TARGET_DISTRO_VERSION": "24.04",
        "CNB_STACK_ID": "heroku-24",
    }
    assert target_from_env(env, os_release) == Target(
        "linux", "arm64", "", "ubuntu", "24.04", "heroku-24"
    )


def test_target_falls_back_to_os_release_when_distro_missing(tmp_path: Path) -> None:
    """kpack (Platform API 0.9) may not pass the distro."""
    os_release = tmp_path / "os-release"
    os_release.write_text('NAME="Ubuntu"\nID=ubuntu\nVERSION_ID="22.04"\n')
    target = target_from_env({"CNB_TARGET_OS": "linux", "CNB_TARGET_ARCH": "amd64"}, os_release)
    assert (target.distro_name, target.distro_version, target.stack_id) == ("ubuntu", "22.04", "")
    missing = target_from_env({"CNB_TARGET_ARCH": "amd64"}, tmp_path / "nope")
    assert (missing.os, missing.distro_name) == ("linux", "")


def test_parse_os_release_quotes_and_comments() -> None:
    assert parse_os_release("# c\nID='debian'\nVERSION_ID=\"12\"\nBAD\n") == {
        "ID": "debian",
        "VERSION_ID": "12",
    }


def test_platform_env_is_read_verbatim(tmp_path: Path) -> None:
    env_dir = tmp_path / "env"
    env_dir.mkdir()
    (env_dir / "BP_PYTHON_VERSION").write_text("3.12\n")
    (env_dir / "EMPTY").write_text("")
    (env_dir / "subdir").mkdir()
    assert read_platform_env(tmp_path) == {"BP_PYTHON_VERSION": "3.12\n", "EMPTY": ""}
    assert read_platform_env(tmp_path / "missing") == {}
