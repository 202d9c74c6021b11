"""A catalog URL on a server that misbehaves: the build stops in seconds with a message."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from cnb_python.catalog.loader import load_catalog
from cnb_python.errors import CatalogUnreadable
from tests.support.httpserver import Endless, FaultyServer, Redirect, Trickle


def _refusal(env: dict[str, str]) -> str:
    started = time.monotonic()
    with pytest.raises(CatalogUnreadable) as caught:
        load_catalog(env, {})
    assert time.monotonic() - started < 10
    return caught.value.reason


def test_an_endless_body_stops_at_the_size_limit(http_server: FaultyServer) -> None:
    http_server.always("/catalog.toml", Endless())
    env = {"BP_PYTHON_CATALOG": http_server.url("catalog.toml"), "BP_PYTHON_MAX_CATALOG_MIB": "1"}
    assert _refusal(env) == ("download failed: it is larger than 1 MiB (BP_PYTHON_MAX_CATALOG_MIB)")


def test_a_trickling_server_stops_at_the_deadline(
    http_server: FaultyServer, served_dir: Path
) -> None:
    (served_dir / "catalog.toml").write_text("schema = 1\n" + "# padding\n" * 10_000)
    http_server.always("/catalog.toml", Trickle(interval=0.1, chunk=4096))
    env = {"BP_PYTHON_CATALOG": http_server.url("catalog.toml"), "BP_PYTHON_CATALOG_TIMEOUT": "1"}
    assert _refusal(env) == (
        "download failed: gave up after 1 s, the limit for fetching the catalog "
        "(BP_PYTHON_CATALOG_TIMEOUT)"
    )


def test_a_redirect_loop_is_refused(http_server: FaultyServer) -> None:
    http_server.always("/catalog.toml", Redirect("/catalog.toml"))
    reason = _refusal({"BP_PYTHON_CATALOG": http_server.url("catalog.toml")})
    assert reason.startswith("download failed: more than 10 redirects (a redirect loop?)")


@pytest.mark.parametrize(
    ("location", "reason"),
    [
        ("http://127.0.0.1:99999/catalog.toml", "it has an invalid port"),
        ("http://[::1/catalog.toml", "it is not a URL: Invalid IPv6 URL"),
        ("ftp://host/catalog.toml", "unsupported URL scheme 'ftp' (use https, http or a path)"),
    ],
)
def test_a_malformed_catalog_url_is_refused(location: str, reason: str) -> None:
    assert _refusal({"BP_PYTHON_CATALOG": location}).startswith(reason)
