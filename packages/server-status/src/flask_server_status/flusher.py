"""The per-process flush thread: from the in-memory aggregate to the database.

Started lazily by the first recorded request of a process (so a gunicorn
master that imports the app with ``--preload`` never runs it, and each worker
starts its own). Every ``SERVER_STATUS_FLUSH_INTERVAL_SECONDS`` it drains the
aggregate into a bounded pending buffer, freezes it into a flush batch with
its own id (:mod:`.batches`), writes the batch to the spool (:mod:`.spool`)
and then to the database in one transaction (:func:`~.store.write_flush`),
together with the process's heartbeat. A batch is forgotten only once the
database confirmed it; when the outcome is unknown (the database went away,
perhaps after committing) the same batch is sent again under the same id and
the flush ledger applies it at most once. Counts arriving meanwhile form the
next batch. Requests that do not fit in the bound (``SERVER_STATUS_BUFFER_MAX_BUCKETS``
buckets across all held batches) are counted, logged and dropped; so are
the requests of parts the database rejects (logged once per part).

A process's first flush also replays the spool files of dead processes (a
crash between writing the spool and clearing it).

The app's one at-fork hook (:mod:`.state`) calls
:meth:`Flusher.reset_after_fork`, so a forked child forgets the parent's
batches and thread, and its exit hook calls :meth:`Flusher.stop` so whatever
is left is flushed at interpreter exit (a gunicorn worker reaches it after
SIGTERM). That last flush is retried for a few seconds while the database
fails, as no later tick will; a process killed before it ends (gunicorn's
``--graceful-timeout`` passed, SIGKILL) leaves its unconfirmed batches in its
spool file for the next process to replay.

Test seam: when the environment variable ``FLASK_SERVER_STATUS_TEST_CRASH``
is ``before_commit`` or ``after_commit`` at start-up, the process ends itself
with ``os._exit(CRASH_EXIT_CODE)`` right after writing the spool, or right
after the database committed a batch (before the batch is forgotten). The
crash tests use it to kill a real process at exactly that point; it is never
set in production and does nothing unless set.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from .aggregate import Aggregate, PendingBuffer
from .batches import Batch
from .clock import minute_of, utcnow
from .config import Settings
from .engine import Database
from .instances import Instance
from .ledger import REPLAY_LIMIT
from .routes import RouteRegistry
from .spool import Spool, spool_directory
from .store import FlushResult, Heartbeat, write_flush

logger = logging.getLogger("flask_server_status")

#: How often (in flush time) one process prunes old buckets.
RETENTION_EVERY = timedelta(minutes=10)
#: The longest stretch of minutes one heartbeat marks as covered.
MAX_HEARTBEAT_MINUTES = 7 * 24 * 60
#: How long the last flush (at stop, at interpreter exit) is retried while the
#: database fails: short of Docker's stop timeout (10 s) and gunicorn's default
#: graceful timeout (30 s), which end the process with SIGKILL.
LAST_FLUSH_RETRY_SECONDS = 5.0
CRASH_ENVIRONMENT_KEY = "FLASK_SERVER_STATUS_TEST_CRASH"
CRASH_EXIT_CODE = 75


class Flusher:
    """Owns the flush thread, the held batches and the spool of one app in one process.

    ``spool_root`` is the folder of the crash spools (``None``: no spool); each
    database gets its own folder inside it (:func:`~.spool.spool_directory`).
    ``on_written`` is called after every flush the database confirmed (the
    public answers this process keeps are then out of date).
    """

    def __init__(
        self,
        aggregate: Aggregate,
        database: Database,
        registry: RouteRegistry,
        settings: Settings,
        spool_root: str | None = None,
        on_written: Callable[[], None] = lambda: None,
    ) -> None:
        self.aggregate = aggregate
        self.database = database
        self.registry = registry
        self.settings = settings
        self.on_written = on_written
        self.interval_seconds = settings.flush_interval_seconds
        self.pending = PendingBuffer(settings.buffer_max_buckets)
        #: Batches sent (or about to be sent) whose outcome is not confirmed.
        self.unconfirmed: list[Batch] = []
        self._spool_root = spool_root
        self._crash_point = os.environ.get(CRASH_ENVIRONMENT_KEY)
        self._next_retention: datetime | None = None
        self._flush_lock = threading.Lock()
        self._thread_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._new_process()
        #: True once this process started the thread: only then is there
        #: anything to flush at exit.
        self.started = False

    def _new_process(self) -> None:
        now = utcnow()
        self.instance = Instance.current(now)
        self._covered_from = minute_of(now)
        self._failing = False
        self._recovered = False
        self._reported: set[str] = set()
        self._spool: Spool | None = None
        self._spool_off = self._spool_root is None or not Spool.available()

    @property
    def spool(self) -> Spool | None:
        """This process's spool (made on first use: it needs the engine's URL)."""
        if self._spool is None and not self._spool_off and self._spool_root is not None:
            url = self.database.engine.url.render_as_string(hide_password=True)
            directory = spool_directory(self._spool_root, url)
            self._spool = Spool(directory, self.instance.id)
        return self._spool

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def held_buckets(self) -> int:
        """``(rule, minute)`` buckets waiting for the database, in all held batches."""
        return len(self.pending) + sum(len(batch.buckets) for batch in self.unconfirmed)

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

    def stop(self, *, flush: bool = True, timeout: float = 10.0) -> bool:
        """Stop the thread, then flush what is left (unless ``flush=False``); False if that failed.

        No later tick will retry this last flush, so while the database fails
        it is retried, backing off, for up to :data:`LAST_FLUSH_RETRY_SECONDS`
        (a lock timeout, a deadlock victim, a connection reset: the faults that
        pass). What could still not be written stays in the spool file, which
        the next process of the app on this database replays (logged).
        """
        self._stop.set()
        self.started = False  # nothing left for the exit hook
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        self._thread = None
        if not flush:
            return True
        deadline = time.monotonic() + LAST_FLUSH_RETRY_SECONDS
        pause = 0.05
        while not self.flush(skip_if_empty=True):
            if time.monotonic() + pause > deadline:
                logger.warning(
                    "flask-server-status could not write its last %d buckets before stopping; %s",
                    self.held_buckets,
                    f"the next start replays them from {self._spool.path}"
                    if self._spool is not None
                    else "they are lost (no spool)",
                )
                return False
            time.sleep(pause)
            pause = min(pause * 2, 1.0)
        return True

    def flush(self, now: datetime | None = None, *, skip_if_empty: bool = False) -> bool:
        """Write everything counted so far; returns False if the database failed.

        Safe to call from any thread; ``now`` (naive UTC) overrides the clock
        for incident and retention decisions, for tests with synthetic time.
        A flush with nothing to write still records the heartbeat and resolves
        quiet incidents, unless ``skip_if_empty``.
        """
        with self._flush_lock:
            buckets, errors = self.aggregate.drain()
            held = self.held_buckets - len(self.pending)
            dropped = self.pending.merge(buckets, errors, held=held)
            if skip_if_empty and not self.pending and not self.unconfirmed:
                return True
            if dropped:
                logger.warning(
                    "flask-server-status dropped %d requests: the pending buffer is full "
                    "(%d buckets, %d dropped since start); is the database reachable?",
                    dropped,
                    self.pending.max_buckets,
                    self.pending.dropped,
                )
            moment = now or utcnow()
            if self.pending:
                self.unconfirmed.append(
                    Batch.new(moment, self.pending.buckets, self.pending.errors)
                )
                self.pending.clear()
                self._save_spool()
            try:
                self._recover_orphans(moment)
                result = self._write(moment)
            except Exception as error:
                if not self._failing:
                    logger.warning(
                        "flask-server-status could not write to its database, keeping "
                        "%d buckets in memory and retrying: %s",
                        self.held_buckets,
                        error,
                    )
                self._failing = True
                return False
            if self.unconfirmed:
                self._crash_at("after_commit")
            if self._failing:
                logger.warning("flask-server-status database is reachable again; flushed")
            self._failing = False
            self.unconfirmed = []
            if self._spool is not None:
                self._spool.clear()
            self._report(result)
            self.on_written()
            return True

    def _save_spool(self) -> None:
        spool = self.spool
        if spool is None:
            return
        try:
            spool.save(self.unconfirmed)
        except OSError as error:
            logger.warning(
                "flask-server-status cannot write its spool file %s, continuing without: %s",
                spool.path,
                error,
            )
            self._spool, self._spool_off = None, True
        self._crash_at("before_commit")

    def _crash_at(self, point: str) -> None:
        if self._crash_point == point:  # the test seam described in the module docstring
            os._exit(CRASH_EXIT_CODE)

    def _write(self, now: datetime) -> FlushResult:
        prune = self._next_retention is None or now >= self._next_retention
        current = minute_of(now)
        start = max(self._covered_from, current - MAX_HEARTBEAT_MINUTES)
        result = write_flush(
            self.database.engine,
            self.unconfirmed,
            self.registry.app_routes(),
            now,
            self.settings,
            heartbeat=Heartbeat(self.instance, range(start, current + 1)),
            prune=prune,
        )
        # The next heartbeat covers from this minute on (this one is written).
        self._covered_from = current
        if prune:
            self._next_retention = now + RETENTION_EVERY
        return result

    def _recover_orphans(self, now: datetime) -> None:
        """Replay the spool files of dead processes once, at this process's first flush."""
        spool = self.spool
        if self._recovered or spool is None:
            return
        with spool.orphans() as orphans:
            for path, batches in orphans:
                recent = [batch for batch in batches if now - batch.created_at < REPLAY_LIMIT]
                stale = sum(batch.requests for batch in batches if batch not in recent)
                if stale:
                    self.pending.dropped += stale
                    logger.warning(
                        "flask-server-status dropped %d requests from %s: older than the "
                        "flush ledger, so they may have been stored already",
                        stale,
                        path,
                    )
                result = write_flush(
                    self.database.engine,
                    recent,
                    self.registry.app_routes(),
                    now,
                    self.settings,
                    heartbeat=None,
                    prune=False,
                )
                Spool.remove_orphan(path)
                logger.warning(
                    "flask-server-status replayed %s: %d of %d batches were not stored yet",
                    path,
                    result.applied,
                    len(recent),
                )
                self._report(result)
        self._recovered = True

    def _report(self, result: FlushResult) -> None:
        """Count and log (once per part and process) what the database rejected."""
        self.pending.dropped += result.dropped
        for part, reason in sorted(result.failed.items()):
            if part in self._reported:
                continue
            self._reported.add(part)
            logger.error(
                "flask-server-status cannot store %s, leaving it out of every flush "
                "(%d requests dropped so far): %s",
                part,
                self.pending.dropped,
                reason,
            )

    def _run(self) -> None:
        while True:
            try:
                self.flush()
            except Exception:  # a bug must not end counting for the process
                logger.exception("flask-server-status flush failed unexpectedly")
            if self._stop.wait(self.interval_seconds):
                return

    def reset_after_fork(self) -> None:
        """In a forked child: no thread, fresh locks, nothing held (the parent flushes it)."""
        self._flush_lock = threading.Lock()
        self._thread_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = None
        self.started = False
        self.pending.clear()
        self.unconfirmed = []
        if self._spool is not None:
            self._spool.forget_after_fork()
        self._new_process()
