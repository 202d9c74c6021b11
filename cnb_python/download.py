"""Download one file and verify its sha256 before anyone may use it.

Why it is written this way:

- The digest is computed while streaming, so the file is read once; bytes are taken off the
  wire without content decoding (`transfer.session`).
- `fetch` writes into a file the caller opened, normally an anonymous temporary file
  (`tempfile.TemporaryFile`, which has no name on Linux): a build killed mid-download leaves
  nothing behind to clean up. `download` is the same, then puts the verified bytes at a path:
  they land in a temporary file beside it, renamed into place only after the digest matches,
  so a destination either does not exist or holds exactly the expected bytes.
- Transient failures are retried a bounded number of times with exponential backoff:
  connection errors, timeouts (connect, or no byte for `read_timeout` seconds), transfers
  slower than `min_rate` over `rate_window`, bodies shorter than their `Content-Length`, 408,
  429 and 5xx. `Retry-After` is honoured, capped so a server cannot stall a build for an hour.
  Other 4xx answers are final, and so is the `deadline` that bounds the whole download, every
  attempt and pause included (`BP_PYTHON_DOWNLOAD_TIMEOUT`).
- Redirects: at most ten, to http(s) only, never from https down to http (`transfer.get`);
  each one is logged, and a failure names where the download was redirected to.
- URLs are shown redacted (`urls.redact_url`).
- Progress goes to the build log at each new 10% (at most every few seconds), and at least
  every `heartbeat` seconds while bytes arrive slowly, so a slow download is never silent.
"""

from __future__ import annotations

import email.utils
import errno
import hashlib
import os
import stat
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING
from urllib.parse import urlsplit
from urllib.request import url2pathname

from cnb_python import effects, transfer
from cnb_python.errors import ChecksumMismatch, DiskFull, DownloadFailed
from cnb_python.limits import DOWNLOAD_MIN_KIB_PER_SECOND, DOWNLOAD_TIMEOUT
from cnb_python.output import Output
from cnb_python.urls import redact_url

if TYPE_CHECKING:
    import requests

CHUNK_SIZE = transfer.CHUNK_SIZE
RETRYABLE_STATUS = frozenset({408, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524})
_DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})


@dataclass(frozen=True)
class RetryPolicy:
    """How patient a download is. Tests inject short timeouts and a recording `sleep`."""

    attempts: int = 5
    backoff: float = 1.0
    max_delay: float = 30.0
    retry_after_cap: float = 60.0
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    deadline: float = float(DOWNLOAD_TIMEOUT.default)
    min_rate: float = DOWNLOAD_MIN_KIB_PER_SECOND.default * 1024.0
    rate_window: float = 30.0
    progress_interval: float = 5.0
    heartbeat: float = 30.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)

    @classmethod
    def from_env(cls, platform_env: Mapping[str, str]) -> RetryPolicy:
        return cls(
            deadline=float(DOWNLOAD_TIMEOUT.read(platform_env)),
            min_rate=DOWNLOAD_MIN_KIB_PER_SECOND.read(platform_env) * 1024.0,
        )

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """The pause after failed attempt number `attempt` (1-based)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.retry_after_cap)
        return float(min(self.backoff * (2 ** (attempt - 1)), self.max_delay))

    def describe_deadline(self) -> str:
        return f"{self.deadline:g} s, the limit for one download ({DOWNLOAD_TIMEOUT.setting})"


@dataclass(frozen=True)
class Fetched:
    sha256: str
    size: int
    attempts: int
    seconds: float
    url: str  # where the bytes came from, after redirects (redacted)


@dataclass(frozen=True)
class Downloaded(Fetched):
    path: Path


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
    """Reports at each new 10% step, no more often than every `interval` seconds, and at
    least every `heartbeat` seconds while bytes keep coming."""

    def __init__(self, output: Output, total: int | None, policy: RetryPolicy) -> None:
        self.output = output
        self.total = total
        self.interval = policy.progress_interval
        self.heartbeat = policy.heartbeat
        self.started = time.monotonic()
        self.last_report = self.started
        self.last_step = 0

    def update(self, done: int) -> None:
        now = time.monotonic()
        if now - self.last_report < self.interval:
            return
        overdue = now - self.last_report >= self.heartbeat
        if self.total:
            step = done * 10 // self.total
            if step <= self.last_step and not overdue:
                return
            self.last_step = max(step, self.last_step)
            line = f"Downloaded {_size(done)} of {_size(self.total)} ({done * 100 // self.total}%)"
        else:
            line = f"Downloaded {_size(done)}"
        if overdue:
            line += f", {_size(done / max(now - self.started, 0.001))}/s"
        self.output.detail(line)
        self.last_report = now


def _writes(handle: IO[bytes], chunk: bytes, where: str) -> None:
    try:
        handle.write(chunk)
    except OSError as error:
        if error.errno in _DISK_FULL:
            raise DiskFull(where, error.strerror or str(error)) from None
        raise


def fetch(
    url: str,
    into: IO[bytes],
    *,
    sha256: str,
    env: Mapping[str, str],
    output: Output,
    policy: RetryPolicy | None = None,
    what: str = "",
) -> Fetched:
    """Fetch `url` (https, http or file) into the binary file `into` (rewound and truncated
    before each attempt), verified against `sha256`. `what` names the download where a full
    disk is reported ("while downloading Python 3.12.4").

    Raises `DownloadFailed` when retries are exhausted, the deadline passed or the answer is
    final, and `ChecksumMismatch` when the bytes differ.
    """
    return effects.current().fetch(effects.Download(url, into, sha256, env, output, policy, what))


def fetch_now(request: effects.Download) -> Fetched:
    """`fetch` for real (the real `effects.Fetcher`)."""
    url, into, sha256, env, output = (
        request.url, request.into, request.sha256, request.env, request.output,
    )  # fmt: skip
    policy, what = request.policy, request.what
    policy = policy or RetryPolicy()
    shown = redact_url(url)
    where = what or f"while downloading {shown}"
    expected = sha256.strip().lower()
    started = time.monotonic()
    scheme = urlsplit(url).scheme.lower()
    if scheme == "file":
        actual, size = _copy_file(url, into, shown, where)
        if actual != expected:
            raise ChecksumMismatch(shown, expected, actual)
        return Fetched(actual, size, 1, time.monotonic() - started, shown)
    if scheme not in ("http", "https"):
        raise DownloadFailed(shown, f"unsupported URL scheme {scheme!r}")

    deadline = transfer.Deadline(policy.deadline, policy.describe_deadline())
    attempt = 0
    with transfer.session() as client:
        while True:
            attempt += 1
            hops: list[str] = []

            def redirected_to(hop: str, hops: list[str] = hops) -> None:
                hops.append(hop)
                output.detail(f"Redirected to {redact_url(hop)}")

            try:
                actual, size = _attempt(
                    client, url, into, env=env, output=output, policy=policy,
                    deadline=deadline, where=where, on_redirect=redirected_to,
                )  # fmt: skip
            except transfer.TransferFailed as failure:
                redirected = redact_url(hops[-1]) if hops else ""
                pause = policy.delay(attempt, failure.retry_after)
                if not failure.retryable or attempt >= policy.attempts:
                    raise DownloadFailed(shown, failure.reason, attempt, redirected) from None
                if pause >= deadline.remaining():
                    reason = (
                        f"{failure.reason}; no time was left to try again within "
                        f"{deadline.describe}"
                    )
                    raise DownloadFailed(shown, reason, attempt, redirected) from None
                output.detail(
                    f"Attempt {attempt} of {policy.attempts} failed ({failure.reason}); "
                    f"retrying in {pause:g}s"
                )
                policy.sleep(pause)
                continue
            final = redact_url(hops[-1] if hops else url)
            if actual != expected:
                raise ChecksumMismatch(final, expected, actual)
            return Fetched(actual, size, attempt, time.monotonic() - started, final)


def download(
    url: str,
    dest: Path,
    *,
    sha256: str,
    env: Mapping[str, str],
    output: Output,
    policy: RetryPolicy | None = None,
) -> Downloaded:
    """`fetch` into `dest`: nothing is left at `dest` or beside it unless the digest matched."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    tmp = Path(name)
    try:
        with os.fdopen(fd, "w+b") as handle:
            fetched = fetch(url, handle, sha256=sha256, env=env, output=output, policy=policy)
        tmp.replace(dest)
    finally:
        tmp.unlink(missing_ok=True)
    return Downloaded(
        fetched.sha256, fetched.size, fetched.attempts, fetched.seconds, fetched.url, dest
    )


def _attempt(
    client: requests.Session,
    url: str,
    into: IO[bytes],
    *,
    env: Mapping[str, str],
    output: Output,
    policy: RetryPolicy,
    deadline: transfer.Deadline,
    where: str,
    on_redirect: Callable[[str], None],
) -> tuple[str, int]:
    """One GET (redirects included). Returns (sha256, size)."""
    into.seek(0)
    into.truncate()
    response, _ = transfer.get(
        client,
        url,
        env=env,
        deadline=deadline,
        connect_timeout=policy.connect_timeout,
        read_timeout=policy.read_timeout,
        on_redirect=on_redirect,
    )
    with response:
        status = response.status_code
        if status in RETRYABLE_STATUS:
            raise transfer.TransferFailed(
                f"HTTP {status}",
                retryable=True,
                retry_after=_retry_after(response.headers.get("Retry-After")),
            )
        if status >= 400:
            reason = f"HTTP {status} {response.reason or ''}".strip()
            raise transfer.TransferFailed(reason, retryable=False)
        length_header = response.headers.get("Content-Length", "").strip()
        # At most 18 digits: int() refuses thousands of them, and no file is that large.
        total = int(length_header) if length_header.isdigit() and len(length_header) <= 18 else None
        progress = _Progress(output, total, policy)
        digest = hashlib.sha256()
        done = 0
        try:
            for chunk in transfer.body(
                response, deadline=deadline, min_rate=policy.min_rate, window=policy.rate_window
            ):
                digest.update(chunk)
                _writes(into, chunk, where)
                done += len(chunk)
                progress.update(done)
        except transfer.TransferFailed as failure:
            if total is not None and "incomplete" in failure.reason:
                raise transfer.TransferFailed(
                    f"received {done} of {total} bytes", retryable=True
                ) from None
            raise
        if total is not None and done != total:
            raise transfer.TransferFailed(f"received {done} of {total} bytes", retryable=True)
        into.flush()
        return digest.hexdigest(), done


def _copy_file(url: str, into: IO[bytes], shown: str, where: str) -> tuple[str, int]:
    """A `file://` URL: the same verify path, without a network. Only a regular file is read:
    a FIFO or a device there would hang the build or never end."""
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        raise DownloadFailed(shown, f"file URLs must name a local path, not host {parts.netloc!r}")
    source = Path(url2pathname(parts.path))
    try:
        fd = os.open(source, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:
        raise DownloadFailed(shown, error.strerror or str(error)) from None
    digest = hashlib.sha256()
    size = 0
    with os.fdopen(fd, "rb") as reader:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise DownloadFailed(shown, "it is not a regular file")
        into.seek(0)
        into.truncate()
        while chunk := reader.read(CHUNK_SIZE):
            digest.update(chunk)
            _writes(into, chunk, where)
            size += len(chunk)
    into.flush()
    return digest.hexdigest(), size
