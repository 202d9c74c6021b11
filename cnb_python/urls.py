"""URLs as the build takes them from users, operators and servers: checked once, shown safely.

Every URL that reaches the network goes through `url_problem` first (a catalog's artifact URLs,
`BP_PYTHON_MIRROR`, `BP_PYTHON_CATALOG`, and each redirect a server answers with), so a bad
port, a broken IPv6 literal or an unexpected scheme is a sentence in a message, never a
`ValueError` from deep inside `urllib`. Logs show URLs through `redact_url`: no
`user:password@`, and no query string (signed URLs carry credentials there).
"""

from __future__ import annotations

from pathlib import PurePosixPath
from urllib.parse import SplitResult, unquote, urlsplit, urlunsplit

WEB_SCHEMES = ("https", "http")
SCHEMES = (*WEB_SCHEMES, "file")


def url_problem(value: str, schemes: tuple[str, ...] = SCHEMES, *, file_name: bool = False) -> str:
    """Why `value` cannot be fetched, as a phrase to follow the URL ("has no host"), or ""
    when it can. `file_name`: it must end in one."""
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in value):
        return "is not a URL: it contains whitespace or control characters"
    try:
        parts = urlsplit(value)
    except ValueError as error:
        return f"is not a URL: {error}"
    if parts.scheme.lower() not in schemes:
        return f"is not a URL with scheme {', '.join(schemes)}"
    if parts.scheme.lower() != "file":
        problem = _host_problem(parts.hostname, parts)
        if problem:
            return problem
    if file_name and not unquote(PurePosixPath(parts.path).name):
        return "does not end in a file name"
    return ""


def _host_problem(host: str | None, parts: SplitResult) -> str:
    if not host:
        return "has no host"
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        return "has an invalid port (a number from 1 to 65535 is expected)"
    return ""


def redact_url(url: str) -> str:
    """The URL as it may appear in a log: without credentials or query string."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "<malformed URL>"
    netloc = parts.netloc
    if "@" in netloc:
        if ":" in host:
            host = f"[{host}]"
        netloc = "***@" + host + (f":{port}" if port is not None else "")
    query = "<redacted>" if parts.query else ""
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of a URL `url_problem` accepted: where credentials may go."""
    parts = urlsplit(url)
    return parts.scheme.lower(), (parts.hostname or "").lower(), parts.port
