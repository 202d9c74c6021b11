"""The downloader against a real loopback server that misbehaves on request."""

from __future__ import annotations

import hashlib
import io
import os
import re
import time
from pathlib import Path

import pytest

from cnb_python.download import RetryPolicy, download
from cnb_python.errors import ChecksumMismatch, DownloadFailed
from cnb_python.output import Output
from cnb_python.transfer import proxies_for
from cnb_python.urls import redact_url
from tests.support.httpserver import (
    Corrupt,
    FaultyServer,
    Redirect,
    Reset,
    Stall,
    Status,
    Trickle,
    Truncate,
)

PAYLOAD = bytes(range(256)) * 4096 * 3  # 3 MiB: several chunks
DIGEST = hashlib.sha256(PAYLOAD).hexdigest()


class Recorder:
    def __init__(self) -> None:
        self.pauses: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.pauses.append(seconds)


@pytest.fixture
def sleeps() -> Recorder:
    return Recorder()


@pytest.fixture
def policy(sleeps: Recorder) -> RetryPolicy:
    return RetryPolicy(attempts=3, backoff=0.5, connect_timeout=2, read_timeout=0.5, sleep=sleeps)


@pytest.fixture
def served(served_dir: Path) -> str:
    (served_dir / "python.tar.gz").write_bytes(PAYLOAD)
    return "/python.tar.gz"


@pytest.fixture
def log() -> io.StringIO:
    return io.StringIO()


def _output(log: io.StringIO) -> Output:
    return Output(stdout=log, stderr=log)


def _get(
    server: FaultyServer, path: str, dest: Path, log: io.StringIO, policy: RetryPolicy, **kw: str
) -> Path:
    url = kw.get("url", server.base_url + path)
    result = download(
        url, dest, sha256=kw.get("sha256", DIGEST), env={}, output=_output(log), policy=policy
    )
    return result.path


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def test_downloads_and_verifies(
    http_server: FaultyServer, served: str, tmp_path: Path, log: io.StringIO, policy: RetryPolicy
) -> None:
    dest = tmp_path / "out" / "python.tar.gz"
    assert _get(http_server, served, dest, log, policy).read_bytes() == PAYLOAD
    assert http_server.count(served) == 1
    assert _leftovers(dest.parent) == ["python.tar.gz"]


def test_checksum_mismatch_names_url_and_both_digests_and_keeps_nothing(
    http_server: FaultyServer, served: str, tmp_path: Path, log: io.StringIO, policy: RetryPolicy
) -> None:
    dest = tmp_path / "out" / "python.tar.gz"
    http_server.fail(served, Corrupt(offset=12345))
    with pytest.raises(ChecksumMismatch) as caught:
        _get(http_server, served, dest, log, policy)

    text = caught.value.message().render()
    assert http_server.url("python.tar.gz") in text
    assert f"expected sha256 {DIGEST}" in text
    corrupted = bytearray(PAYLOAD)
    corrupted[12345] ^= 0xFF
    assert f"received sha256 {hashlib.sha256(corrupted).hexdigest()}" in text
    assert _leftovers(dest.parent) == []
    assert http_server.count(served) == 1  # a wrong digest is final, not retried


@pytest.mark.parametrize(
    ("faults", "reason"),
    [
        ((Truncate(after_bytes=1000),), "received 1000 of"),
        ((Status(503), Status(500)), "HTTP 500"),
        ((Reset(),), "connection"),
        ((Reset(after_bytes=70000),), "the transfer broke off"),
        ((Stall(seconds=3, after_bytes=5000),), "the transfer broke off"),
    ],
)
def test_transient_faults_are_retried(
    http_server: FaultyServer,
    served: str,
    tmp_path: Path,
    log: io.StringIO,
    policy: RetryPolicy,
    sleeps: Recorder,
    faults: tuple[object, ...],
    reason: str,
) -> None:
    http_server.fail(served, *faults)  # type: ignore[arg-type]
    dest = tmp_path / "python.tar.gz"
    assert _get(http_server, served, dest, log, policy).read_bytes() == PAYLOAD

    assert http_server.count(served) == len(faults) + 1
    assert reason in log.getvalue()
    assert "Attempt 1 of 3 failed" in log.getvalue()
    assert sleeps.pauses == [0.5, 1.0][: len(faults)]  # exponential backoff
    assert _leftovers(tmp_path) == ["python.tar.gz", "served"]


def test_retry_after_is_honoured_and_capped(
    http_server: FaultyServer, served: str, tmp_path: Path, log: io.StringIO, sleeps: Recorder
) -> None:
    policy = RetryPolicy(attempts=3, backoff=0.5, retry_after_cap=5, sleep=sleeps)
    http_server.fail(
        served, Status(429, {"Retry-After": "2"}), Status(503, {"Retry-After": "3600"})
    )
    _get(http_server, served, tmp_path / "f", log, policy)
    assert sleeps.pauses == [2.0, 5.0]
    assert "HTTP 429" in log.getvalue()


def test_exhausted_retries_give_one_clear_error(
    http_server: FaultyServer, served: str, tmp_path: Path, log: io.StringIO, policy: RetryPolicy
) -> None:
    http_server.fail(served, Status(502), Truncate(10), Status(503))
    dest = tmp_path / "out" / "python.tar.gz"
    with pytest.raises(DownloadFailed) as caught:
        _get(http_server, served, dest, log, policy)

    message = caught.value.message()
    assert message.title == f"Could not download {http_server.url('python.tar.gz')}"
    assert "Tried 3 times; the last attempt failed: HTTP 503" in message.found[0]
    assert any("BP_PYTHON_MIRROR" in step for step in message.fix)
    assert http_server.count(served) == 3
    assert _leftovers(dest.parent) == []


def test_a_stall_longer_than_the_read_timeout_fails_fast(
    http_server: FaultyServer, served: str, tmp_path: Path, log: io.StringIO
) -> None:
    policy = RetryPolicy(attempts=1, read_timeout=0.3)
    http_server.fail(served, Stall(seconds=5))
    with pytest.raises(DownloadFailed, match="Could not download") as caught:
        _get(http_server, served, tmp_path / "f", log, policy)
    assert "Tried once" in caught.value.message().found[0]


def test_not_found_is_final(
    http_server: FaultyServer, tmp_path: Path, log: io.StringIO, policy: RetryPolicy
) -> None:
    with pytest.raises(DownloadFailed) as caught:
        _get(http_server, "/missing.tar.gz", tmp_path / "f", log, policy)
    assert caught.value.reason == "HTTP 404 Not Found"
    assert http_server.count("/missing.tar.gz") == 1


def test_credentials_are_never_shown(
    http_server: FaultyServer, served: str, tmp_path: Path, log: io.StringIO, policy: RetryPolicy
) -> None:
    url = f"http://operator:s3cret@127.0.0.1:{http_server.port}/python.tar.gz?token=abc"
    http_server.fail(served, Status(503), Status(503), Status(503))
    with pytest.raises(DownloadFailed) as caught:
        _get(http_server, served, tmp_path / "f", log, policy, url=url)

    rendered = caught.value.message().render() + log.getvalue()
    assert "s3cret" not in rendered
    assert "operator" not in rendered
    assert "abc" not in rendered
    assert f"http://***@127.0.0.1:{http_server.port}/python.tar.gz?<redacted>" in rendered


def test_file_urls_take_the_same_verify_path(tmp_path: Path, log: io.StringIO) -> None:
    source = tmp_path / "python.tar.gz"
    source.write_bytes(PAYLOAD)
    dest = tmp_path / "out" / "copy.tar.gz"
    download(source.as_uri(), dest, sha256=DIGEST, env={}, output=_output(log))
    assert dest.read_bytes() == PAYLOAD

    with pytest.raises(ChecksumMismatch):
        download(
            source.as_uri(), tmp_path / "out" / "bad", sha256="0" * 64, env={}, output=_output(log)
        )
    assert _leftovers(tmp_path / "out") == ["copy.tar.gz"]


def test_progress_does_not_flood_the_log(
    http_server: FaultyServer, served: str, tmp_path: Path, log: io.StringIO
) -> None:
    policy = RetryPolicy(progress_interval=0.0)
    _get(http_server, served, tmp_path / "f", log, policy)
    lines = [line for line in log.getvalue().splitlines() if "Downloaded" in line]
    assert 1 <= len(lines) <= 10
    assert lines[-1].endswith("(100%)")


def test_proxies_come_from_the_given_env_and_skip_loopback() -> None:
    env = {"HTTPS_PROXY": "http://proxy:3128", "no_proxy": "internal.example,.corp"}
    assert proxies_for("https://files.example/python.tar.gz", env) == {"https": "http://proxy:3128"}
    assert proxies_for("https://internal.example/x", env) == {}
    assert proxies_for("https://a.b.corp/x", env) == {}
    assert proxies_for("http://127.0.0.1:8000/x", {"HTTP_PROXY": "http://proxy:3128"}) == {}
    assert proxies_for("https://files.example/x", {}) == {}


def test_redaction_keeps_what_helps() -> None:
    assert redact_url("https://u:p@host:8443/a/b.tar.zst") == "https://***@host:8443/a/b.tar.zst"
    assert redact_url("https://host/a.tar.gz") == "https://host/a.tar.gz"


# -- bounds: deadline, throughput, redirects ---------------------------------------------


def test_a_trickle_fails_for_being_too_slow_within_seconds(
    http_server: FaultyServer, served: str, tmp_path: Path, log: io.StringIO
) -> None:
    policy = RetryPolicy(attempts=1, read_timeout=2, rate_window=0.5, min_rate=32 * 1024)
    http_server.fail(served, Trickle(interval=0.05, chunk=10))
    started = time.monotonic()
    with pytest.raises(DownloadFailed) as caught:
        _get(http_server, served, tmp_path / "f", log, policy)
    assert time.monotonic() - started < 5
    assert caught.value.reason.startswith("the transfer was slower than 32 KiB/s for ")
    assert _leftovers(tmp_path) == ["served"]


def test_the_deadline_bounds_every_attempt_and_pause_and_progress_never_stops(
    http_server: FaultyServer, served: str, tmp_path: Path, log: io.StringIO
) -> None:
    # Fast enough for the throughput check, far too slow for the deadline.
    policy = RetryPolicy(
        attempts=5, deadline=1.5, min_rate=1024, progress_interval=0.1, heartbeat=0.3
    )
    http_server.always(served, Trickle(interval=0.05, chunk=2048))
    started = time.monotonic()
    with pytest.raises(DownloadFailed) as caught:
        _get(http_server, served, tmp_path / "f", log, policy)
    assert time.monotonic() - started < 4
    assert caught.value.reason == (
        "gave up after 1.5 s, the limit for one download (BP_PYTHON_DOWNLOAD_TIMEOUT)"
    )
    assert caught.value.attempts == 1
    heartbeats = re.findall(r"Downloaded \S+ KiB of 3\.0 MiB \(\d+%\), \S+ KiB/s", log.getvalue())
    assert len(heartbeats) >= 2, log.getvalue()


def test_retries_stop_when_no_time_is_left_for_the_pause(
    http_server: FaultyServer, served: str, tmp_path: Path, log: io.StringIO, sleeps: Recorder
) -> None:
    policy = RetryPolicy(attempts=5, deadline=0.5, backoff=10, sleep=sleeps)
    http_server.fail(served, Status(503))
    with pytest.raises(DownloadFailed) as caught:
        _get(http_server, served, tmp_path / "f", log, policy)
    assert caught.value.reason == (
        "HTTP 503; no time was left to try again within 0.5 s, the limit for one download "
        "(BP_PYTHON_DOWNLOAD_TIMEOUT)"
    )
    assert sleeps.pauses == []


@pytest.mark.parametrize(
    ("redirect", "reason"),
    [
        (Redirect("/loop"), "more than 10 redirects (a redirect loop?), the last to "),
        (Redirect("ftp://files.example/python.tar.gz"), "which is not an http or https URL"),
        (Redirect("http://127.0.0.1:99999/x"), "has an invalid port"),
        (Redirect("http://[::1/x"), "redirected to something that is not a URL: Invalid IPv6"),
    ],
)
def test_redirects_that_cannot_be_followed_fail_clearly(
    http_server: FaultyServer,
    tmp_path: Path,
    log: io.StringIO,
    policy: RetryPolicy,
    redirect: Redirect,
    reason: str,
) -> None:
    http_server.always("/loop", redirect)
    with pytest.raises(DownloadFailed) as caught:
        _get(http_server, "/loop", tmp_path / "f", log, policy)
    assert reason in caught.value.reason
    assert caught.value.attempts == 1  # final: another attempt would be redirected the same way
    assert "Could not download" in caught.value.message().title


def test_a_redirect_is_logged_and_named_when_it_fails(
    http_server: FaultyServer, served: str, tmp_path: Path, log: io.StringIO, policy: RetryPolicy
) -> None:
    elsewhere = f"http://localhost:{http_server.port}/python.tar.gz"
    http_server.fail("/old.tar.gz", Redirect(elsewhere), Redirect("/missing.tar.gz"))
    _get(http_server, "/old.tar.gz", tmp_path / "f", log, policy)
    assert f"Redirected to {elsewhere}" in log.getvalue()

    with pytest.raises(DownloadFailed) as caught:
        _get(http_server, "/old.tar.gz", tmp_path / "g", log, policy)
    message = caught.value.message()
    assert message.title == f"Could not download {http_server.url('old.tar.gz')}"
    assert message.found[1] == (
        f"The server redirected the download to {http_server.url('missing.tar.gz')}."
    )


def test_credentials_go_only_to_the_origin_they_were_written_for(
    http_server: FaultyServer, served: str, tmp_path: Path, log: io.StringIO, policy: RetryPolicy
) -> None:
    http_server.fail("/same", Redirect("/other"))
    http_server.fail("/other", Redirect(f"http://localhost:{http_server.port}/python.tar.gz"))
    url = f"http://operator:s3cret@127.0.0.1:{http_server.port}/same"
    _get(http_server, "/same", tmp_path / "f", log, policy, url=url)

    def authorization(path: str) -> list[str | None]:
        return [headers.get("Authorization") for headers in http_server.headers[path]]

    assert authorization("/same") == authorization("/other") != [None]
    assert authorization("/python.tar.gz") == [None]
    assert "s3cret" not in log.getvalue()


def test_a_file_url_that_is_not_a_regular_file_is_refused(tmp_path: Path, log: io.StringIO) -> None:
    fifo = tmp_path / "python.tar.gz"
    os.mkfifo(fifo)
    with pytest.raises(DownloadFailed) as caught:
        download(fifo.as_uri(), tmp_path / "out" / "f", sha256=DIGEST, env={}, output=_output(log))
    assert caught.value.reason == "it is not a regular file"
