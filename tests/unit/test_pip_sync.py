"""The in-place update of a pip venv: what the files allow, and what the requirements need."""

from __future__ import annotations

from pathlib import Path

from packaging.requirements import Requirement

from cnb_python.managers import pip_sync
from cnb_python.managers.pip_sync import Installed, needed, plan

ENV = {"python_version": "3.12", "sys_platform": "linux", "platform_system": "Linux"}


def test_plain_requirements_with_hashes_and_options_can_be_updated() -> None:
    found = plan(
        {
            "requirements.txt": "--extra-index-url  https://example.invalid/simple\n"
            "-r base.txt\n"
            "Django==5.1 --hash=sha256:" + "0" * 64 + "\n"
            "requests[socks]>=2 ; python_version >= '3.8'\n",
            "base.txt": "six\n",
        }
    )
    assert found.blocker == ""
    assert [r.name for r in found.requirements] == ["Django", "requests", "six"]
    assert found.options == ("--extra-index-url https://example.invalid/simple",)


def test_anything_uncertain_names_its_line() -> None:
    cases = {
        "-c constraints.txt\n": "requirements.txt:1 names a constraints file",
        "six\n-e ./pkg\n": "requirements.txt:2 is an editable requirement",
        "pkg @ https://example.invalid/pkg.whl\n": "requirements.txt:1 is a URL, VCS or local",
        "git+https://example.invalid/pkg\n": "requirements.txt:1 is not a requirement on a",
    }
    for text, reason in cases.items():
        assert plan({"requirements.txt": text}).blocker.startswith(reason), text


def test_the_closure_follows_dependencies_extras_and_markers() -> None:
    installed = {
        "requests": Installed(
            "requests", "2.32.3", ("idna<4", "pysocks; extra == 'socks'", "win; os_name == 'nt'")
        ),
        "idna": Installed("idna", "3.10"),
        "pysocks": Installed("pysocks", "1.7.1"),
        "win": Installed("win", "1"),
        "gone": Installed("gone", "1"),
    }
    keep, problems = needed([Requirement("requests")], installed, {**ENV, "os_name": "posix"})
    assert keep == {"requests", "idna"}
    assert problems == []
    keep, _ = needed([Requirement("requests[socks]")], installed, {**ENV, "os_name": "posix"})
    assert keep == {"requests", "idna", "pysocks"}


def test_missing_and_mismatched_versions_are_problems() -> None:
    installed = {"six": Installed("six", "1.16.0", ("absent",))}
    _, problems = needed([Requirement("six==1.17.0")], installed, ENV)
    assert problems == [
        "six==1.17.0 is required, six 1.16.0 is installed",
        "absent is required but not installed",
    ]


def test_uv_syncs_only_a_file_that_pins_everything() -> None:
    installed = {"a": Installed("a", "1", ("b",)), "b": Installed("b", "2")}
    pinned = [Requirement("a==1"), Requirement("b==2")]
    assert pip_sync.lists_everything(pinned, installed, ENV)
    assert not pip_sync.lists_everything(pinned[:1], installed, ENV)
    assert not pip_sync.lists_everything([Requirement("a>=1"), pinned[1]], installed, ENV)


def test_installed_distributions_are_read_from_their_metadata(tmp_path: Path) -> None:
    info = tmp_path / "Foo_Bar-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: Foo_Bar\nVersion: 1.0\nRequires-Dist: six\n\nbody\n"
    )
    assert pip_sync.read_installed(tmp_path) == {"foo-bar": Installed("foo-bar", "1.0", ("six",))}


def test_only_what_the_venv_does_not_satisfy_is_installed() -> None:
    installed = {"a": Installed("a", "1", ("b>=2",)), "b": Installed("b", "1")}
    requirements = [Requirement("a==1"), Requirement("c"), Requirement("d; os_name == 'nt'")]
    # a's dependency is too old, c is absent, d does not apply here.
    assert [
        str(r) for r in pip_sync.unsatisfied(requirements, installed, ENV | {"os_name": "posix"})
    ] == [
        "a==1",
        "c",
    ]
    assert pip_sync.unsatisfied([Requirement("b<2")], installed, ENV) == []
