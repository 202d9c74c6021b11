"""Download one file, verify its sha256, and only then put it where the caller asked.

Why it is written this way:

- The digest is computed while streaming, so the file is read once; bytes are taken off the
  wire without content decoding (a server that adds `Content-Encoding: gzip` to a `.tar.gz`
  must not change what we hash).
- Bytes land in a temporary file beside the destination, renamed into place only after the
  digest matches; any failure (including an interrupt) deletes it. A destination therefore
  either does not exist or holds exactly the expected bytes.
- Transient failures are retried a bounded number of times with exponential backoff:
  connection errors, timeouts (connect, or no byte for `read_timeout` seconds), bodies shorter
  than their `Content-Length`, 408, 429 and 5xx. `Retry-After` is honoured, capped so a server
  cannot stall a build for an hour. Other 4xx answers are final.
- The build's environment is explicit: proxies (`HTTPS_PROXY`, `NO_PROXY`, ...) and CA bundles
  (`REQUESTS_CA_BUNDLE`, `SSL_CERT_FILE`, ...) are read from the mapping the caller passes, never
  from this process's `os.environ`. Loopback hosts always bypass proxies: a proxy cannot reach
  our own 127.0.0.1.
- URLs are shown redacted: no `user:password@`, and no query string (signed URLs carry
  credentials there).
- Progress goes to the build log at most once per 10% and never more often than every few
  seconds, so a non-interactive log is not flooded.
"""

from __future__ import annotations

import email.utils
import hashlib
import ipaddress
import os
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from urllib.request import url2pathname

import requests
import urllib3

from cnb_python.errors import ChecksumMismatch, DownloadFailed
from cnb_python.output import Output

CHUNK_SIZE = 1024 * 1024
RETRYABLE_STATUS = frozenset({408, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524})


@dataclass(frozen=True)
class RetryPolicy:
    """How patient a download is. Tests inject short timeouts and a recording `sleep`."""

    attempts: int = 5
    backoff: float = 1.0
    max_delay: float = 30.0
    retry_after_cap: float = 60.0
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    progress_interval: float = 5.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """The pause after failed attempt number `attempt` (1-based)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.retry_after_cap)
        return float(min(self.backoff * (2 ** (attempt - 1)), self.max_delay))


@dataclass(frozen=True)
class Downloaded:
    path: Path
    sha256: str
    size: int
    attempts: int
    seconds: float


class _Retryable(Exception):
    """One attempt failed in a way that another attempt may fix."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


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


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _bypasses_proxy(host: str, no_proxy: str) -> bool:
    if _is_loopback(host):
        return True
    for raw in no_proxy.split(","):
        entry = raw.strip().lower()
        if not entry:
            continue
        if entry == "*":
            return True
        entry = entry.split(":", 1)[0] if entry.count(":") == 1 else entry
        entry = entry.lstrip(".")
        if host == entry or host.endswith("." + entry):
            return True
        try:
            if ipaddress.ip_address(host) in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def _lookup(env: Mapping[str, str], name: str) -> str:
    return (env.get(name.lower()) or env.get(name.upper()) or "").strip()


def proxies_for(url: str, env: Mapping[str, str]) -> dict[str, str]:
    """The proxy for `url` according to the conventional variables in `env` (curl's rules,
    lower case first), or none."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if _bypasses_proxy(host, _lookup(env, "no_proxy")):
        return {}
    proxy = _lookup(env, f"{parts.scheme}_proxy") or _lookup(env, "all_proxy")
    return {parts.scheme: proxy} if proxy else {}


def tls_verify(env: Mapping[str, str]) -> str | bool:
    """The CA bundle (file or directory) the build's environment asks for, else the default."""
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR"):
        value = env.get(name, "").strip()
        if value and Path(value).exists():
            return value
    return True


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)


def _size(count: float) -> str:
    for unit in ("B", "KiB", "MiB"):
        if count < 1024:
            return f"{count:.1f} {unit}" if unit != "B" else f"{int(count)} B"
        count /= 1024
    return f"{count:.1f} GiB"


class _Progress:
    """Reports at each new 10% step, but no more often than every `interval` seconds."""

    def __init__(self, output: Output, total: int | None, interval: float) -> None:
        self.output = output
        self.total = total
        self.interval = interval
        self.started = time.monotonic()
        self.last_report = self.started
        self.last_step = 0

    def update(self, done: int) -> None:
        now = time.monotonic()
        if now - self.last_report < self.interval:
            return
        if self.total:
            step = done * 10 // self.total
            if step <= self.last_step:
                return
            self.last_step = step
            self.output.detail(
                f"Downloaded {_size(done)} of {_size(self.total)} ({done * 100 // self.total}%)"
            )
        else:
            self.output.detail(f"Downloaded {_size(done)}")
        self.last_report = now


def download(
    url: str,
    dest: Path,
    *,
    sha256: str,
    env: Mapping[str, str],
    output: Output,
    policy: RetryPolicy | None = None,
) -> Downloaded:
    """Fetch `url` (https, http or file) into `dest`, verified against `sha256`.

    Raises `DownloadFailed` when retries are exhausted or the answer is final, and
    `ChecksumMismatch` when the bytes differ; in both cases nothing is left at `dest` or
    beside it.
    """
    policy = policy or RetryPolicy()
    shown = redact_url(url)
    expected = sha256.strip().lower()
    dest.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    scheme = urlsplit(url).scheme.lower()
    if scheme == "file":
        actual, size = _copy_file(url, dest, shown, expected)
        return Downloaded(dest, actual, size, 1, time.monotonic() - started)
    if scheme not in ("http", "https"):
        raise DownloadFailed(shown, f"unsupported URL scheme {scheme!r}")

    with requests.Session() as session:
        # trust_env=False: proxies, CA bundles and .netrc come from `env` only.
        session.trust_env = False
        session.headers["Accept-Encoding"] = "identity"
        attempt = 0
        while True:
            attempt += 1
            try:
                actual, size = _attempt(
                    session,
                    url,
                    dest=dest,
                    expected=expected,
                    env=env,
                    output=output,
                    policy=policy,
                )
            except _Retryable as failure:
                if attempt >= policy.attempts:
                    raise DownloadFailed(shown, failure.reason, attempt) from None
                pause = policy.delay(attempt, failure.retry_after)
                output.detail(
                    f"Attempt {attempt} of {policy.attempts} failed ({failure.reason}); "
                    f"retrying in {pause:g}s"
                )
                policy.sleep(pause)
                continue
            if actual != expected:
                raise ChecksumMismatch(shown, expected, actual)
            return Downloaded(dest, actual, size, attempt, time.monotonic() - started)


def _temporary_beside(dest: Path) -> tuple[int, Path]:
    fd, name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    return fd, Path(name)


def _attempt(
    session: requests.Session,
    url: str,
    *,
    dest: Path,
    expected: str,
    env: Mapping[str, str],
    output: Output,
    policy: RetryPolicy,
) -> tuple[str, int]:
    """One GET. Returns (sha256, size); `dest` is replaced only when the digest matches."""
    try:
        response = session.get(
            url,
            stream=True,
            timeout=(policy.connect_timeout, policy.read_timeout),
            proxies=proxies_for(url, env),
            verify=tls_verify(env),
            allow_redirects=True,
        )
    except requests.Timeout:
        raise _Retryable("timed out connecting or waiting for a response") from None
    except requests.ConnectionError as error:
        raise _Retryable(f"connection error: {_short(error)}") from None
    with response:
        status = response.status_code
        if status in RETRYABLE_STATUS:
            raise _Retryable(f"HTTP {status}", _retry_after(response.headers.get("Retry-After")))
        if status >= 400:
            raise DownloadFailed(redact_url(url), f"HTTP {status} {response.reason or ''}".strip())
        length_header = response.headers.get("Content-Length", "")
        total = int(length_header) if length_header.isdigit() else None
        progress = _Progress(output, total, policy.progress_interval)
        digest = hashlib.sha256()
        done = 0
        fd, tmp = _temporary_beside(dest)
        try:
            with os.fdopen(fd, "wb") as handle:
                try:
                    for chunk in response.raw.stream(CHUNK_SIZE, decode_content=False):
                        digest.update(chunk)
                        handle.write(chunk)
                        done += len(chunk)
                        progress.update(done)
                except (requests.RequestException, urllib3.exceptions.HTTPError) as error:
                    if total is not None and "incomplete" in _short(error):
                        raise _Retryable(f"received {done} of {total} bytes") from None
                    raise _Retryable(f"the transfer broke off: {_short(error)}") from None
                except OSError as error:
                    if not isinstance(error, (ConnectionError, TimeoutError)):
                        raise
                    raise _Retryable(f"the transfer broke off: {_short(error)}") from None
            if total is not None and done != total:
                raise _Retryable(f"received {done} of {total} bytes")
            actual = digest.hexdigest()
            if actual == expected:
                tmp.replace(dest)
            return actual, done
        finally:
            tmp.unlink(missing_ok=True)


def _short(error: BaseException) -> str:
    """The innermost useful words of a network error (urllib3 nests the whole chain)."""
    text = str(error) or type(error).__name__
    lowered = text.lower()
    for needle, summary in (
        ("read timed out", "read timed out"),
        ("connection reset", "connection reset by peer"),
        ("connection refused", "connection refused"),
        ("incompleteread", "incomplete read"),
        ("remotedisconnected", "the server closed the connection"),
    ):
        if needle in lowered:
            return summary
    return text if len(text) <= 160 else text[:157] + "..."


def _copy_file(url: str, dest: Path, shown: str, expected: str) -> tuple[str, int]:
    """A `file://` URL: the same verify-then-rename path, without a network."""
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        raise DownloadFailed(shown, f"file URLs must name a local path, not host {parts.netloc!r}")
    source = Path(url2pathname(parts.path))
    digest = hashlib.sha256()
    size = 0
    fd, tmp = _temporary_beside(dest)
    try:
        with os.fdopen(fd, "wb") as handle:
            try:
                reader = source.open("rb")
            except OSError as error:
                raise DownloadFailed(shown, error.strerror or str(error)) from None
            with reader:
                while chunk := reader.read(CHUNK_SIZE):
                    digest.update(chunk)
                    handle.write(chunk)
                    size += len(chunk)
        actual = digest.hexdigest()
        if actual != expected:
            raise ChecksumMismatch(shown, expected, actual)
        tmp.replace(dest)
        return actual, size
    finally:
        tmp.unlink(missing_ok=True)
