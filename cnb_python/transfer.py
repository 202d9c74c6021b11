"""HTTP GETs that always end: a total deadline, a minimum throughput, bounded bodies, and
redirects checked one by one.

Why each bound exists (docs/limits.md has the values and settings):

- a deadline for the whole operation: socket timeouts only bound the wait for *one* byte, so a
  server that sends a byte now and then kept a download going for hours;
- a minimum throughput over a sliding window, for the same reason: a transfer that still moves
  but would take longer than any build can wait fails early, as a transient failure another
  attempt (or a mirror) may fix;
- a byte cap where the caller has one (the catalog): a server that never stops sending must not
  exhaust memory;
- reads return what has arrived (`read1`), never wait to fill a large buffer, so the checks
  above run at least once per socket timeout;
- redirects are followed here, not by requests: at most `MAX_REDIRECTS`, each to an http(s) URL
  that `urls.url_problem` accepts, never from https down to http, and credentials from the
  URL's `user:password@` go only to the origin they were written for. The caller hears of each
  hop, so logs and messages name the URL bytes really came from.

The build's environment is explicit: proxies (`HTTPS_PROXY`, `NO_PROXY`, ...) and CA bundles
(`REQUESTS_CA_BUNDLE`, `SSL_CERT_FILE`, ...) are read from the mapping the caller passes, never
from this process's `os.environ`. Loopback hosts always bypass proxies: a proxy cannot reach our
own 127.0.0.1.

requests (and urllib3) are imported where a transfer starts, not with this module: they are a
fifth of the buildpack's start-up, and a build that downloads nothing (a no-op rebuild) never
needs them.
"""

from __future__ import annotations

import ipaddress
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit, urlunsplit

from cnb_python.urls import WEB_SCHEMES, origin, redact_url, url_problem

if TYPE_CHECKING:
    import requests

MAX_REDIRECTS = 10
CHUNK_SIZE = 1024 * 1024


class TransferFailed(Exception):
    """One attempt failed. `retryable`: another attempt may succeed (the connection broke, the
    server was slow); otherwise the answer is final (a refused redirect, the deadline)."""

    def __init__(self, reason: str, *, retryable: bool, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.retry_after = retry_after


class Deadline:
    """The time left for a whole operation, all its attempts and pauses included."""

    def __init__(
        self, seconds: float, describe: str, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.clock = clock
        self.end = clock() + seconds
        self.describe = describe  # "900 s, the limit for one download (BP_PYTHON_...)"

    def remaining(self) -> float:
        return self.end - self.clock()

    def check(self) -> None:
        if self.remaining() <= 0:
            raise TransferFailed(f"gave up after {self.describe}", retryable=False)

    def timeout(self, seconds: float) -> float:
        """`seconds`, shortened so that no wait outlasts the deadline."""
        self.check()
        return max(min(seconds, self.remaining()), 0.001)


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


def session() -> requests.Session:
    """A session that takes nothing from this process's environment and asks for the bytes as
    they are (a server that adds `Content-Encoding: gzip` to a `.tar.gz` must not change what
    is hashed)."""
    import requests  # lazily: see the module docs

    new = requests.Session()
    new.trust_env = False  # proxies, CA bundles and .netrc come from the caller's env only
    new.headers["Accept-Encoding"] = "identity"
    return new


def _without_credentials(url: str) -> tuple[str, tuple[str, str] | None]:
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url, None
    host = parts.hostname or ""
    netloc = (f"[{host}]" if ":" in host else host) + (
        f":{parts.port}" if parts.port is not None else ""
    )
    bare = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    import requests  # lazily: see the module docs

    return bare, requests.utils.get_auth_from_url(url)


def short(error: BaseException) -> str:
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


def get(
    client: requests.Session,
    url: str,
    *,
    env: Mapping[str, str],
    deadline: Deadline,
    connect_timeout: float,
    read_timeout: float,
    on_redirect: Callable[[str], None] = lambda _: None,
) -> tuple[requests.Response, str]:
    """GET `url` (streamed), following redirects as the module docs say; returns the answer
    that is not a redirect and the URL it came from. Raises `TransferFailed`."""
    import requests  # lazily: see the module docs

    current, auth = _without_credentials(url)
    home = origin(current)
    for hop in range(MAX_REDIRECTS + 1):
        problem = url_problem(current, WEB_SCHEMES)
        if problem:
            raise TransferFailed(f"{redact_url(current)} {problem}", retryable=False)
        try:
            response = client.get(
                current,
                stream=True,
                timeout=(deadline.timeout(connect_timeout), deadline.timeout(read_timeout)),
                proxies=proxies_for(current, env),
                verify=tls_verify(env),
                allow_redirects=False,
                auth=auth if origin(current) == home else None,
            )
        except requests.Timeout:
            raise TransferFailed(
                "timed out connecting or waiting for a response", retryable=True
            ) from None
        except requests.ConnectionError as error:
            raise TransferFailed(f"connection error: {short(error)}", retryable=True) from None
        except requests.RequestException as error:
            raise TransferFailed(f"the request failed: {short(error)}", retryable=False) from None
        except ValueError as error:
            # requests parses a redirect's Location even when it follows none, and `current`
            # passed `url_problem`: the Location is what is broken.
            raise TransferFailed(
                f"redirected to something that is not a URL: {error}", retryable=False
            ) from None
        target = client.get_redirect_target(response)
        if target is None:
            return response, current
        response.close()
        try:
            following = urljoin(current, target)
        except ValueError as error:
            raise TransferFailed(
                f"redirected to something that is not a URL: {error}", retryable=False
            ) from None
        shown = redact_url(following)
        if hop == MAX_REDIRECTS:
            raise TransferFailed(
                f"more than {MAX_REDIRECTS} redirects (a redirect loop?), the last to {shown}",
                retryable=False,
            )
        scheme = urlsplit(following).scheme.lower()
        if scheme not in WEB_SCHEMES:
            raise TransferFailed(
                f"redirected to {shown}, which is not an http or https URL", retryable=False
            )
        if scheme == "http" and urlsplit(current).scheme.lower() == "https":
            raise TransferFailed(f"redirected from https to plain http ({shown})", retryable=False)
        on_redirect(following)
        current = following
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


class _Pace:
    """Fails a transfer whose bytes of the last `window` seconds came slower than `min_rate`
    bytes per second."""

    def __init__(self, min_rate: float, window: float, clock: Callable[[], float]) -> None:
        self.min_rate = min_rate
        self.window = window
        self.clock = clock
        self.samples: deque[tuple[float, int]] = deque([(clock(), 0)])

    def update(self, done: int) -> None:
        now = self.clock()
        self.samples.append((now, done))
        while len(self.samples) > 2 and now - self.samples[1][0] >= self.window:
            self.samples.popleft()
        started, before = self.samples[0]
        elapsed = now - started
        if elapsed >= self.window and done - before < self.min_rate * elapsed:
            raise TransferFailed(
                f"the transfer was slower than {self.min_rate / 1024:g} KiB/s for {elapsed:.0f}s",
                retryable=True,
            )


def body(
    response: requests.Response,
    *,
    deadline: Deadline,
    min_rate: float,
    window: float,
    max_bytes: int | None = None,
    too_large: str = "",
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[bytes]:
    """The body's bytes as they arrive, undecoded. Raises `TransferFailed`: retryable when the
    connection breaks or the transfer is too slow, final past the deadline or past
    `max_bytes` (`too_large` is that reason)."""
    import requests  # lazily: see the module docs
    import urllib3

    raw = response.raw
    read = getattr(raw, "read1", None) or raw.read
    pace = _Pace(min_rate, window, clock)
    done = 0
    while True:
        deadline.check()
        try:
            chunk = read(CHUNK_SIZE, decode_content=False)
        except (requests.RequestException, urllib3.exceptions.HTTPError) as error:
            raise TransferFailed(
                f"the transfer broke off: {short(error)}", retryable=True
            ) from None
        except OSError as error:
            if not isinstance(error, (ConnectionError, TimeoutError)):
                raise
            raise TransferFailed(
                f"the transfer broke off: {short(error)}", retryable=True
            ) from None
        if not chunk:
            return
        done += len(chunk)
        if max_bytes is not None and done > max_bytes:
            raise TransferFailed(too_large, retryable=False)
        pace.update(done)
        yield chunk
