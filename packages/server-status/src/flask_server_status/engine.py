"""The status database of one app: choosing, creating and upgrading its engine.

:class:`Database` hands out the engine lazily (no I/O at ``init_app``) and,
with ``SERVER_STATUS_AUTO_MIGRATE`` on, upgrades the schema on the first
connection of a process. Which engine:

``SERVER_STATUS_DATABASE_URI``; else the app's Flask-SQLAlchemy engine
(``SERVER_STATUS_SQLALCHEMY_BIND`` picks a bind key) when Flask-SQLAlchemy is
initialised on the app before this extension; else ``SQLALCHEMY_DATABASE_URI``;
else a SQLite file ``server_status.db`` in the app's instance folder.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.engine import make_url

from . import migrate
from .config import ConfigError, Settings, check_database_uri
from .models import MYSQL_BACKENDS

SQLITE_BUSY_TIMEOUT_SECONDS = 30.0
#: Seconds to wait for a PostgreSQL, MySQL or MariaDB server to accept a connection.
CONNECT_TIMEOUT_SECONDS = 5


class Database:
    """The engine of one app, created on first use, its schema kept at head."""

    def __init__(self, app: Flask, settings: Settings) -> None:
        self._app = app
        self._settings = settings
        self._engine: sa.Engine | None = None
        self._owns_engine = False
        self._schema_ready = False
        self._lock = threading.RLock()
        self._migrating = _Migrating()

    @property
    def engine(self) -> sa.Engine:
        """The SQLAlchemy engine; getting it does no I/O.

        With ``SERVER_STATUS_AUTO_MIGRATE`` on (the default) the first
        connection made through it in a process upgrades the schema first
        (under a cross-process lock), so readers and the flush thread always
        find the tables.
        """
        with self._lock:
            if self._engine is None:
                self._engine, self._owns_engine = resolve_engine(self._app, self._settings)
                if self._settings.auto_migrate:
                    sa.event.listen(self._engine, "engine_connect", self._ensure_schema)
            return self._engine

    def disable_auto_migrate(self) -> None:
        """Never upgrade automatically in this process (the ``db`` CLI commands)."""
        self._schema_ready = True

    def reset_after_fork(self) -> None:
        """In a forked child: a fresh lock, and no connection inherited from the parent."""
        self._lock = threading.RLock()
        if self._engine is not None and self._owns_engine:
            self._engine.dispose(close=False)

    def _ensure_schema(self, _connection: sa.Connection) -> None:
        # Runs on every connection of the engine (also the host's, when shared
        # with Flask-SQLAlchemy): the common case must cost one attribute read.
        if self._schema_ready or self._migrating.active:
            return
        with self._lock:
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


class _Migrating(threading.local):
    active = False


def resolve_engine(app: Flask, settings: Settings) -> tuple[sa.Engine, bool]:
    """Return ``(engine, owned)``; ``owned`` is False for the host's shared engine."""
    if settings.database_uri:
        return create_engine(settings.database_uri, key="SERVER_STATUS_DATABASE_URI"), True
    shared = _flask_sqlalchemy_engine(app, settings.sqlalchemy_bind)
    if shared is not None:
        return shared, False
    uri = app.config.get("SQLALCHEMY_DATABASE_URI")
    if uri:
        return create_engine(str(uri), key="SQLALCHEMY_DATABASE_URI"), True
    os.makedirs(app.instance_path, exist_ok=True)
    path = os.path.join(app.instance_path, "server_status.db")
    return create_engine(f"sqlite:///{path}", key="SERVER_STATUS_DATABASE_URI"), True


def check_engine_settings(app: Flask, settings: Settings) -> None:
    """Raise :class:`ConfigError` naming the key if the engine could not be resolved as set now.

    Called at ``init_app`` so that a bad database URL or bind key stops the
    app at start-up rather than surfacing as flush warnings. Creates no
    engine and does no I/O. A Flask-SQLAlchemy extension initialised after
    FlaskStatus is still honoured when the engine is first needed.
    """
    if settings.database_uri:
        return  # validated with the other settings
    if "sqlalchemy" in app.extensions or settings.sqlalchemy_bind is not None:
        _flask_sqlalchemy_engine(app, settings.sqlalchemy_bind)
        return
    uri = app.config.get("SQLALCHEMY_DATABASE_URI")
    if uri:
        check_database_uri("SQLALCHEMY_DATABASE_URI", str(uri))


def _flask_sqlalchemy_engine(app: Flask, bind: str | None) -> sa.Engine | None:
    extension = app.extensions.get("sqlalchemy")
    if extension is None:
        if bind is not None:
            raise ConfigError(
                "SERVER_STATUS_SQLALCHEMY_BIND",
                "needs Flask-SQLAlchemy initialised on the app before FlaskStatus",
            )
        return None
    with app.app_context():
        engines: dict[str | None, sa.Engine] = extension.engines
    if bind not in engines:
        raise ConfigError(
            "SERVER_STATUS_SQLALCHEMY_BIND", f"no Flask-SQLAlchemy bind named {bind!r}"
        )
    return engines[bind]


def create_engine(uri: str, *, key: str) -> sa.Engine:
    """Create an engine for ``uri`` tuned for many writer processes.

    SQLite gets WAL journaling (readers never block the writer) and a busy
    timeout so concurrent gunicorn workers wait for the write lock instead of
    failing; PostgreSQL, MySQL and MariaDB get a connect timeout so an
    unreachable server costs the flush thread seconds, not minutes. MySQL and
    MariaDB connections use the ``utf8mb4`` character set (MySQL's ``utf8``
    cannot hold characters outside the Basic Multilingual Plane) unless the
    URL names one. ``key`` names the config key in errors.
    """
    url = make_url(check_database_uri(key, uri))
    options: dict[str, Any] = {"pool_pre_ping": True}
    backend = url.get_backend_name()
    if backend == "sqlite":
        options["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_SECONDS}
    elif "connect_timeout" not in url.query:
        options["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT_SECONDS}
    if backend in MYSQL_BACKENDS and "charset" not in url.query:
        options.setdefault("connect_args", {})["charset"] = "utf8mb4"
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    engine = sa.create_engine(url, **options)
    if backend == "sqlite" and url.database not in (None, "", ":memory:"):
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        _enable_wal(cursor)
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def _enable_wal(cursor: Any) -> None:
    # Switching a new database file to WAL needs an exclusive lock, and SQLite
    # answers "database is locked" at once, without its busy timeout, while
    # another process (a sibling gunicorn worker) holds any lock on the file.
    # Retry for as long as the busy timeout would have waited.
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_SECONDS
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)
