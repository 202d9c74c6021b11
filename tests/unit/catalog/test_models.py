"""Catalog schema 1: what is accepted, and how each refusal names its entry and key."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from cnb_python.catalog import loader
from cnb_python.catalog.models import parse_catalog
from cnb_python.errors import CatalogInvalid, CatalogUnreadable
from tests.unit.catalog import factory


def problems_of(data: dict[str, Any]) -> tuple[str, ...]:
    with pytest.raises(CatalogInvalid) as caught:
        parse_catalog(data, "op.toml")
    return caught.value.problems


def test_a_valid_catalog_parses_with_its_defaults() -> None:
    data = factory.catalog_data()
    del data["artifacts"][0]["format"]
    del data["artifacts"][0]["strip-components"]
    del data["artifacts"][0]["stacks"]
    del data["stacks"][0]["status"]
    catalog = parse_catalog(data, "op.toml")
    first = catalog.artifacts[0]
    assert (first.archive_format, first.strip_components, first.stacks) == ("tar.gz", 1, ("*",))
    assert catalog.stacks[0].status == "supported"
    assert catalog.stacks[0].distro_version == "22.04"


@pytest.mark.parametrize(
    ("where", "key", "expected"),
    [
        ((), "extra", "extra: unknown key"),
        (("stacks", 0), "colour", "stacks[0] (test-22) colour: unknown key"),
        (("series", 2), "lts", "series[2] (3.10) lts: unknown key"),
        (("artifacts", 1), "md5", "artifacts[1] (3.8.1 arm64) md5: unknown key"),
    ],
)
def test_unknown_keys_are_refused_by_entry_and_key(
    where: tuple[Any, ...], key: str, expected: str
) -> None:
    data = factory.catalog_data()
    table: Any = data
    for part in where:
        table = table[part]
    table[key] = "x"
    assert any(problem.startswith(expected) for problem in problems_of(data)), problems_of(data)


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        ("sha256", "abc", "sha256: 'abc' is not a sha256"),
        ("sha256", "g" * 64, "is not a sha256"),
        ("url", "ftp://host/a.tar.gz", "url: 'ftp://host/a.tar.gz' is not a URL with scheme"),
        ("url", "https:///a.tar.gz", "has no host"),
        ("url", "https://host/", "does not end in a file name"),
        ("url", "https://host:99999/a.tar.gz", "has an invalid port"),
        ("url", "https://[::1/a.tar.gz", "is not a URL: Invalid IPv6 URL"),
        ("url", "https://host/a b.tar.gz", "contains whitespace"),
        ("version", "3.12", "version: '3.12' is not a version of the form X.Y.Z"),
        ("version", "3.12.1rc1", "is not a version of the form X.Y.Z"),
        ("format", "zip", "format: Input should be"),
        ("strip-components", -1, "strip-components: Input should be greater than or equal to 0"),
    ],
)
def test_malformed_artifact_fields_name_the_entry(key: str, value: Any, fragment: str) -> None:
    data = factory.catalog_data()
    data["artifacts"][2][key] = value
    problems = problems_of(data)
    assert any(p.startswith("artifacts[2] (") and fragment in p for p in problems), problems


def test_uppercase_sha256_is_accepted_and_normalised() -> None:
    data = factory.catalog_data()
    data["artifacts"][0]["sha256"] = data["artifacts"][0]["sha256"].upper()
    assert parse_catalog(data, "op.toml").artifacts[0].sha256.islower()


def test_a_default_outside_the_stack_series_is_refused() -> None:
    data = factory.catalog_data(stacks=[factory.stack(series=["3.12", "3.13"], default="3.14")])
    assert "stacks[0] (test-22) default: '3.14' is not one of its series (3.12, 3.13)" in (
        problems_of(data)
    )


def test_a_series_without_an_artifact_on_a_stack_that_offers_it_is_refused() -> None:
    data = factory.catalog_data()
    data["artifacts"] = [
        a
        for a in data["artifacts"]
        if not (a["version"].startswith("3.11.") and a["arch"] == "arm64")
    ]
    assert problems_of(data) == (
        "stacks[0] (test-22) series: 3.11 is offered but no artifact provides it for arm64",
    )


def test_a_stack_specific_artifact_does_not_count_for_other_stacks() -> None:
    data = factory.catalog_data(stacks=[factory.stack("a"), factory.stack("b")])
    for table in data["artifacts"]:
        if table["version"].startswith("3.9."):
            table["stacks"] = ["a"]
    problems = problems_of(data)
    assert "stacks[1] (b) series: 3.9 is offered but no artifact provides it for amd64" in problems
    assert not any(p.startswith("stacks[0]") for p in problems)


def test_duplicates_are_refused() -> None:
    data = factory.catalog_data(
        stacks=[factory.stack("a"), factory.stack("b", aliases=["a"])],
        extra_artifacts=[factory.artifact("3.12.1", "amd64", stacks=["b"])],
    )
    data["series"].append(copy.deepcopy(data["series"][0]))
    problems = problems_of(data)
    assert "series[7] (3.8) version: duplicates series[0] (3.8)" in problems
    assert "stacks[1] (b) id/aliases: duplicates stacks[0] (a)" in problems
    assert any(
        p.startswith("artifacts[28] (3.12.1 amd64) stacks: duplicates artifacts[16]")
        for p in problems
    ), problems


def test_references_to_unknown_stacks_and_series_are_refused() -> None:
    data = factory.catalog_data(
        stacks=[factory.stack(series=[*factory.SERIES, "3.15"])],
        extra_artifacts=[factory.artifact("3.16.0", stacks=["nope"])],
    )
    problems = problems_of(data)
    assert "stacks[0] (test-22) series: 3.15 has no [[series]] entry" in problems
    assert "artifacts[28] (3.16.0 amd64) version: series 3.16 has no [[series]] entry" in problems
    assert "artifacts[28] (3.16.0 amd64) stacks: 'nope' is not a stack of this catalog" in problems


def test_a_missing_format_must_be_inferable_from_the_url() -> None:
    data = factory.catalog_data()
    data["artifacts"][0]["url"] = "https://host/python.bin"
    del data["artifacts"][0]["format"]
    assert any("artifacts[0] (3.8.1 amd64) format: missing" in p for p in problems_of(data))


@pytest.mark.parametrize(
    ("url", "fmt"), [("a.tar.xz", "tar.xz"), ("a.tar.zst", "tar.zst"), ("a.tgz", "tar.gz")]
)
def test_format_is_inferred_from_the_url(url: str, fmt: str) -> None:
    data = factory.catalog_data()
    data["artifacts"][0]["url"] = f"https://host/{url}"
    del data["artifacts"][0]["format"]
    assert parse_catalog(data, "op.toml").artifacts[0].archive_format == fmt


def test_other_schemas_and_missing_keys_are_refused() -> None:
    data = factory.catalog_data()
    data["schema"] = 2
    del data["stacks"][0]["default"]
    problems = problems_of(data)
    assert "schema: unsupported schema 2; this buildpack reads schema 1" in problems
    assert "stacks[0] (test-22) default: required key is missing" in problems


def test_every_problem_is_reported_at_once_and_rendered() -> None:
    data = factory.catalog_data()
    data["artifacts"][0]["sha256"] = "nope"
    data["artifacts"][1]["url"] = "gopher://x/y"
    with pytest.raises(CatalogInvalid) as caught:
        parse_catalog(data, "op.toml")
    text = caught.value.message().render()
    assert text.startswith("ERROR: The Python version catalog is invalid")
    assert "Catalog: 'op.toml'" in text
    assert "2 problems:" in text
    assert "- artifacts[0] (3.8.1 amd64) sha256: 'nope' is not a sha256" in text
    assert "- artifacts[1] (3.8.1 arm64) url:" in text
    assert "cnb-python catalog check FILE" in text


# -- loading ------------------------------------------------------------------------------


def test_bp_python_catalog_path_replaces_the_builtin(tmp_path: Path) -> None:
    path = tmp_path / "op.toml"
    path.write_text(factory.render(factory.catalog_data()), encoding="utf-8")
    catalog = loader.load_catalog({"BP_PYTHON_CATALOG": f"  {path}\n"})
    assert [s.id for s in catalog.stacks] == ["test-22"]
    assert loader.load_catalog({"BP_PYTHON_CATALOG": path.as_uri()}) == catalog


def test_the_builtin_catalog_is_loaded_once() -> None:
    assert loader.load_catalog({}) is loader.load_catalog({"BP_PYTHON_CATALOG": " "})
    assert loader.builtin_catalog() is loader.load_catalog({})


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (None, "No such file or directory"),
        (b"schema = = 1", "not valid TOML"),
        (b"schema = 1\xff", "not UTF-8 text"),
    ],
)
def test_unreadable_catalogs_say_why(tmp_path: Path, content: bytes | None, reason: str) -> None:
    path = tmp_path / "op.toml"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(CatalogUnreadable) as caught:
        loader.load_catalog({"BP_PYTHON_CATALOG": str(path)})
    assert reason in caught.value.reason
    assert str(path) in caught.value.message().render()


def test_unsupported_url_schemes_are_refused() -> None:
    with pytest.raises(CatalogUnreadable) as caught:
        loader.load_from("ftp://host/catalog.toml")
    assert "unsupported URL scheme 'ftp'" in caught.value.reason
