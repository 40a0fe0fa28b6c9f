"""The per-process flush thread: from the in-memory aggregate to the database.

Started lazily by the first recorded request of a process (so a gunicorn
master that imports the app with ``--preload`` never runs it, and each worker
starts its own). Every ``SERVER_STATUS_FLUSH_INTERVAL_SECONDS`` it drains the
aggregate into a bounded pending buffer and writes the buffer in one
transaction. When the database is unreachable the buffer is kept and retried
on the next tick; requests that do not fit in the buffer are counted, logged
and dropped. A forked child forgets the parent's counts and thread. At
interpreter exit (``atexit``, which gunicorn workers reach after a graceful
SIGTERM shutdown) whatever is left is flushed.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import weakref
from collections.abc import Callable
from datetime import datetime

from .aggregate import Aggregate, PendingBuffer

logger = logging.getLogger("flask_server_status")

#: Writes a pending buffer to the database at ``now``; raises when it cannot.
WriteFunction = Callable[[PendingBuffer, datetime | None], None]


class Flusher:
    """Owns the flush thread and the pending buffer of one app in one process."""

    def __init__(
        self,
        aggregate: Aggregate,
        write: WriteFunction,
        *,
        interval_seconds: float,
        max_buckets: int,
    ) -> None:
        self.aggregate = aggregate
        self.interval_seconds = interval_seconds
        self.pending = PendingBuffer(max_buckets)
        self._write = write
        self._flush_lock = threading.Lock()
        self._thread_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._failing = False
        #: True once this process started the thread: only then is there
        #: anything to flush at exit.
        self.started = False
        self._register_process_hooks()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start the flush thread of this process if it is not running."""
        with self._thread_lock:
            if self.running:
                return
            self._stop.clear()
            self.started = True
            self._thread = threading.Thread(
                target=self._run, name="flask-server-status-flush", daemon=True
            )
            self._thread.start()

    def stop(self, *, flush: bool = True, timeout: float = 10.0) -> None:
        """Stop the thread, then flush what is left (unless ``flush=False``)."""
        self._stop.set()
        self.started = False  # nothing left for the exit hook
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        self._thread = None
        if flush:
            self.flush(skip_if_empty=True)

    def flush(self, now: datetime | None = None, *, skip_if_empty: bool = False) -> bool:
        """Write everything counted so far; returns False if the database failed.

        Safe to call from any thread; ``now`` (naive UTC) overrides the clock
        for incident and retention decisions, for tests with synthetic time.
        A flush with nothing to write still resolves quiet incidents, unless
        ``skip_if_empty``.
        """
        with self._flush_lock:
            buckets, errors = self.aggregate.drain()
            dropped = self.pending.merge(buckets, errors)
            if skip_if_empty and not self.pending:
                return True
            if dropped:
                logger.warning(
                    "flask-server-status dropped %d requests: the pending buffer is full "
                    "(%d buckets, %d dropped since start); is the database reachable?",
                    dropped,
                    self.pending.max_buckets,
                    self.pending.dropped,
                )
            try:
                self._write(self.pending, now)
            except Exception as error:
                if not self._failing:
                    logger.warning(
                        "flask-server-status could not write to its database, keeping "
                        "%d buckets in memory and retrying: %s",
                        len(self.pending),
                        error,
                    )
                self._failing = True
                return False
            if self._failing:
                logger.warning("flask-server-status database is reachable again; flushed")
            self._failing = False
            self.pending.clear()
            return True

    def _run(self) -> None:
        while True:
            try:
                self.flush()
            except Exception:  # a bug must not end counting for the process
                logger.exception("flask-server-status flush failed unexpectedly")
            if self._stop.wait(self.interval_seconds):
                return

    def _after_fork_in_child(self) -> None:
        self._flush_lock = threading.Lock()
        self._thread_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = None
        self._failing = False
        self.started = False
        self.pending.clear()
        self.aggregate.reset_after_fork()

    def _register_process_hooks(self) -> None:
        # Weak references: the hooks must not keep a discarded app alive.
        reference = weakref.ref(self)

        def after_fork() -> None:
            flusher = reference()
            if flusher is not None:
                flusher._after_fork_in_child()

        def at_exit() -> None:
            flusher = reference()
            if flusher is not None and flusher.started:
                flusher.stop(flush=True)

        os.register_at_fork(after_in_child=after_fork)
        atexit.register(at_exit)
