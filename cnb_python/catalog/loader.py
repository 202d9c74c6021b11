"""Where the catalog comes from: the built-in one, or an operator's via `BP_PYTHON_CATALOG`.

The built-in catalog is package data, parsed and validated once per process. An operator
catalog replaces it entirely (no merging: what the operator lists is what builds may use) and
goes through exactly the same validation. URLs are fetched with short timeouts, a total
deadline and a byte cap, so a dead, slow or endless catalog server fails the build in seconds
with a message naming it.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from cnb_python import transfer
from cnb_python.catalog.models import Catalog, parse_catalog
from cnb_python.cnb import tomlio
from cnb_python.errors import CatalogUnreadable, InputNotRegular, InputTooLarge
from cnb_python.inputs import read_whole
from cnb_python.limits import CATALOG_TIMEOUT, DOWNLOAD_MIN_KIB_PER_SECOND, MAX_CATALOG_MIB, MIB
from cnb_python.urls import url_problem

CATALOG_SETTING = "BP_PYTHON_CATALOG"
BUILTIN_NAME = "catalog.toml"
BUILTIN_SOURCE = "built-in catalog (cnb_python/catalog/catalog.toml)"
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 20.0


@functools.cache
def builtin_catalog() -> Catalog:
    text = resources.files("cnb_python.catalog").joinpath(BUILTIN_NAME).read_text("utf-8")
    return parse_text(text, BUILTIN_SOURCE)


def load_catalog(
    platform_env: Mapping[str, str], network_env: Mapping[str, str] | None = None
) -> Catalog:
    """The catalog this build uses: `BP_PYTHON_CATALOG` when set, else the built-in one.
    `network_env` holds the proxy and CA settings for a catalog URL (default: this process's
    environment, which the lifecycle gives the build)."""
    location = platform_env.get(CATALOG_SETTING, "").strip()
    if not location:
        return builtin_catalog()
    return load_from(
        location,
        max_bytes=MAX_CATALOG_MIB.read(platform_env) * MIB,
        timeout=CATALOG_TIMEOUT.read(platform_env),
        network_env=network_env,
    )


def load_from(
    location: str,
    *,
    max_bytes: int = MAX_CATALOG_MIB.default * MIB,
    timeout: float = CATALOG_TIMEOUT.default,
    network_env: Mapping[str, str] | None = None,
) -> Catalog:
    """Load and validate a catalog from a path, a file:// URL or an http(s) URL."""
    text = read_location(location, max_bytes=max_bytes, timeout=timeout, network_env=network_env)
    return parse_text(text, location)


def read_location(
    location: str,
    *,
    max_bytes: int = MAX_CATALOG_MIB.default * MIB,
    timeout: float = CATALOG_TIMEOUT.default,
    network_env: Mapping[str, str] | None = None,
) -> str:
    if "://" in location:
        problem = url_problem(location)
        if problem.startswith("is not a URL with scheme"):
            scheme = location.split("://", 1)[0].lower()
            raise CatalogUnreadable(
                location, f"unsupported URL scheme {scheme!r} (use https, http or a path)"
            )
        if problem:
            raise CatalogUnreadable(location, f"it {problem}")
    scheme = urlsplit(location).scheme.lower() if "://" in location else ""
    if scheme in ("http", "https"):
        env = os.environ if network_env is None else network_env
        return _fetch(location, max_bytes, timeout, env)
    if scheme == "file":
        return _read_file(Path(unquote(urlsplit(location).path)), location, max_bytes)
    return _read_file(Path(location), location, max_bytes)


def parse_text(text: str, source: str) -> Catalog:
    try:
        data: dict[str, Any] = tomlio.loads(text)
    except tomlio.TOMLDecodeError as error:
        raise CatalogUnreadable(source, f"not valid TOML: {error}") from None
    return parse_catalog(data, source)


def _read_file(path: Path, source: str, max_bytes: int) -> str:
    try:
        raw = read_whole(path, source, max_bytes=max_bytes, limit=MAX_CATALOG_MIB)
    except OSError as error:
        raise CatalogUnreadable(source, error.strerror or str(error)) from None
    except (InputNotRegular, InputTooLarge) as error:
        raise CatalogUnreadable(source, error.reason()) from None
    return _decode(raw, source)


def _fetch(url: str, max_bytes: int, timeout: float, env: Mapping[str, str]) -> str:
    """One GET, bounded like every network operation of the build (`transfer`): a total
    deadline, a minimum throughput, and a byte cap, so a server that trickles or never stops
    sending fails the build in seconds with a message naming it."""
    deadline = transfer.Deadline(
        timeout, f"{timeout:g} s, the limit for fetching the catalog ({CATALOG_TIMEOUT.setting})"
    )
    too_large = f"it is larger than {MAX_CATALOG_MIB.describe(max_bytes // MIB)}"
    try:
        with transfer.session() as client:
            response, _ = transfer.get(
                client,
                url,
                env=env,
                deadline=deadline,
                connect_timeout=CONNECT_TIMEOUT,
                read_timeout=READ_TIMEOUT,
            )
            with response:
                if response.status_code != 200:
                    raise CatalogUnreadable(url, f"the server answered HTTP {response.status_code}")
                raw = b"".join(
                    transfer.body(
                        response,
                        deadline=deadline,
                        min_rate=DOWNLOAD_MIN_KIB_PER_SECOND.default * 1024,
                        window=READ_TIMEOUT,
                        max_bytes=max_bytes,
                        too_large=too_large,
                    )
                )
    except transfer.TransferFailed as failure:
        raise CatalogUnreadable(url, f"download failed: {failure.reason}") from None
    return _decode(raw, url)


def _decode(raw: bytes, source: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise CatalogUnreadable(
            source, f"not UTF-8 text ({error.reason} at byte {error.start})"
        ) from None
