"""project.toml as pack reads it: build env and include/exclude, in schemas 0.1, 0.2 and 0.3."""

from __future__ import annotations

from pathlib import Path

import pytest

from cnb_python.dev import project
from cnb_python.errors import DevProjectTomlInvalid


def _read(tmp_path: Path, text: str) -> project.Project:
    (tmp_path / "project.toml").write_text(text)
    found = project.read(tmp_path)
    assert found is not None
    return found


def test_no_project_toml_is_no_project(tmp_path: Path) -> None:
    assert project.read(tmp_path) is None


@pytest.mark.parametrize(
    "text",
    [
        '[_]\nschema-version = "0.3"\n[[io.buildpacks.build.env]]\nname = "A"\nvalue = "1"\n',
        '[_]\nschema-version = "0.2"\n[[io.buildpacks.build.env]]\nname = "A"\nvalue = "1"\n',
        '[_]\nschema-version = "0.2"\n[[io.buildpacks.env.build]]\nname = "A"\nvalue = "1"\n',
        '[[build.env]]\nname = "A"\nvalue = "1"\n',
    ],
    ids=["0.3", "0.2", "0.2-legacy-key", "0.1-undeclared"],
)
def test_build_env_in_each_schema(tmp_path: Path, text: str) -> None:
    found = _read(tmp_path, text)
    assert found.env == {"A": "1"}
    assert found.schema_declared is ("schema-version" in text)


def test_exclude_and_include_are_gitignore_patterns(tmp_path: Path) -> None:
    excluding = _read(
        tmp_path,
        '[_]\nschema-version = "0.3"\n[io.buildpacks]\nexclude = ["*.log", "/tmp/", "docs/"]\n',
    ).file_filter()
    assert excluding is not None
    assert [p for p in ("a.log", "x/b.log", "tmp/f", "src/tmp/f", "docs/x.md", "app.py")
            if excluding(p)] == ["src/tmp/f", "app.py"]  # fmt: skip
    including = _read(
        tmp_path,
        '[_]\nschema-version = "0.3"\n[io.buildpacks]\ninclude = ["*.py", "requirements.txt"]\n',
    ).file_filter()
    assert including is not None
    assert [p for p in ("app.py", "pkg/m.py", "requirements.txt", "notes.md") if including(p)] == [
        "app.py", "pkg/m.py", "requirements.txt",
    ]  # fmt: skip
    assert _read(tmp_path, '[_]\nschema-version = "0.3"\n').file_filter() is None


def test_groups_and_builder_are_noted_as_not_used(tmp_path: Path) -> None:
    found = _read(
        tmp_path,
        '[_]\nschema-version = "0.3"\n[io.buildpacks]\nbuilder = "b"\n'
        '[[io.buildpacks.group]]\nid = "x"\n',
    )
    assert found.ignored == ("io.buildpacks.group", "io.buildpacks.builder")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[_\n", "it is not valid TOML"),
        ('[_]\nschema-version = "9.9"\n',
         "unknown schema-version '9.9' (pack reads 0.1, 0.2, 0.3)"),
        ('[_]\nschema-version = "0.3"\n[io.buildpacks]\ninclude = ["a"]\nexclude = ["b"]\n',
         "io.buildpacks has both include and exclude (pack refuses)"),
        ('[_]\nschema-version = "0.3"\n[[io.buildpacks.build.env]]\nvalue = "1"\n',
         "io.buildpacks.build.env[0] needs a `name` and a string `value`"),
        ('[_]\nschema-version = "0.3"\n[io.buildpacks]\nexclude = "a"\n',
         "io.buildpacks.exclude must be an array of strings"),
    ],
)  # fmt: skip
def test_what_pack_would_refuse_is_one_clear_error(tmp_path: Path, text: str, reason: str) -> None:
    (tmp_path / "project.toml").write_text(text)
    with pytest.raises(DevProjectTomlInvalid) as caught:
        project.read(tmp_path)
    rendered = caught.value.message().render()
    assert rendered.startswith(f"ERROR: The app's project.toml cannot be used: {reason}")
    assert f"In {tmp_path / 'project.toml'}." in rendered
