"""`cnb_python.trust` without the network: which bundle every tool gets, and which index."""

from __future__ import annotations

from pathlib import Path

import pytest

from cnb_python import trust
from cnb_python.errors import CaSettingInvalid


@pytest.fixture
def pem(tmp_path: Path) -> Path:
    path = tmp_path / "corp.pem"
    path.write_text("-----BEGIN CERTIFICATE-----\n")
    return path


def test_the_first_ca_setting_set_is_the_bundle(pem: Path) -> None:
    found = trust.read_trust({"PIP_CERT": str(pem), "CURL_CA_BUNDLE": str(pem)}, ())
    assert found == trust.Trust(bundle=str(pem), setting="PIP_CERT")
    assert found.describe() == f"the CA bundle in PIP_CERT ({pem})"


def test_every_tool_gets_the_bundle_the_user_set_without_overriding_any_setting(
    pem: Path, tmp_path: Path
) -> None:
    found = trust.read_trust({"SSL_CERT_FILE": str(pem)}, ())
    assert trust.tool_settings(found, {"SSL_CERT_FILE": str(pem)}) == {
        "REQUESTS_CA_BUNDLE": str(pem),
        "PIP_CERT": str(pem),
    }
    own = tmp_path / "pip-only.pem"
    own.write_text("-----BEGIN CERTIFICATE-----\n")
    env = {"SSL_CERT_FILE": str(pem), "PIP_CERT": str(own)}
    assert trust.tool_settings(trust.read_trust(env, ()), env) == {"REQUESTS_CA_BUNDLE": str(pem)}


def test_without_a_setting_every_tool_trusts_the_build_images_store(tmp_path: Path) -> None:
    """pip already trusts the system store (and /etc/pip.conf, which PIP_CERT would override,
    so it is left alone); uv, Poetry and Pipenv are pointed at the same store."""
    store = tmp_path / "ca-certificates.crt"
    store.write_text("roots\n")
    found = trust.read_trust({}, (str(tmp_path / "absent.pem"), str(store)))
    assert found == trust.Trust(bundle=str(store))
    assert trust.tool_settings(found, {}) == {
        "SSL_CERT_FILE": str(store),
        "REQUESTS_CA_BUNDLE": str(store),
    }
    assert trust.tool_settings(trust.read_trust({}, ()), {}) == {}
    assert trust.read_trust({}, ()).describe().startswith("each tool's built-in CA list")


def test_the_system_store_is_described_as_such_even_when_named_by_a_setting() -> None:
    system = trust.SYSTEM_BUNDLES[0]
    assert trust.Trust(system, "SSL_CERT_FILE").describe() == (
        f"the build image's CA store ({system})"
    )


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("SSL_CERT_FILE", "/nonexistent/ca.pem", "no such file or directory"),
        ("REQUESTS_CA_BUNDLE", "{tmp}", "it is not a file"),
        ("SSL_CERT_DIR", "{pem}", "it is not a directory"),
    ],
)
def test_a_ca_setting_naming_nothing_usable_is_refused(
    name: str, value: str, reason: str, pem: Path, tmp_path: Path
) -> None:
    value = value.format(tmp=tmp_path, pem=pem)
    with pytest.raises(CaSettingInvalid) as raised:
        trust.read_trust({name: value}, ())
    assert (raised.value.setting, raised.value.value, raised.value.reason) == (name, value, reason)
    assert raised.value.message().title == f"{name} does not name a readable CA bundle"


def test_blank_settings_count_as_unset(tmp_path: Path) -> None:
    assert trust.read_trust({"SSL_CERT_FILE": "  ", "PIP_CERT": ""}, ()) == trust.Trust("")


def _app(tmp_path: Path, name: str, text: str) -> Path:
    (tmp_path / name).write_text(text)
    return tmp_path


@pytest.mark.parametrize(
    ("manager", "name", "text", "expected"),
    [
        ("pip", "requirements.txt", "six\n", trust.DEFAULT_INDEX),
        ("pip", "requirements.txt", "-i https://corp/simple\nsix\n", "https://corp/simple"),
        ("pip", "requirements.txt", "--index-url=https://corp/simple\n", "https://corp/simple"),
        ("pip", "requirements.txt", "--no-index\n--find-links wheels\nsix\n", None),
        (
            "poetry",
            "pyproject.toml",
            '[[tool.poetry.source]]\nname = "s"\nurl = "https://corp/p/"\npriority = "primary"\n',
            "https://corp/p/",
        ),
        (
            "poetry",
            "pyproject.toml",
            '[[tool.poetry.source]]\nname = "s"\nurl = "https://x/"\npriority = "supplemental"\n',
            trust.DEFAULT_INDEX,
        ),
        (
            "uv",
            "pyproject.toml",
            '[[tool.uv.index]]\nurl = "https://corp/u/"\ndefault = true\n',
            "https://corp/u/",
        ),
        ("pipenv", "Pipfile", '[[source]]\nurl = "https://corp/pe/"\n', "https://corp/pe/"),
        ("poetry", "pyproject.toml", "not toml [", trust.DEFAULT_INDEX),
    ],
)
def test_the_index_each_manager_uses(
    tmp_path: Path, manager: str, name: str, text: str, expected: str | None
) -> None:
    assert trust.index_url(manager, _app(tmp_path, name, text), {}) == expected


def test_index_settings_win_over_files_and_no_index_means_none(tmp_path: Path) -> None:
    app = _app(tmp_path, "requirements.txt", "-i https://file/simple\n")
    assert trust.index_url("pip", app, {"PIP_INDEX_URL": "https://env/simple"}) == (
        "https://env/simple"
    )
    assert trust.index_url("pip", app, {"PIP_NO_INDEX": "1"}) is None
    assert trust.index_url("uv", app, {"UV_NO_INDEX": "false"}) == trust.DEFAULT_INDEX
    # The buildpack's own tools (no app dir): only the settings steer them.
    assert trust.index_url("pip", None, {}) == trust.DEFAULT_INDEX


def test_a_plain_http_index_is_not_checked_for_a_certificate() -> None:
    trust.check_certificate("http://127.0.0.1:9/simple/", {})
    trust.check_certificate(None, {})
