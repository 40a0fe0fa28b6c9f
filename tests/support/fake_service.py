"""A controllable HTTP service on loopback that plays a remote dependency."""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# A hanging request is released at teardown at the latest, so no test can
# leave a thread behind for longer than this.
HANG_LIMIT_SECONDS = 60.0
# How often the server loop looks for shutdown: tests stop many services each.
SHUTDOWN_POLL_SECONDS = 0.05


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]


@dataclass
class FakeService:
    """Answer every request with ``status`` and ``body`` after ``delay`` seconds.

    Attributes may be changed while the service runs. :meth:`hang` makes
    requests wait without answering until :meth:`release` or :meth:`stop`.
    ``routes`` maps a path to its own ``(status, body)`` and overrides the
    defaults for that path.
    """

    status: int = 200
    body: Any = field(default_factory=lambda: {"status": "UP"})
    delay: float = 0.0
    content_type: str = "application/json"
    routes: dict[str, tuple[int, Any]] = field(default_factory=dict)
    requests: list[RecordedRequest] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._released = threading.Event()
        self._released.set()
        self._lock = threading.Lock()

    # -- control ---------------------------------------------------------------
    def hang(self) -> None:
        """Accept connections but never answer (until :meth:`release`)."""
        self._released.clear()

    def release(self) -> None:
        self._released.set()

    @property
    def url(self) -> str:
        assert self._server is not None, "service not started"
        return f"http://127.0.0.1:{self._server.server_port}"

    @property
    def host_port(self) -> str:
        """``127.0.0.1:<port>``, the bare form dependency configs accept."""
        assert self._server is not None, "service not started"
        return f"127.0.0.1:{self._server.server_port}"

    @property
    def request_count(self) -> int:
        with self._lock:
            return len(self.requests)

    # -- lifecycle ---------------------------------------------------------------
    def start(self) -> None:
        service = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self) -> None:
                with service._lock:
                    service.requests.append(
                        RecordedRequest(self.command, self.path, dict(self.headers.items()))
                    )
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                service._released.wait(HANG_LIMIT_SECONDS)
                if service.delay:
                    time.sleep(service.delay)
                path = self.path.split("?", 1)[0]
                status, body = service.routes.get(path, (service.status, service.body))
                payload = body.encode() if isinstance(body, str) else json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", service.content_type)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting, as timeouts are meant to

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _answer

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": SHUTDOWN_POLL_SECONDS},
            name="fake-service",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        self._released.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)


def free_port() -> int:
    """A loopback port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def refused_url() -> str:
    """An http URL on loopback where nothing listens."""
    return f"http://127.0.0.1:{free_port()}"
