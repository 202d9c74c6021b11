"""A threaded HTTP server on 127.0.0.1 serving a directory, with faults injected per path.

Faults are queued per path and consumed one per request, so "fail twice, then succeed" is
`server.fail("/a.tar.gz", Status(503), Status(503))`; `server.always(path, fault)` answers
every request of a path with the same fault (a redirect loop). Every GET is counted per path,
and its headers are kept, so a test can assert that a reused layer made no request at all, or
that credentials did not follow a redirect to another origin.
"""

from __future__ import annotations

import socket
import ssl
import struct
import sys
import threading
from collections import Counter, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit


@dataclass(frozen=True)
class Status:
    """Answer with this status (and headers) instead of the file."""

    code: int
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Reset:
    """Close the connection with a TCP reset, after `after_bytes` of the body (0: before any
    response at all)."""

    after_bytes: int = 0


@dataclass(frozen=True)
class Stall:
    """Send the headers and `after_bytes` of the body, then go silent for `seconds`."""

    seconds: float
    after_bytes: int = 0


@dataclass(frozen=True)
class Truncate:
    """Announce the full Content-Length but send only `after_bytes`, then close."""

    after_bytes: int


@dataclass(frozen=True)
class Corrupt:
    """Send the full length with one byte flipped at `offset`."""

    offset: int = 1000


@dataclass(frozen=True)
class Trickle:
    """Announce the full Content-Length, then send `chunk` bytes every `interval` seconds."""

    interval: float
    chunk: int = 1


@dataclass(frozen=True)
class Endless:
    """Answer 200 without a Content-Length and send `chunk`-byte blocks until the client
    hangs up (a body with no end)."""

    chunk: int = 64 * 1024


@dataclass(frozen=True)
class Redirect:
    """Answer with a redirect to `location` (absolute, or a path on this server)."""

    location: str
    status: int = 302


Fault = Status | Reset | Stall | Truncate | Corrupt | Trickle | Endless | Redirect


class _QuietServer(ThreadingHTTPServer):
    """A client that hangs up early (a download test that stops reading, a killed build) is
    what the fault tests provoke: socketserver would print a traceback for it as noise."""

    def handle_error(
        self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any
    ) -> None:
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


class FaultyServer:
    def __init__(self, root: Path, tls: ssl.SSLContext | None = None) -> None:
        """`tls`: serve https with this context (e.g. `tests.support.tls`)."""
        self.root = root
        self.scheme = "https" if tls else "http"
        self.requests: Counter[str] = Counter()
        self._faults: dict[str, deque[Fault]] = {}
        self._always: dict[str, Fault] = {}
        self.headers: dict[str, list[dict[str, str]]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._httpd = _QuietServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False
        if tls is not None:
            self._httpd.socket = tls.wrap_socket(self._httpd.socket, server_side=True)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def url(self, name: str) -> str:
        return f"{self.base_url}/{name}"

    def fail(self, path: str, *faults: Fault) -> None:
        """Queue faults for the next requests of `path` (e.g. "/x.tar.gz")."""
        with self._lock:
            self._faults.setdefault(path, deque()).extend(faults)

    def always(self, path: str, fault: Fault) -> None:
        """Answer every request of `path` with `fault`, after any queued ones."""
        with self._lock:
            self._always[path] = fault

    def count(self, path: str) -> int:
        with self._lock:
            return self.requests[path]

    def total_requests(self) -> int:
        with self._lock:
            return sum(self.requests.values())

    def reset_counts(self) -> None:
        with self._lock:
            self.requests.clear()
            self._faults.clear()
            self._always.clear()
            self.headers.clear()

    def _next(self, path: str, headers: dict[str, str]) -> Fault | None:
        with self._lock:
            self.requests[path] += 1
            self.headers.setdefault(path, []).append(headers)
            queue = self._faults.get(path)
            return queue.popleft() if queue else self._always.get(path)

    def start(self) -> FaultyServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> FaultyServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


def _handler_for(server: FaultyServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        content_type = ""

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            path = unquote(urlsplit(self.path).path)
            fault = server._next(path, dict(self.headers.items()))
            target = (server.root / path.lstrip("/")).resolve()
            if target.is_dir():  # a simple-index page: `<project>/index.html`
                target = target / "index.html"
            if isinstance(fault, Status):
                self._status(fault)
                return
            if isinstance(fault, Redirect):
                self._status(Status(fault.status, {"Location": fault.location}))
                return
            if isinstance(fault, Endless):
                self._endless(fault)
                return
            if isinstance(fault, Reset) and fault.after_bytes == 0:
                self._reset()
                return
            if not target.is_file() or server.root.resolve() not in target.parents:
                self._status(Status(404))
                return
            self.content_type = "text/html" if target.suffix == ".html" else ""
            self._send_file(target.read_bytes(), fault)

        def do_HEAD(self) -> None:
            path = unquote(urlsplit(self.path).path)
            server._next(path, dict(self.headers.items()))
            self.send_response(200 if (server.root / path.lstrip("/")).exists() else 404)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _status(self, fault: Status) -> None:
            body = f"status {fault.code}\n".encode()
            self.send_response(fault.code)
            for name, value in fault.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _endless(self, fault: Endless) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            block = b"x" * fault.chunk
            while not server._stop.is_set():
                self.wfile.write(block)

        def _reset(self) -> None:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()

        def _send_file(self, data: bytes, fault: Fault | None) -> None:
            if isinstance(fault, Corrupt):
                flipped = bytearray(data)
                flipped[fault.offset % len(data)] ^= 0xFF
                data = bytes(flipped)
            self.send_response(200)
            self.send_header("Content-Type", self.content_type or "application/octet-stream")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if isinstance(fault, Trickle):
                for start in range(0, len(data), fault.chunk):
                    self.wfile.write(data[start : start + fault.chunk])
                    self.wfile.flush()
                    if server._stop.wait(fault.interval):
                        break
                return
            if isinstance(fault, (Reset, Stall, Truncate)):
                self.wfile.write(data[: fault.after_bytes])
                self.wfile.flush()
                if isinstance(fault, Stall):
                    server._stop.wait(fault.seconds)
                if isinstance(fault, Reset):
                    self._reset()
                else:
                    self.close_connection = True
                return
            self.wfile.write(data)

    return Handler
