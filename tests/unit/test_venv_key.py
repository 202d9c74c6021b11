"""The venv layer's cache key: every field alone gives a reason; secrets stay out of it."""

from __future__ import annotations

import hashlib
import hmac
import json
import stat
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnb_python.layers import tool_venv
from cnb_python.layers.pip_cache import settings_key
from cnb_python.layers.venv import VenvMetadata, input_reasons, invalidation_reasons
from cnb_python.managers.base import index_settings, settings_digest
from cnb_python.managers.locked import PipenvManager, PoetryManager, UvManager
from cnb_python.managers.pip import PipManager

BASE = VenvMetadata(
    layer_version="1",
    manager="pip",
    installer="pip",
    installer_version="26.3",
    python_version="3.12.7",
    artifact_sha256="a" * 64,
    arch="amd64",
    distro_name="ubuntu",
    distro_version="24.04",
    stack_id="heroku-24",
    files=json.dumps({"requirements.txt": "1" * 64}),
    index_settings="",
)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"layer_version": "2"}, "the buildpack now lays out the virtual environment differently"),
        ({"manager": "uv"}, "the package manager changed from pip to uv"),
        (
            {"installer": "uv", "installer_version": "0.13.9"},
            "the installer changed from pip 26.3 to uv 0.13.9",
        ),
        ({"installer_version": "26.4"}, "the installer changed from pip 26.3 to pip 26.4"),
        ({"python_version": "3.13.1"}, "the Python version changed from 3.12.7 to 3.13.1"),
        ({"artifact_sha256": "b" * 64}, "the Python runtime archive changed"),
        ({"arch": "arm64"}, "the architecture changed from amd64 to arm64"),
        ({"distro_version": "22.04"}, "the distro changed from ubuntu 24.04 to ubuntu 22.04"),
        ({"stack_id": "heroku-22"}, "the stack changed from heroku-24 to heroku-22"),
        ({"files": json.dumps({"requirements.txt": "2" * 64})}, "requirements.txt changed"),
        (
            {"files": json.dumps({"requirements.txt": "1" * 64, "base.txt": "3" * 64})},
            "base.txt is new",
        ),
        ({"files": "{}"}, "requirements.txt is no longer used"),
        ({"index_settings": "hmac-sha256:" + "f" * 64}, "the package index settings changed"),
        ({"options": "groups=dev"}, "the options changed from none to groups=dev"),
    ],
)
def test_each_field_alone_is_a_reason(change: dict[str, str], reason: str) -> None:
    assert invalidation_reasons(BASE, BASE) == []
    new = BASE.model_copy(update=change)
    assert invalidation_reasons(BASE, new) == [reason]


def test_every_reason_is_listed() -> None:
    new = BASE.model_copy(update={"python_version": "3.13.1", "files": "{}", "arch": "arm64"})
    assert len(invalidation_reasons(BASE, new)) == 3


KEY = b"k" * 32


def _digest(env: dict[str, str], key: bytes = KEY) -> str:
    return settings_digest(index_settings(env), key)


def test_index_settings_are_a_keyed_digest_of_set_values_only() -> None:
    secret = "https://user:s3cret@index.invalid/simple"
    digest = _digest({"PIP_INDEX_URL": secret, "UNRELATED": "x"})
    assert secret not in digest
    assert digest.startswith("hmac-sha256:")
    assert len(digest.removeprefix("hmac-sha256:")) == 64
    assert _digest({"PIP_INDEX_URL": secret + " "}) == digest
    assert _digest({"PIP_INDEX_URL": "  "}) == ""
    assert _digest({"UV_INDEX": "x"}) != _digest({"PIP_INDEX_URL": "x"})
    assert _digest({"PIP_INDEX_URL": secret}, b"o" * 32) != digest


@given(st.sampled_from(["hunter2", "password", "s3cret", "letmein", "correct horse"]))
def test_a_dictionary_cannot_find_the_password_without_the_cache_key(password: str) -> None:
    # What a reader of the image's labels could try: the digest of each candidate, unkeyed
    # or keyed with anything but the cache's secret, never matches.
    url = f"https://user:{password}@index.invalid/simple"
    digest = _digest({"PIP_INDEX_URL": url}).removeprefix("hmac-sha256:")
    for guess in (f"PIP_INDEX_URL={url}", url, password):
        assert hashlib.sha256(guess.encode()).hexdigest() != digest
        assert hmac.new(b"", guess.encode(), hashlib.sha256).hexdigest() != digest


def test_the_settings_key_is_made_once_and_kept_private_in_the_cache(tmp_path: Path) -> None:
    key = settings_key(tmp_path)
    assert len(key) == 32
    assert settings_key(tmp_path) == key
    stored = tmp_path / ".cnb-python-settings-key"
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    stored.write_text("damaged")
    assert settings_key(tmp_path) != key
    assert sorted(p.name for p in tmp_path.iterdir()) == [".cnb-python-settings-key"]


def test_a_plain_digest_from_an_older_release_is_named_as_such() -> None:
    old = BASE.model_copy(update={"index_settings": "f" * 64})
    new = BASE.model_copy(update={"index_settings": "hmac-sha256:" + "e" * 64})
    assert input_reasons(old, new) == [
        "the buildpack now records the package index settings differently"
    ]


def test_key_inputs_of_a_project_cover_its_packaging_files(tmp_path: Path) -> None:
    (tmp_path / "setup.py").write_text("")
    (tmp_path / "setup.cfg").write_text("")
    inputs = PipManager(tmp_path, None).key_inputs({"PIP_FIND_LINKS": "/wheels"})
    assert set(inputs.files) == {"setup.py", "setup.cfg"}
    assert inputs.settings


SYNCED = BASE.model_copy(
    update={
        "manager": "uv",
        "installer": "uv",
        "installer_version": "0.13.9",
        "files": json.dumps({"pyproject.toml": "1" * 64, "uv.lock": "2" * 64}),
    }
)


@pytest.mark.parametrize(
    "change",
    [
        {"files": json.dumps({"pyproject.toml": "1" * 64, "uv.lock": "3" * 64})},
        {"index_settings": "f" * 64},
        {"options": "groups=dev"},
    ],
)
def test_a_syncing_manager_syncs_input_changes_in_place(change: dict[str, str]) -> None:
    new = SYNCED.model_copy(update=change)
    assert invalidation_reasons(SYNCED, new, syncs_in_place=True) == []
    assert len(input_reasons(SYNCED, new)) == 1
    assert invalidation_reasons(SYNCED, new) != []


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"installer_version": "0.14.0"}, "the installer changed from uv 0.13.9 to uv 0.14.0"),
        ({"python_version": "3.13.1"}, "the Python version changed from 3.12.7 to 3.13.1"),
        ({"stack_id": "heroku-22"}, "the stack changed from heroku-24 to heroku-22"),
        ({"arch": "arm64"}, "the architecture changed from amd64 to arm64"),
        (
            {"manager": "poetry", "installer": "poetry", "installer_version": "2.5.1"},
            "the package manager changed from uv to poetry",
        ),
    ],
)
def test_a_syncing_manager_rebuilds_for_runtime_target_and_tool(
    change: dict[str, str], reason: str
) -> None:
    new = SYNCED.model_copy(update=change)
    assert reason in invalidation_reasons(SYNCED, new, syncs_in_place=True)


def test_old_metadata_without_options_still_reads() -> None:
    data = BASE.model_dump()
    del data["options"]
    assert VenvMetadata.model_validate(data).options == ""


def test_locked_managers_key_their_lock_and_project_files(tmp_path: Path) -> None:
    for name in ("pyproject.toml", "uv.lock", "poetry.lock", "Pipfile", "Pipfile.lock"):
        (tmp_path / name).write_text(name)
    assert set(UvManager(tmp_path, "3.12.7").key_inputs({}).files) == {"pyproject.toml", "uv.lock"}
    assert set(PoetryManager(tmp_path, "3.12.7").key_inputs({}).files) == {
        "pyproject.toml",
        "poetry.lock",
    }
    pipenv = PipenvManager(tmp_path, "3.12.7", ("dev",))
    assert set(pipenv.key_inputs({}).files) == {"Pipfile", "Pipfile.lock"}
    assert pipenv.key_inputs({}).options == "groups=dev"
    assert not pipenv.syncs_in_place
    assert UvManager(tmp_path, "3.12.7").syncs_in_place
    assert PoetryManager(tmp_path, "3.12.7").key_inputs({"POETRY_REPOSITORIES": "x"}).settings


def test_tool_layer_key_names_every_change() -> None:
    base = tool_venv.ToolLayerMetadata(
        layer_version="1",
        tool_version="2.5.1",
        python_version="3.12.7",
        artifact_sha256="a" * 64,
        arch="amd64",
        distro_name="ubuntu",
        distro_version="24.04",
    )
    new = base.model_copy(update={"tool_version": "2.6.0", "python_version": "3.13.1"})
    assert tool_venv.invalidation_reasons("poetry", base, new) == [
        "the poetry version changed from 2.5.1 to 2.6.0",
        "the Python version changed from 3.12.7 to 3.13.1",
    ]


def test_pip_updates_in_place_unless_its_options_change_or_a_line_blocks_it() -> None:
    new = BASE.model_copy(update={"files": json.dumps({"requirements.txt": "9" * 64})})
    assert invalidation_reasons(BASE, new, syncs_in_place=True) == []
    options = new.model_copy(update={"sync_options": "1" * 64})
    assert invalidation_reasons(BASE, options, syncs_in_place=True) == [
        "the options in the requirements files or the package index settings changed"
    ]
    blocked = invalidation_reasons(BASE, new, blocker="requirements.txt:3 names a local directory")
    assert blocked[-1] == (
        "it cannot be updated in place: requirements.txt:3 names a local directory"
    )
    assert invalidation_reasons(BASE, BASE, blocker="anything") == []
