"""The resolver: one artifact or one refusal, with the warnings and log line a build shows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnb_python.catalog.models import Catalog
from cnb_python.cnb.context import Target
from cnb_python.errors import (
    BuildpackError,
    InvalidBooleanSetting,
    InvalidMirror,
    PatchNotAvailable,
    SeriesEndOfLife,
    SeriesNotOffered,
    UnknownSeries,
)
from cnb_python.requested import FALSE_VALUES, TRUE_VALUES, platform_flag
from cnb_python.resolve import Resolution, resolve_python
from tests.unit.catalog import factory

AMD64 = Target("linux", "amd64", stack_id="test-22")


def resolve(
    app: Path,
    env: dict[str, str] | None = None,
    catalog: Catalog | None = None,
    target: Target = AMD64,
    previous: str | None = None,
) -> Resolution:
    return resolve_python(app, env or {}, target, catalog or factory.build(), previous)


def refuse(
    app: Path, env: dict[str, str] | None = None, catalog: Catalog | None = None, **kw: Any
) -> str:
    with pytest.raises(BuildpackError) as caught:
        resolve(app, env, catalog, **kw)
    return caught.value.message().render()


def titles(resolution: Resolution) -> list[str]:
    return [warning.title for warning in resolution.warnings]


def eol_catalog(**statuses: str) -> Catalog:
    return factory.build(
        factory.catalog_data(statuses={k.replace("_", "."): v for k, v in statuses.items()})
    )


# -- choosing -------------------------------------------------------------------------------


def test_a_series_gets_its_newest_patch_and_the_artifact(tmp_path: Path) -> None:
    (tmp_path / ".python-version").write_text("3.12\n")
    resolution = resolve(tmp_path)
    assert (resolution.version, resolution.series, resolution.stack_id, resolution.arch) == (
        "3.12.2",
        "3.12",
        "test-22",
        "amd64",
    )
    assert resolution.artifact.url == "https://downloads.example/python/cpython-3.12.2-amd64.tar.gz"
    assert resolution.artifact.sha256 == factory.sha("3.12.2-amd64")
    assert (resolution.artifact.format, resolution.artifact.strip_components) == ("tar.gz", 1)
    assert resolution.summary() == "Python 3.12.2 (from .python-version: 3.12) for test-22 amd64"
    assert resolution.warnings == ()


def test_the_arch_picks_its_own_artifact(tmp_path: Path) -> None:
    resolution = resolve(
        tmp_path, {"BP_PYTHON_VERSION": "3.13"}, target=Target("linux", "arm64", stack_id="test-22")
    )
    assert resolution.artifact.sha256 == factory.sha("3.13.2-arm64")
    assert resolution.summary() == "Python 3.13.2 (from BP_PYTHON_VERSION: 3.13) for test-22 arm64"


def test_a_newest_patch_pin_has_no_warning(tmp_path: Path) -> None:
    assert resolve(tmp_path, {"BP_PYTHON_VERSION": "3.12.2"}).warnings == ()


def test_an_outdated_patch_pin_builds_with_a_warning(tmp_path: Path) -> None:
    (tmp_path / ".python-version").write_text("3.12.1\n")
    resolution = resolve(tmp_path)
    assert resolution.version == "3.12.1"
    [warning] = resolution.warnings
    assert warning.title == "A Python patch update is available: 3.12.1 -> 3.12.2"
    assert ".python-version pins Python 3.12.1; 3.12.2 is the newest 3.12 patch" in warning.text()
    assert "Write 3.12 (not a patch) in .python-version" in warning.text()


def test_stack_specific_artifacts_only_serve_their_stack(tmp_path: Path) -> None:
    data = factory.catalog_data(
        stacks=[factory.stack("a"), factory.stack("b")],
        extra_artifacts=[factory.artifact("3.12.3", "amd64", stacks=["b"])],
    )
    catalog = factory.build(data)
    env = {"BP_PYTHON_VERSION": "3.12"}
    assert (
        resolve(tmp_path, env, catalog, Target("linux", "amd64", stack_id="a")).version == "3.12.2"
    )
    assert (
        resolve(tmp_path, env, catalog, Target("linux", "amd64", stack_id="b")).version == "3.12.3"
    )


@pytest.mark.parametrize(
    ("requires", "version"),
    [
        (">=3.11,<3.13", "3.12.2"),
        (">=3.10", "3.14.2"),
        ("<3.12.2,>=3.12", "3.12.1"),
        ("~=3.9.0", "3.9.2"),
    ],
)
def test_requires_python_takes_the_newest_satisfying_patch(
    tmp_path: Path, requires: str, version: str
) -> None:
    (tmp_path / "pyproject.toml").write_text(f'[project]\nrequires-python = "{requires}"\n')
    resolution = resolve(tmp_path)
    assert resolution.version == version
    assert resolution.summary() == (
        f"Python {version} "
        f"(newest satisfying pyproject.toml [project] requires-python: {requires}) "
        "for test-22 amd64"
    )


def test_poetry_python_is_satisfied_the_same_way(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.poetry.dependencies]\npython = "~3.11"\n')
    resolution = resolve(tmp_path)
    assert resolution.version == "3.11.2"
    assert (
        "newest satisfying pyproject.toml [tool.poetry.dependencies] python: ~3.11"
        in resolution.summary()
    )


def test_requires_python_avoids_end_of_life_series_when_it_can(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nrequires-python = "<3.11"\n')
    catalog = eol_catalog(**{"3_10": "end-of-life"})
    assert resolve(tmp_path, catalog=catalog).version == "3.9.2"


def test_requires_python_satisfied_only_by_end_of_life_is_refused(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nrequires-python = "<3.9"\n')
    catalog = eol_catalog(**{"3_8": "end-of-life"})
    text = refuse(tmp_path, catalog=catalog)
    assert "ERROR: Python 3.8 has reached end-of-life" in text
    allowed = resolve(tmp_path, {"BP_PYTHON_ALLOW_EOL": "1"}, catalog)
    assert allowed.version == "3.8.2"


def test_requires_python_that_nothing_satisfies(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nrequires-python = ">=3.15"\n')
    text = refuse(tmp_path)
    assert "ERROR: No available Python version satisfies the app's Python requirement" in text
    assert "Requested by pyproject.toml ([project] requires-python): '>=3.15'." in text
    assert (
        "Newest patch of each series on test-22 amd64: "
        "3.8.2, 3.9.2, 3.10.2, 3.11.2, 3.12.2, 3.13.2, 3.14.2." in text
    )


# -- refusals -------------------------------------------------------------------------------


def test_a_patch_that_is_not_available_lists_what_is(tmp_path: Path) -> None:
    (tmp_path / ".python-version").write_text("3.12.7\n")
    with pytest.raises(PatchNotAvailable):
        resolve(tmp_path)
    text = refuse(tmp_path)
    assert "ERROR: Python 3.12.7 isn't available on the test-22 stack" in text
    assert "Requested by .python-version: '3.12.7'." in text
    assert "Python 3.12 patches available there: 3.12.1, 3.12.2." in text
    assert (
        "Newest patch of each series there: 3.8.2, 3.9.2, 3.10.2, 3.11.2, 3.12.2, 3.13.2, 3.14.2."
        in text
    )
    assert "Request the series instead, to get its newest patch (3.12.2)" in text


@pytest.mark.parametrize("version", ["3.99", "4.0", "3.15.0"])
def test_unknown_series(tmp_path: Path, version: str) -> None:
    (tmp_path / ".python-version").write_text(version)
    with pytest.raises(UnknownSeries):
        resolve(tmp_path)
    text = refuse(tmp_path)
    assert "ERROR: The requested Python version isn't recognised" in text
    assert f"Requested by .python-version: {version!r}." in text
    assert "The test-22 stack offers Python 3.8, 3.9, 3.10, 3.11, 3.12, 3.13, 3.14." in text
    assert "Write 3.8 on its own line in a file named .python-version" in text


@pytest.mark.parametrize("version", ["2.7", "3.7.17", "1.0"])
def test_series_older_than_the_catalog_are_end_of_life(tmp_path: Path, version: str) -> None:
    text = refuse(tmp_path, {"BP_PYTHON_VERSION": version})
    assert f"ERROR: Python {'.'.join(version.split('.')[:2])} has reached end-of-life" in text
    assert "BP_PYTHON_ALLOW_EOL" not in text
    assert "Set BP_PYTHON_VERSION to 3.14" in text


def test_a_series_the_stack_does_not_offer_lists_the_offered_ones(tmp_path: Path) -> None:
    data = factory.catalog_data(
        stacks=[
            factory.stack("old", series=["3.8", "3.9"]),
            factory.stack("new", series=["3.12", "3.13"], default="3.13"),
        ],
        statuses={"3.8": "end-of-life"},
    )
    catalog = factory.build(data)
    (tmp_path / ".python-version").write_text("3.9\n")
    with pytest.raises(SeriesNotOffered):
        resolve(tmp_path, catalog=catalog, target=Target("linux", "amd64", stack_id="new"))
    text = refuse(tmp_path, catalog=catalog, target=Target("linux", "amd64", stack_id="new"))
    assert "ERROR: Python 3.9 isn't offered on the new stack" in text
    assert "The new stack offers Python 3.12, 3.13." in text
    assert "Python 3.9 is offered on: old." in text
    assert "Write 3.13 on its own line" in text
    assert "Or build on a stack that offers Python 3.9." in text

    (tmp_path / ".python-version").write_text("3.8\n")
    text = refuse(tmp_path, catalog=catalog, target=Target("linux", "amd64", stack_id="new"))
    assert "Python 3.8 reached its upstream end of life on 2030-10-01." in text
    assert "Or build on a stack" not in text


def test_an_end_of_life_series_is_refused_unless_allowed(tmp_path: Path) -> None:
    catalog = eol_catalog(**{"3_9": "end-of-life"})
    (tmp_path / ".python-version").write_text("3.9\n")
    with pytest.raises(SeriesEndOfLife):
        resolve(tmp_path, catalog=catalog)
    text = refuse(tmp_path, catalog=catalog)
    assert "ERROR: Python 3.9 has reached end-of-life" in text
    assert "Python 3.9 reached its upstream end of life on 2031-10-01" in text
    assert (
        "Upgrade to a supported series this stack offers: 3.8, 3.10, 3.11, 3.12, 3.13, 3.14."
        in text
    )
    assert "set BP_PYTHON_ALLOW_EOL=1" in text
    for flag in ("0", "no", "", "false"):
        with pytest.raises(SeriesEndOfLife):
            resolve(tmp_path, {"BP_PYTHON_ALLOW_EOL": flag}, catalog)
    for flag in ("1", "true\n", "YES"):
        resolution = resolve(tmp_path, {"BP_PYTHON_ALLOW_EOL": flag}, catalog)
        assert resolution.version == "3.9.2"
        assert titles(resolution) == [
            "Python 3.9 has reached end-of-life: building anyway because BP_PYTHON_ALLOW_EOL is set"
        ]


@pytest.mark.parametrize("flag", ["maybe", "2", "enabled", "y e s", "ture"])
def test_a_yes_no_setting_that_is_neither_is_refused_even_for_a_supported_series(
    tmp_path: Path, flag: str
) -> None:
    (tmp_path / ".python-version").write_text("3.12\n")
    with pytest.raises(InvalidBooleanSetting) as caught:
        resolve(tmp_path, {"BP_PYTHON_ALLOW_EOL": flag})
    message = caught.value.message()
    assert message.title == "BP_PYTHON_ALLOW_EOL is neither yes nor no"
    assert message.fix == (
        "Set it to one of 1, true, yes, on to turn it on, or one of 0, false, no, off (or unset "
        "it) to leave it off.",
    )


@given(st.text(max_size=8))
def test_a_yes_no_setting_is_one_of_its_words_or_refused(value: str) -> None:
    try:
        answer = platform_flag({"FLAG": value}, "FLAG")
    except InvalidBooleanSetting:
        assert value.strip().lower() not in (*TRUE_VALUES, *FALSE_VALUES, "")
    else:
        assert answer == (value.strip().lower() in TRUE_VALUES)


def test_the_previous_builds_end_of_life_series_has_its_own_title(tmp_path: Path) -> None:
    text = refuse(tmp_path, catalog=eol_catalog(**{"3_9": "end-of-life"}), previous="3.9")
    assert "ERROR: The previous build's Python 3.9 has reached end-of-life" in text
    assert "Requested by the previous build: '3.9'." in text


# -- warnings -------------------------------------------------------------------------------


def test_deprecated_series_and_stack_warn(tmp_path: Path) -> None:
    data = factory.catalog_data(
        stacks=[factory.stack(status="deprecated"), factory.stack("other")],
        statuses={"3.10": "deprecated"},
    )
    resolution = resolve(tmp_path, {"BP_PYTHON_VERSION": "3.10"}, factory.build(data))
    assert titles(resolution) == ["The test-22 stack is deprecated", "Python 3.10 is deprecated"]
    assert "Move the app to a supported stack: other." in resolution.warnings[0].text()
    assert "(2032-10-01)" in resolution.warnings[1].text()


def test_runtime_txt_warns_with_the_python_version_to_write(tmp_path: Path) -> None:
    (tmp_path / "runtime.txt").write_text("python-3.12.1\n")
    (tmp_path / ".python-version").write_text("3.13\n")
    resolution = resolve(tmp_path)
    assert resolution.version == "3.12.1"
    assert titles(resolution) == [
        "A Python patch update is available: 3.12.1 -> 3.12.2",
        "runtime.txt is deprecated: write .python-version instead",
    ]
    text = resolution.warnings[1].text()
    assert "runtime.txt contains 'python-3.12.1'." in text
    assert "    3.12.1" in text
    assert "git rm runtime.txt && printf '3.12.1\\n' > .python-version" in text
    assert "Your .python-version is ignored while runtime.txt exists." in text
    assert (
        resolution.summary() == "Python 3.12.1 (from runtime.txt: python-3.12.1) for test-22 amd64"
    )


def test_the_default_warns_with_a_one_line_recommendation(tmp_path: Path) -> None:
    resolution = resolve(tmp_path)
    assert resolution.version == "3.8.2"
    [warning] = resolution.warnings
    assert warning.title == "No Python version was requested: using Python 3.8, the test-22 default"
    assert warning.lines == (
        "Add a .python-version file containing 3.8 to choose the version yourself.",
    )
    assert resolution.summary() == "Python 3.8.2 (stack default: 3.8) for test-22 amd64"


def test_the_previous_builds_series_is_kept_with_a_warning(tmp_path: Path) -> None:
    resolution = resolve(tmp_path, previous="3.12")
    assert resolution.version == "3.12.2"
    [warning] = resolution.warnings
    assert (
        warning.title
        == "No Python version was requested: using Python 3.12, the series of the previous build"
    )
    assert "unless the build cache is cleared or you request a different version" in warning.text()
    assert (
        resolution.summary()
        == "Python 3.12.2 (series of the previous build: 3.12) for test-22 amd64"
    )


def test_pipfile_lock_summary(tmp_path: Path) -> None:
    (tmp_path / "Pipfile.lock").write_text(
        json.dumps({"_meta": {"requires": {"python_full_version": "3.11.2"}}})
    )
    assert resolve(tmp_path).summary() == (
        "Python 3.11.2 (from Pipfile.lock (_meta.requires.python_full_version): 3.11.2) "
        "for test-22 amd64"
    )


# -- operator mirror -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "mirror",
    ["https://mirror.internal/py", "https://mirror.internal/py/", " https://mirror.internal/py\n"],
)
def test_the_mirror_keeps_the_file_name_and_digest(tmp_path: Path, mirror: str) -> None:
    resolution = resolve(tmp_path, {"BP_PYTHON_VERSION": "3.12", "BP_PYTHON_MIRROR": mirror})
    assert resolution.artifact.url == "https://mirror.internal/py/cpython-3.12.2-amd64.tar.gz"
    assert (
        resolution.artifact.catalog_url
        == "https://downloads.example/python/cpython-3.12.2-amd64.tar.gz"
    )
    assert resolution.artifact.sha256 == factory.sha("3.12.2-amd64")


def test_the_mirror_keeps_percent_encoding(tmp_path: Path) -> None:
    data = factory.catalog_data(
        extra_artifacts=[
            factory.artifact("3.12.3", url="https://h/r/cpython-3.12.3%2B2026-x.tar.gz")
        ]
    )
    resolution = resolve(
        tmp_path,
        {"BP_PYTHON_VERSION": "3.12.3", "BP_PYTHON_MIRROR": "file:///srv/m"},
        factory.build(data),
    )
    assert resolution.artifact.url == "file:///srv/m/cpython-3.12.3%2B2026-x.tar.gz"


@pytest.mark.parametrize(
    ("mirror", "reason"),
    [
        ("mirror.internal/py", "it is not a URL with scheme https, http, file"),
        ("ftp://m/py", "it is not a URL with scheme https, http, file"),
        ("https://", "it has no host"),
        ("https://m/py?x=1", "it must not have a query (?) or fragment (#)"),
        ("https://m:99999/py", "it has an invalid port (a number from 1 to 65535 is expected)"),
        ("https://m:0/py", "it has an invalid port (a number from 1 to 65535 is expected)"),
        ("https://m:port/py", "it has an invalid port (a number from 1 to 65535 is expected)"),
        ("http://[::1/py", "it is not a URL: Invalid IPv6 URL"),
        ("http://[zz]/py", "it is not a URL: 'zz' does not appear to be an IPv4 or IPv6 address"),
    ],
)
def test_an_unusable_mirror_is_refused(tmp_path: Path, mirror: str, reason: str) -> None:
    with pytest.raises(InvalidMirror) as caught:
        resolve(tmp_path, {"BP_PYTHON_VERSION": "3.12", "BP_PYTHON_MIRROR": mirror})
    assert "ERROR: BP_PYTHON_MIRROR is not a usable base URL" in caught.value.message().render()
    assert caught.value.reason == reason
