"""A loopback TCP proxy that forwards to a server, or blackholes connections.

Blackholed connections are accepted and then never read nor answered: what
a database behind a dropped route looks like to a client. Switching
``forwarding`` affects connections accepted afterwards only, so a client
stuck on an earlier one stays stuck.
"""

from __future__ import annotations

import contextlib
import socket
import threading


class TcpProxy:
    def __init__(self, upstream: tuple[str, int] | None = None) -> None:
        self.upstream = upstream
        self.forwarding = upstream is not None
        self._server = socket.create_server(("127.0.0.1", 0), backlog=512)
        self.port: int = self._server.getsockname()[1]
        self._held: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, name="tcp-proxy", daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:  # closed by close()
                return
            with self._lock:
                self._held.append(client)
            if self.forwarding and self.upstream is not None:
                upstream = socket.create_connection(self.upstream, timeout=5)
                upstream.settimeout(None)
                with self._lock:
                    self._held.append(upstream)
                for source, target in ((client, upstream), (upstream, client)):
                    threading.Thread(target=_pump, args=(source, target), daemon=True).start()

    def close(self) -> None:
        self._server.close()
        with self._lock:
            for connection in self._held:
                connection.close()


def _pump(source: socket.socket, target: socket.socket) -> None:
    with contextlib.suppress(OSError):  # either side closed: stop pumping
        while data := source.recv(65536):
            target.sendall(data)
    for connection in (source, target):
        with contextlib.suppress(OSError):
            connection.shutdown(socket.SHUT_RDWR)
