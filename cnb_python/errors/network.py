"""Reaching the package index: CA bundles, proxies and credentials (`cnb_python.trust`).

Every message names the settings that fix it and where a user of pack, a builder or kpack puts
them: behind a TLS-intercepting proxy these are the first errors a build meets, and the tools'
own words ("All attempts to connect ... failed", "invalid peer certificate") never say which
setting is missing.
"""

from __future__ import annotations

from dataclasses import dataclass

from cnb_python.errors.base import BuildpackError, Message, quoted

# Where each platform takes the settings; one wording for every message (docs/operators.md).
HOW_TO_SET = (
    "Pass settings as build env: `pack build --env NAME=VALUE`, the builder's `[[build.env]]` "
    "in builder.toml, or kpack's `spec.build.env`. The CA file must exist inside the build "
    "(in the app source, in the builder image, or mounted with `pack build --volume`)."
)
CA_SETTINGS_TEXT = (
    "SSL_CERT_FILE (or REQUESTS_CA_BUNDLE or PIP_CERT: the buildpack gives the one you set to "
    "pip, uv, Poetry and Pipenv alike)"
)
PROXY_SETTINGS_TEXT = "HTTPS_PROXY, HTTP_PROXY and NO_PROXY"


@dataclass(eq=False)
class CaSettingInvalid(BuildpackError):
    """A CA setting names a file (or for SSL_CERT_DIR a directory) the build cannot read."""

    setting: str
    value: str
    reason: str

    def message(self) -> Message:
        return Message(
            title=f"{self.setting} does not name a readable CA bundle",
            found=(f"{self.setting} is {quoted(self.value)}: {self.reason}.",),
            fix=(
                f"Set {self.setting} to a PEM file (SSL_CERT_DIR: a directory of them) that "
                "exists inside the build container, or unset it to trust the build image's "
                "own CA store.",
                HOW_TO_SET,
            ),
        )


@dataclass(eq=False)
class IndexCertificateUntrusted(BuildpackError):
    """The index answered with a certificate chain the build's CA bundle does not trust."""

    url: str  # redacted
    reason: str
    trusted: str  # which CA bundle the build used, as the log should say it

    def message(self) -> Message:
        return Message(
            title="The package index's TLS certificate is not trusted",
            found=(
                f"Connecting to {self.url} failed certificate verification: {self.reason}",
                f"The build trusted {self.trusted}.",
                "A TLS-intercepting proxy (common on corporate networks) re-signs every "
                "connection with its own CA, which the build does not know unless it is told.",
            ),
            fix=(
                f"Give the build a CA bundle that includes the proxy's CA: {CA_SETTINGS_TEXT}.",
                HOW_TO_SET,
                "Operators: add the CA to the builder image's own store (`update-ca-certificates`"
                ", `update-ca-trust`), which every tool then trusts with no setting at all.",
            ),
        )


@dataclass(eq=False)
class IndexUnreachable(BuildpackError):
    """A tool failed and the index it uses cannot be reached at all (DNS, proxy, firewall)."""

    tool: str
    url: str  # redacted
    reason: str
    proxy: str  # the proxy used for the URL (redacted), "" when none

    def message(self) -> Message:
        via = f" through the proxy {self.proxy}" if self.proxy else " (no proxy is set)"
        return Message(
            title=f"{self.tool} could not reach the package index",
            found=(f"{self.tool} failed, and connecting to {self.url}{via} fails: {self.reason}",),
            fix=(
                f"If the build must go through a proxy, set {PROXY_SETTINGS_TEXT}; check the "
                "index URL (PIP_INDEX_URL, UV_DEFAULT_INDEX, or the source in pyproject.toml or "
                "Pipfile).",
                HOW_TO_SET,
                "If the network failure was temporary, build again.",
            ),
        )


@dataclass(eq=False)
class IndexNeedsCredentials(BuildpackError):
    """A tool failed and the index it uses answers 401/403: credentials missing or refused."""

    tool: str
    url: str  # redacted
    status: int

    def message(self) -> Message:
        return Message(
            title=f"The package index refused {self.tool} (HTTP {self.status})",
            found=(
                f"{self.tool} failed, and {self.url} answers HTTP {self.status}: it needs "
                "credentials the build did not give, or refused the ones given.",
            ),
            fix=(
                "Give the credentials as build env, never in a committed file: an index URL "
                "with `user:token@` in PIP_INDEX_URL (pip), UV_INDEX_<NAME>_USERNAME and "
                "_PASSWORD (uv), POETRY_HTTP_BASIC_<SOURCE>_USERNAME and _PASSWORD (Poetry).",
                HOW_TO_SET,
            ),
        )
