"""The per-process flush thread: from the in-memory aggregate to the database.

Started lazily by the first recorded request of a process (so a gunicorn
master that imports the app with ``--preload`` never runs it, and each worker
starts its own). Every ``SERVER_STATUS_FLUSH_INTERVAL_SECONDS`` it drains the
aggregate into a bounded pending buffer and writes the buffer in one
transaction (:func:`~.store.write_flush`). When the database is unreachable
the buffer is kept and retried on the next tick; requests that do not fit in
the buffer are counted, logged and dropped. The app's one at-fork hook
(:mod:`.state`) calls :meth:`Flusher.reset_after_fork`, so a forked child
forgets the parent's buffer and thread, and its exit hook calls
:meth:`Flusher.stop` so whatever is left is flushed at interpreter exit.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from .aggregate import Aggregate, PendingBuffer
from .clock import utcnow
from .config import Settings
from .engine import Database
from .routes import RouteRegistry
from .store import write_flush

logger = logging.getLogger("flask_server_status")

#: How often (in flush time) one process prunes old buckets.
RETENTION_EVERY = timedelta(minutes=10)


class Flusher:
    """Owns the flush thread and the pending buffer of one app in one process."""

    def __init__(
        self,
        aggregate: Aggregate,
        database: Database,
        registry: RouteRegistry,
        settings: Settings,
    ) -> None:
        self.aggregate = aggregate
        self.database = database
        self.registry = registry
        self.settings = settings
        self.interval_seconds = settings.flush_interval_seconds
        self.pending = PendingBuffer(settings.buffer_max_buckets)
        self._next_retention: datetime | None = None
        self._flush_lock = threading.Lock()
        self._thread_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._failing = False
        #: True once this process started the thread: only then is there
        #: anything to flush at exit.
        self.started = False

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
                self._write(now or utcnow())
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

    def _write(self, now: datetime) -> None:
        prune = self._next_retention is None or now >= self._next_retention
        write_flush(
            self.database.engine,
            self.pending,
            self.registry.app_routes(),
            now,
            self.settings,
            prune=prune,
        )
        if prune:
            self._next_retention = now + RETENTION_EVERY

    def _run(self) -> None:
        while True:
            try:
                self.flush()
            except Exception:  # a bug must not end counting for the process
                logger.exception("flask-server-status flush failed unexpectedly")
            if self._stop.wait(self.interval_seconds):
                return

    def reset_after_fork(self) -> None:
        """In a forked child: no thread, fresh locks, nothing pending (the parent flushes it)."""
        self._flush_lock = threading.Lock()
        self._thread_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = None
        self._failing = False
        self.started = False
        self.pending.clear()
