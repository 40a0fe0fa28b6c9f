"""A Werkzeug server on a loopback port, in a thread of the test process."""

from __future__ import annotations

import threading

from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server


class LiveServer:
    """Serve ``app`` on 127.0.0.1 with an ephemeral port until :meth:`stop`."""

    def __init__(self, app: Flask, *, threaded: bool = True) -> None:
        self.app = app
        self.threaded = threaded
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> str:
        self._server = make_server("127.0.0.1", 0, self.app, threaded=self.threaded)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="live-server", daemon=True
        )
        self._thread.start()
        return self.base_url

    @property
    def base_url(self) -> str:
        assert self._server is not None, "server not started"
        return f"http://127.0.0.1:{self._server.server_port}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
