"""Choosing and creating the SQLAlchemy engine the extension writes to.

Order: ``SERVER_STATUS_DATABASE_URI``; else the app's Flask-SQLAlchemy engine
(``SERVER_STATUS_SQLALCHEMY_BIND`` picks a bind key) when Flask-SQLAlchemy is
initialised on the app before this extension; else ``SQLALCHEMY_DATABASE_URI``;
else a SQLite file ``server_status.db`` in the app's instance folder.
"""

from __future__ import annotations

import os
import sqlite3
import time
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.engine import make_url

from .config import ConfigError, Settings, check_database_uri

SQLITE_BUSY_TIMEOUT_SECONDS = 30.0
POSTGRES_CONNECT_TIMEOUT_SECONDS = 5


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
    failing; PostgreSQL gets a connect timeout so an unreachable server costs
    the flush thread seconds, not minutes. ``key`` names the config key in errors.
    """
    url = make_url(check_database_uri(key, uri))
    options: dict[str, Any] = {"pool_pre_ping": True}
    backend = url.get_backend_name()
    if backend == "sqlite":
        options["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_SECONDS}
    elif "connect_timeout" not in url.query:
        options["connect_args"] = {"connect_timeout": POSTGRES_CONNECT_TIMEOUT_SECONDS}
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
