"""Trust and reachability of the package index: one CA bundle for every tool, checked once.

Behind a TLS-intercepting proxy each tool fails in its own way and its own time: pip trusts
the system store (truststore) or `/etc/pip.conf`, uv its bundled Mozilla roots, Poetry and
Pipenv's requests certifi's. So the same build passed with pip and failed with uv ("invalid
peer certificate: UnknownIssuer") and Poetry (five retries per file, then "All attempts to
connect ... failed"), and no message named the setting that fixes it. Hence:

- **One bundle.** `read_trust` takes the CA file the user set (`SSL_CERT_FILE`, else
  `REQUESTS_CA_BUNDLE`, `PIP_CERT`, `CURL_CA_BUNDLE`), refuses one that does not exist before
  anything runs, and `tool_settings` gives it to every tool under the names each reads
  (`SSL_CERT_FILE` for uv and Python's ssl, `REQUESTS_CA_BUNDLE` for Poetry, Pipenv and our
  own downloads, `PIP_CERT` for pip); a name the user set is never overwritten. With none set,
  the bundle is the build image's own CA store, so an operator who adds a CA to the builder
  image has it honoured by every tool, as pip already did. Proxies need nothing: every tool
  reads `HTTPS_PROXY`/`NO_PROXY` from the build env.
- **Fail fast.** `check_certificate` makes one HEAD request to the index before Poetry runs
  (Poetry retries a certificate failure with back-off for minutes); pip and uv fail within
  seconds on their own.
- **Say why.** When a tool fails, `explain_failure` asks the index once more and turns a
  certificate failure, an unreachable host or a 401/403 into one message that names the
  settings (`errors/network.py`); anything else is left to the tool's own error.

The requests go through `transfer.session`, with the same proxy and CA rules as the runtime
download, and never follow redirects: only the TLS handshake and the first answer matter.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cnb_python.cnb import tomlio
from cnb_python.errors import (
    BuildpackError,
    CaSettingInvalid,
    IndexCertificateUntrusted,
    IndexNeedsCredentials,
    IndexUnreachable,
    ToolInstallFailed,
)
from cnb_python.inputs import read_whole
from cnb_python.managers.requirements import logical_lines
from cnb_python.transfer import proxies_for, session, tls_verify
from cnb_python.urls import redact_url

# The CA file settings, in the order the one bundle is taken from.
CA_FILE_SETTINGS = ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "PIP_CERT", "CURL_CA_BUNDLE")
CA_DIR_SETTING = "SSL_CERT_DIR"
PROXY_SETTINGS = (
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
)
# Every setting that decides how the build reaches a server (the runtime download honours
# them even under clear-env).
NETWORK_SETTINGS = (*PROXY_SETTINGS, *CA_FILE_SETTINGS, CA_DIR_SETTING)
# Where Linux distributions keep the system CA bundle (Debian/Ubuntu, RHEL/UBI/Amazon Linux,
# SUSE, older RHEL, the ca-trust extraction, Alpine/others): the list Go's crypto/x509 probes.
SYSTEM_BUNDLES = (
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/pki/tls/cacert.pem",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/ssl/cert.pem",
)
DEFAULT_INDEX = "https://pypi.org/simple/"
# One short request: a healthy index answers a HEAD in well under a second.
PROBE_TIMEOUT = (5.0, 10.0)  # connect, read (seconds)
_NO_INDEX_SETTINGS = ("PIP_NO_INDEX", "UV_NO_INDEX")
_INDEX_SETTINGS = ("UV_DEFAULT_INDEX", "UV_INDEX_URL", "PIP_INDEX_URL")
_FALSE = {"", "0", "false", "no", "off"}


@dataclass(frozen=True)
class Trust:
    """The CA bundle every tool gets: `bundle` (a file, "" for each tool's default) and the
    setting it came from ("" for the build image's store)."""

    bundle: str
    setting: str = ""

    def describe(self) -> str:
        if self.bundle in SYSTEM_BUNDLES:
            return f"the build image's CA store ({self.bundle})"
        if self.bundle:
            return f"the CA bundle in {self.setting} ({self.bundle})"
        return "each tool's built-in CA list (no CA setting was given, no system store found)"


def read_trust(env: Mapping[str, str], system_bundles: tuple[str, ...] = SYSTEM_BUNDLES) -> Trust:
    """The bundle from `env`; a CA setting that names nothing readable is refused here, before
    any download (tools would otherwise ignore it or fail each in its own words)."""
    for name in (*CA_FILE_SETTINGS, CA_DIR_SETTING):
        value = env.get(name, "").strip()
        if value:
            _check_readable(name, value, want_dir=name == CA_DIR_SETTING)
    for name in CA_FILE_SETTINGS:
        value = env.get(name, "").strip()
        if value:
            return Trust(bundle=value, setting=name)
    for candidate in system_bundles:
        if Path(candidate).is_file() and os.access(candidate, os.R_OK):
            return Trust(bundle=candidate)
    return Trust(bundle="")


def _check_readable(name: str, value: str, *, want_dir: bool) -> None:
    path = Path(value)
    if not path.exists():
        raise CaSettingInvalid(name, value, "no such file or directory")
    if want_dir and not path.is_dir():
        raise CaSettingInvalid(name, value, "it is not a directory")
    if not want_dir and not path.is_file():
        raise CaSettingInvalid(name, value, "it is not a file")
    if not os.access(path, os.R_OK):
        raise CaSettingInvalid(name, value, "the build user cannot read it")


def tool_settings(trust: Trust, env: Mapping[str, str]) -> dict[str, str]:
    """What to add to the build env so every tool trusts `trust.bundle`; never overrides a
    name the user set. `PIP_CERT` only for a bundle the user gave: otherwise pip keeps the
    image's own choice (`/etc/pip.conf`, the system store)."""
    if not trust.bundle:
        return {}
    names = ["SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"] + (["PIP_CERT"] if trust.setting else [])
    return {name: trust.bundle for name in names if not env.get(name, "").strip()}


def index_url(manager: str, app_dir: Path | None, env: Mapping[str, str]) -> str | None:
    """The index `manager` fetches from, None when it uses none (`--no-index`). `app_dir`
    None: a tool of the buildpack's own (pip installing uv or Poetry), which only the
    settings steer."""
    if any(env.get(name, "").strip().lower() not in _FALSE for name in _NO_INDEX_SETTINGS):
        return None
    for name in _INDEX_SETTINGS:
        if env.get(name, "").strip():
            return env[name].strip()
    declared = None if app_dir is None else _declared_index(manager, app_dir)
    if declared == "":
        return None
    return declared or DEFAULT_INDEX


def _declared_index(manager: str, app_dir: Path) -> str | None:
    """The index the app's own files name: "" for none at all, None for the default."""
    try:
        if manager == "pip":
            return _requirements_index(app_dir / "requirements.txt")
        if manager == "poetry":
            sources = _toml(app_dir / "pyproject.toml").get("tool", {}).get("poetry", {})
            for source in sources.get("source", []):
                if source.get("priority") == "primary" and source.get("url"):
                    return str(source["url"])
        if manager == "uv":
            indexes = _toml(app_dir / "pyproject.toml").get("tool", {}).get("uv", {})
            for index in indexes.get("index", []):
                if index.get("default") and index.get("url"):
                    return str(index["url"])
        if manager == "pipenv":
            for source in _toml(app_dir / "Pipfile").get("source", []):
                if source.get("url"):
                    return str(source["url"])
    except (BuildpackError, OSError, ValueError, AttributeError, TypeError):
        return None  # the manager reports its own files; the probe falls back to the default
    return None


def _toml(path: Path) -> dict[str, Any]:
    return tomlio.loads(_text(path)) if path.is_file() else {}


def _text(path: Path) -> str:
    return read_whole(path, path.name).decode("utf-8", errors="replace")


def _requirements_index(path: Path) -> str | None:
    if not path.is_file():
        return None
    for _, line in logical_lines(_text(path)):
        words = line.split()
        if not words:
            continue
        if words[0] == "--no-index":
            return ""
        if words[0] in ("-i", "--index-url") and len(words) > 1:
            return words[1]
        if words[0].startswith("--index-url="):
            return words[0].split("=", 1)[1]
    return None


@dataclass(frozen=True)
class Probe:
    """What one HEAD request to the index found: `problem` is "", "certificate",
    "unreachable" or "status"."""

    problem: str = ""
    reason: str = ""
    status: int = 0
    proxy: str = ""


def probe(url: str, env: Mapping[str, str], timeout: tuple[float, float] = PROBE_TIMEOUT) -> Probe:
    """One HEAD request to `url` with the build's proxy and CA settings."""
    proxies = proxies_for(url, env)
    proxy = redact_url(next(iter(proxies.values()))) if proxies else ""
    import requests  # lazily, as in `transfer`

    try:
        with session() as client:
            response = client.head(
                url,
                timeout=timeout,
                allow_redirects=False,
                proxies=proxies,
                verify=tls_verify(env),
            )
    except requests.exceptions.SSLError as error:
        return Probe("certificate", _reason(error), proxy=proxy)
    except (requests.exceptions.RequestException, OSError, ValueError) as error:
        return Probe("unreachable", _reason(error), proxy=proxy)
    if response.status_code in (401, 403):
        return Probe("status", f"HTTP {response.status_code}", response.status_code, proxy)
    return Probe(proxy=proxy)


def _reason(error: Exception) -> str:
    """The innermost cause in one line: requests nests urllib3's and ssl's errors."""
    text = str(error)
    for marker in ("certificate verify failed: ", "SSLError(", "Caused by "):
        if marker in text:
            text = text.split(marker, 1)[1]
            break
    return text.split(" (_ssl.c", 1)[0].rstrip(")'\"").strip() or type(error).__name__


def check_certificate(url: str | None, env: Mapping[str, str]) -> None:
    """Refuse now when the index's certificate is not trusted (the fail-fast check). `env`
    is the build env, which `tool_settings` already completed."""
    if url is None or not url.startswith("https://"):
        return
    found = probe(url, env)
    if found.problem == "certificate":
        raise IndexCertificateUntrusted(redact_url(url), found.reason, read_trust(env).describe())


def explain_failure(tool: str, url: str | None, env: Mapping[str, str]) -> BuildpackError | None:
    """After `tool` failed: the network reason, if the index shows one, else None (the tool's
    own output and error stand). `url` None: the tool used no index."""
    if url is None:
        return None
    found = probe(url, env)
    shown = redact_url(url)
    if found.problem == "certificate":
        return IndexCertificateUntrusted(shown, found.reason, read_trust(env).describe())
    if found.problem == "unreachable":
        return IndexUnreachable(tool, shown, found.reason, found.proxy)
    if found.problem == "status":
        return IndexNeedsCredentials(tool, shown, found.status)
    return None


def tool_install_failed(
    tool: str, version: str, returncode: int, env: Mapping[str, str], *, carried: bool
) -> BuildpackError:
    """Why pip could not install one of the buildpack's own tools (pip, uv, Poetry, Pipenv):
    the index's reason when it shows one, else `ToolInstallFailed`. `carried`: installed from
    the package's own wheels (the offline edition), so no index was involved."""
    index = None if carried else index_url("pip", None, env)
    return explain_failure("pip", index, env) or ToolInstallFailed(tool, version, returncode)
