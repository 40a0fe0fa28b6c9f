"""Per-app state: ``app.extensions["server_status"]`` is a :class:`StatusState`.

It ties together the settings, the database engine, the request recorder
and the flush thread of one app, so several apps in one process never share
counts or connections. The web layer reads everything it needs from here:

- ``state.settings`` (:class:`~.config.Settings`): prefixes, API secret, page
  title, ``routes`` restriction, incident settings.
- ``state.engine``: the SQLAlchemy engine (getting it does no I/O; the
  schema is upgraded on the first connection when ``SERVER_STATUS_AUTO_MIGRATE``
  is on). Tables are in ``models``;
  routes to show are the rows of ``server_status_routes`` with ``deleted_at``
  NULL (and, when ``settings.routes`` is set, a rule in it).
- ``state.flush(now=None)``: write what was counted so far (tests, shutdown).
- ``state.dropped_requests``: requests this process had to drop during a
  database outage (also logged).
- ``state.rename_route(rule, name, doc)`` and ``state.delete_route(rule)``: the
  admin operations, raising :class:`~.routes.UnknownRouteError` for a rule the
  app does not know.
"""

from __future__ import annotations

import os
import threading
import weakref
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app

from . import migrate
from .aggregate import FAILURES, Aggregate, PendingBuffer
from .automatic_incidents import RouteFailures, update_automatic_incidents
from .capture import Recorder
from .clock import minute_start, utcnow
from .config import Settings
from .engine import resolve_engine
from .flusher import Flusher
from .routes import (
    RouteInfo,
    app_routes,
    delete_route,
    rename_route,
    rule_filter,
    sync_routes,
)
from .store import add_counts, apply_retention

EXTENSION_KEY = "server_status"
#: How often (in flush time) one process prunes old buckets.
RETENTION_EVERY = timedelta(minutes=10)


class StatusState:
    """Everything flask-server-status keeps for one app."""

    def __init__(self, app: Flask, settings: Settings) -> None:
        #: The app (a reference cycle through app.extensions, which the garbage
        #: collector handles): the flush thread needs its URL rules and names.
        self.app = app
        self.settings = settings
        self.should_record = rule_filter(settings)
        self.aggregate = Aggregate()
        self.flusher = Flusher(
            self.aggregate,
            self._write,
            interval_seconds=settings.flush_interval_seconds,
            max_buckets=settings.buffer_max_buckets,
        )
        self.recorder = Recorder(settings, self.aggregate, self.should_record, self.flusher.start)
        self._engine: sa.Engine | None = None
        self._owns_engine = False
        self._schema_ready = False
        self._engine_lock = threading.RLock()
        self._migrating = _Migrating()
        self._next_retention: datetime | None = None
        reference = weakref.ref(self)
        os.register_at_fork(after_in_child=lambda: _after_fork(reference))

    @property
    def engine(self) -> sa.Engine:
        """The SQLAlchemy engine; getting it does no I/O.

        With ``SERVER_STATUS_AUTO_MIGRATE`` on (the default) the first
        connection made through it in a process upgrades the schema first
        (under a cross-process lock), so readers and the flush thread always
        find the tables.
        """
        with self._engine_lock:
            if self._engine is None:
                self._engine, self._owns_engine = resolve_engine(self.app, self.settings)
                if self.settings.auto_migrate:
                    sa.event.listen(self._engine, "engine_connect", self._ensure_schema)
            return self._engine

    def disable_auto_migrate(self) -> None:
        """Never upgrade automatically in this process (the ``db`` CLI commands)."""
        self._schema_ready = True

    def _ensure_schema(self, _connection: sa.Connection) -> None:
        # Runs on every connection of the engine (also the host's, when shared
        # with Flask-SQLAlchemy): the common case must cost one attribute read.
        if self._schema_ready or self._migrating.active:
            return
        with self._engine_lock:
            if self._schema_is_ready():
                return
            self._migrating.active = True
            try:
                migrate.upgrade(self.engine)
            finally:
                self._migrating.active = False
            self._schema_ready = True

    def _schema_is_ready(self) -> bool:
        # Re-read under the lock (another thread may have just upgraded); a method
        # so type checkers do not narrow it to the value read before the lock.
        return self._schema_ready

    def flush(self, now: datetime | None = None) -> bool:
        """Write everything counted so far; False when the database could not be reached."""
        return self.flusher.flush(now)

    @property
    def dropped_requests(self) -> int:
        """Requests this process could not keep while the database was unreachable."""
        return self.flusher.pending.dropped

    def app_routes(self) -> dict[str, RouteInfo]:
        """The app's recorded rules with their docstring names."""
        return app_routes(self.app, self.should_record, unmatched=self.settings.record_unmatched)

    def rename_route(self, rule: str, name: str, doc: str | None) -> dict[str, Any]:
        """Rename (and re-add if deleted) the route of ``rule``; returns its row.

        ``doc=None`` keeps the stored description. Raises
        :class:`~.routes.UnknownRouteError` for a rule the app does not know.
        """
        with self.engine.begin() as connection:
            return rename_route(connection, rule, name, doc, self.app_routes().get(rule), utcnow())

    def delete_route(self, rule: str) -> dict[str, Any]:
        """Delete the route's history; its traffic is ignored until re-added.

        Returns the tombstoned row; raises :class:`~.routes.UnknownRouteError`
        when no live route has ``rule``.
        """
        with self.engine.begin() as connection:
            return delete_route(connection, rule, utcnow())

    def _write(self, pending: PendingBuffer, now: datetime | None) -> None:
        now = now or utcnow()
        infos = self.app_routes()
        for rule, _minute in pending.buckets:
            infos.setdefault(rule, RouteInfo("", rule, ""))
        with self.engine.begin() as connection:
            live = sync_routes(connection, infos, now)
            counts: dict[tuple[int, int], list[float]] = {}
            failures: dict[int, RouteFailures] = {}
            for (rule, minute), counters in pending.buckets.items():
                route = live.get(rule)
                if route is None:
                    continue  # deleted by an admin: ignored until re-added
                counts[(route.id, minute)] = counters
                if counters[FAILURES]:
                    failed_at = min(now, minute_start(minute) + timedelta(minutes=1))
                    seen = failures.get(route.id)
                    if seen is None or seen.last_failure_at < failed_at:
                        failures[route.id] = RouteFailures(
                            route.name, failed_at, pending.errors.get(rule)
                        )
            add_counts(connection, counts)
            update_automatic_incidents(connection, failures, now, self.settings)
            if self._next_retention is None or now >= self._next_retention:
                apply_retention(connection, now, self.settings)
                self._next_retention = now + RETENTION_EVERY

    def _after_fork_in_child(self) -> None:
        self._engine_lock = threading.RLock()
        self.recorder.reset_after_fork()
        if self._engine is not None and self._owns_engine:
            # Connections inherited from the parent must not be used by the child.
            self._engine.dispose(close=False)


class _Migrating(threading.local):
    active = False


def _after_fork(reference: weakref.ref[StatusState]) -> None:
    state = reference()
    if state is not None:
        state._after_fork_in_child()


def get_state(app: Flask | None = None) -> StatusState:
    """The :class:`StatusState` of ``app`` (default: the current app)."""
    target = app if app is not None else current_app
    try:
        state: StatusState = target.extensions[EXTENSION_KEY]
    except KeyError:
        raise RuntimeError("FlaskStatus is not initialised on this app") from None
    return state
