"""Where the catalog comes from: the built-in one, or an operator's via `BP_PYTHON_CATALOG`.

The built-in catalog is package data, parsed and validated once per process. An operator
catalog replaces it entirely (no merging: what the operator lists is what builds may use) and
goes through exactly the same validation. URLs are fetched with short timeouts so a dead
catalog server fails the build in seconds with a message naming it, not after minutes.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import requests

from cnb_python.catalog.models import Catalog, parse_catalog
from cnb_python.cnb import tomlio
from cnb_python.errors import CatalogUnreadable, InputNotRegular, InputTooLarge
from cnb_python.inputs import read_whole
from cnb_python.limits import MAX_CATALOG_MIB, MIB

CATALOG_SETTING = "BP_PYTHON_CATALOG"
BUILTIN_NAME = "catalog.toml"
BUILTIN_SOURCE = "built-in catalog (cnb_python/catalog/catalog.toml)"
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 30.0


@functools.cache
def builtin_catalog() -> Catalog:
    text = resources.files("cnb_python.catalog").joinpath(BUILTIN_NAME).read_text("utf-8")
    return parse_text(text, BUILTIN_SOURCE)


def load_catalog(platform_env: Mapping[str, str]) -> Catalog:
    """The catalog this build uses: `BP_PYTHON_CATALOG` when set, else the built-in one."""
    location = platform_env.get(CATALOG_SETTING, "").strip()
    if not location:
        return builtin_catalog()
    return load_from(location, max_bytes=MAX_CATALOG_MIB.read(platform_env) * MIB)


def load_from(location: str, *, max_bytes: int = MAX_CATALOG_MIB.default * MIB) -> Catalog:
    """Load and validate a catalog from a path, a file:// URL or an http(s) URL."""
    return parse_text(read_location(location, max_bytes=max_bytes), location)


def read_location(location: str, *, max_bytes: int = MAX_CATALOG_MIB.default * MIB) -> str:
    scheme = urlsplit(location).scheme.lower() if "://" in location else ""
    if scheme in ("http", "https"):
        return _fetch(location, max_bytes)
    if scheme == "file":
        return _read_file(Path(unquote(urlsplit(location).path)), location, max_bytes)
    if scheme:
        raise CatalogUnreadable(
            location, f"unsupported URL scheme {scheme!r} (use https, http or a path)"
        )
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


def _fetch(url: str, max_bytes: int) -> str:
    try:
        response = requests.get(url, timeout=(CONNECT_TIMEOUT, READ_TIMEOUT))
    except requests.RequestException as error:
        raise CatalogUnreadable(url, f"download failed: {type(error).__name__}: {error}") from None
    if response.status_code != 200:
        raise CatalogUnreadable(url, f"the server answered HTTP {response.status_code}")
    if len(response.content) > max_bytes:
        raise CatalogUnreadable(url, f"larger than {max_bytes // MIB} MiB")
    return _decode(response.content, url)


def _decode(raw: bytes, source: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise CatalogUnreadable(
            source, f"not UTF-8 text ({error.reason} at byte {error.start})"
        ) from None
