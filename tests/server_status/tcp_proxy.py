"""A loopback TCP proxy that can be cut and restored: a database going away.

Pointing the extension at the proxy instead of the database lets a test take
the database away mid-run (:meth:`TcpProxy.cut`: live connections are reset
and new ones refused) and bring it back (:meth:`TcpProxy.restore`) without
touching the real server. :meth:`TcpProxy.lose_next_commit_ack` makes it
forward the next ``COMMIT`` (as the server's protocol carries it), wait for
the server's answer (so the transaction *is* committed) and cut that
connection instead of delivering the answer: a lost acknowledgement.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable

from sqlalchemy.engine import make_url

from tests.support.fake_service import free_port


class TcpProxy:
    """Forward 127.0.0.1:``port`` to ``target`` until cut."""

    def __init__(self, target_host: str, target_port: int, commit_message: bytes) -> None:
        self.target = (target_host, target_port)
        self.commit_message = commit_message
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._connections: list[socket.socket] = []
        self._lock = threading.Lock()
        self._lose_commit_ack = threading.Event()
        #: Acknowledgements of COMMIT swallowed so far.
        self.lost_acks = 0

    def url_for(self, database_url: str) -> str:
        """``database_url`` with its host and port replaced by the proxy's."""
        url = make_url(database_url).set(host="127.0.0.1", port=self.port)
        return url.render_as_string(hide_password=False)

    def start(self) -> TcpProxy:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return self

    restore = start

    def cut(self) -> None:
        """Refuse new connections and reset every open one."""
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        with self._lock:
            connections, self._connections = self._connections, []
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
            connection.close()

    stop = cut

    def lose_next_commit_ack(self) -> None:
        """Swallow the server's answer to the next ``COMMIT`` and cut its connection."""
        self._lose_commit_ack.set()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _address = listener.accept()
            except OSError:
                return  # cut
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._connections += [client, upstream]
            committing = threading.Event()
            threading.Thread(
                target=self._pump_requests, args=(client, upstream, committing), daemon=True
            ).start()
            threading.Thread(
                target=self._pump_answers, args=(upstream, client, committing), daemon=True
            ).start()

    def _pump_requests(
        self, source: socket.socket, sink: socket.socket, committing: threading.Event
    ) -> None:
        """Client to server; marks the connection when it carries an armed COMMIT."""

        def watch(data: bytes) -> None:
            if self._lose_commit_ack.is_set() and self.commit_message in data:
                self._lose_commit_ack.clear()
                committing.set()

        _pump(source, sink, watch)

    def _pump_answers(
        self, source: socket.socket, sink: socket.socket, committing: threading.Event
    ) -> None:
        """Server to client; after an armed COMMIT, swallows the answer and cuts."""

        def watch(data: bytes) -> None:
            if committing.is_set():
                self.lost_acks += 1
                raise _CutError

        _pump(source, sink, watch, before_send=True)


#: ``COMMIT`` as each database's protocol carries it, by SQLAlchemy backend name.
#: PostgreSQL: a simple-protocol Query (psycopg 3.2) or the Parse of the extended
#: protocol (older psycopg 3.1), both NUL-terminated. MySQL / MariaDB: PyMySQL's
#: ``commit()``, a COM_QUERY packet (length 7, sequence 0, command 3, the text).
COMMIT_MESSAGES = {
    "postgresql": b"COMMIT\x00",
    "mysql": b"\x07\x00\x00\x00\x03COMMIT",
    "mariadb": b"\x07\x00\x00\x00\x03COMMIT",
}


class _CutError(Exception):
    """Raised by a watcher to cut the connection instead of forwarding."""


def _pump(
    source: socket.socket,
    sink: socket.socket,
    watch: Callable[[bytes], None] | None = None,
    *,
    before_send: bool = False,
) -> None:
    try:
        while data := source.recv(65536):
            if watch is not None and before_send:
                watch(data)
            sink.sendall(data)
            if watch is not None and not before_send:
                watch(data)
    except (OSError, _CutError):
        pass
    finally:
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
