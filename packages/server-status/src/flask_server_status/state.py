"""Per-app state: ``app.extensions["server_status"]`` is a :class:`StatusState`.

It owns the parts of one app, so several apps in one process never share
counts or connections, and wires them once, at ``init_app``:

    request -> Recorder (capture) -> Aggregate -> Flusher -> store.write_flush
            -> status database -> reports -> web

- ``state.settings`` (:class:`~.config.Settings`): read once at ``init_app``.
- ``state.registry`` (:class:`~.routes.RouteRegistry`): which rules are
  recorded and what the app says about them.
- ``state.engine``: the SQLAlchemy engine of ``state.database``
  (:class:`~.engine.Database`; getting it does no I/O, the schema is upgraded
  on the first connection when ``SERVER_STATUS_AUTO_MIGRATE`` is on).
- ``state.flush(now=None)``: write what was counted so far (tests, shutdown).
- ``state.answers`` (:class:`~.shared_answers.SharedAnswers`): the public
  answers this process keeps for ``SERVER_STATUS_PAGE_CACHE_SECONDS``,
  forgotten after each of its flushes and admin writes.
- ``state.dropped_requests``: requests this process had to drop during a
  database outage (also logged).
- ``state.rename_route(rule, name, doc)`` and ``state.delete_route(rule)``: the
  admin operations on routes, raising :class:`~.routes.UnknownRouteError` for
  a rule the app does not know.

One ``os.register_at_fork`` hook per app resets everything a forked child
must not inherit (the recorder's started flag, the aggregate, the flusher and
the engine's connections); one ``atexit`` hook flushes what is left.
"""

from __future__ import annotations

import atexit
import os
import weakref
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app

from .aggregate import Aggregate
from .capture import Recorder
from .clock import utcnow
from .config import Settings
from .engine import Database
from .flusher import Flusher
from .routes import RouteInfo, RouteRegistry, delete_route, rename_route
from .shared_answers import SharedAnswers

EXTENSION_KEY = "server_status"


class StatusState:
    """Everything flask-server-status keeps for one app."""

    def __init__(self, app: Flask, settings: Settings) -> None:
        #: The app (a reference cycle through app.extensions, which the garbage
        #: collector handles): the flush thread needs its URL rules and names.
        self.app = app
        self.settings = settings
        self.registry = RouteRegistry(app, settings)
        self.database = Database(app, settings)
        self.aggregate = Aggregate()
        self.answers = SharedAnswers(settings.page_cache_seconds)
        self.flusher = Flusher(
            self.aggregate,
            self.database,
            self.registry,
            settings,
            spool_folder(app, settings),
            on_written=self.answers.invalidate,
        )
        self.recorder = Recorder(
            settings, self.aggregate, self.registry.should_record, self.flusher
        )
        _register_process_hooks(self)

    @property
    def engine(self) -> sa.Engine:
        """The SQLAlchemy engine (see :attr:`.engine.Database.engine`)."""
        return self.database.engine

    def disable_auto_migrate(self) -> None:
        """Never upgrade automatically in this process (the ``db`` CLI commands)."""
        self.database.disable_auto_migrate()

    def flush(self, now: datetime | None = None) -> bool:
        """Write everything counted so far; False when the database could not be reached."""
        return self.flusher.flush(now)

    @property
    def dropped_requests(self) -> int:
        """Requests this process could not keep while the database was unreachable."""
        return self.flusher.pending.dropped

    def app_routes(self) -> dict[str, RouteInfo]:
        """The app's recorded rules with their docstring names."""
        return self.registry.app_routes()

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

    def reset_after_fork(self) -> None:
        """In a forked child: forget the parent's counts, thread and connections."""
        self.recorder.reset_after_fork()
        self.aggregate.reset_after_fork()
        self.flusher.reset_after_fork()
        self.database.reset_after_fork()
        self.answers.reset_after_fork()


def spool_folder(app: Flask, settings: Settings) -> str | None:
    """The folder of this app's crash spools (``None`` when turned off).

    Nothing is created here: the flusher makes it on its first batch.
    """
    if settings.spool_dir is False:
        return None
    if isinstance(settings.spool_dir, str):
        return settings.spool_dir
    return os.path.join(app.instance_path, "server_status_spool")


def _register_process_hooks(state: StatusState) -> None:
    # Weak references: the hooks must not keep a discarded app alive.
    reference = weakref.ref(state)

    def after_fork_in_child() -> None:
        alive = reference()
        if alive is not None:
            alive.reset_after_fork()

    def at_exit() -> None:
        alive = reference()
        if alive is not None and alive.flusher.started:
            alive.flusher.stop(flush=True)

    os.register_at_fork(after_in_child=after_fork_in_child)
    atexit.register(at_exit)


def get_state(app: Flask | None = None) -> StatusState:
    """The :class:`StatusState` of ``app`` (default: the current app)."""
    target = app if app is not None else current_app
    try:
        state: StatusState = target.extensions[EXTENSION_KEY]
    except KeyError:
        raise RuntimeError("FlaskStatus is not initialised on this app") from None
    return state
