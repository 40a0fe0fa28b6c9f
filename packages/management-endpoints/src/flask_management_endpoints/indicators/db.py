"""The ``db`` indicator: every engine of a Flask-SQLAlchemy instance answers ``SELECT 1``.

Each engine is checked through its own connection pool, so the check sees
what the app sees (a database that is down, a pool that is exhausted). A
database that accepts a connection but never answers could hold a check for
minutes, until the operating system gives up on the socket; so each engine
is queried on a daemon thread and the check waits at most ``timeout``
seconds. While that query is still stuck, later checks of the same engine
answer DOWN at once instead of stacking more stuck threads.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app, has_app_context

from flask_management_endpoints.health.health import Health
from flask_management_endpoints.health.status import Status, StatusAggregator

if TYPE_CHECKING:
    # SQLAlchemy is an optional dependency: imported where a check runs, so
    # the package works without it.
    import sqlalchemy as sa
    from flask_sqlalchemy import SQLAlchemy

DEFAULT_TIMEOUT_SECONDS = 2.0
#: The name the default engine (bind key ``None``) is shown under.
DEFAULT_BIND_NAME = "default"

# The product names Spring Boot shows, by SQLAlchemy dialect name.
_PRODUCT_NAMES: Mapping[str, str] = {
    "postgresql": "PostgreSQL",
    "sqlite": "SQLite",
    "mysql": "MySQL",
    "mariadb": "MariaDB",
    "oracle": "Oracle",
    "mssql": "Microsoft SQL Server",
}
_VALIDATION_QUERIES: Mapping[str, str] = {"oracle": "SELECT 1 FROM DUAL"}


class _AllBinds:
    def __repr__(self) -> str:
        return "ALL_BINDS"


#: Check every engine (the default: ``database(db)``).
ALL_BINDS: Any = _AllBinds()


def product_name(engine: sa.Engine) -> str:
    """The database product behind ``engine``, as Spring Boot names it."""
    return _PRODUCT_NAMES.get(engine.dialect.name, engine.dialect.name)


def validation_query(engine: sa.Engine) -> str:
    """The cheapest query the database answers: ``SELECT 1`` for most."""
    return _VALIDATION_QUERIES.get(engine.dialect.name, "SELECT 1")


def database(
    db: SQLAlchemy,
    app: Flask | None = None,
    *,
    bind_key: str | None = ALL_BINDS,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
) -> DatabaseCheck:
    """A check of the engines of ``db``: all of them, or the one of ``bind_key``.

    ``app``: the Flask app whose engines to check; needed when the check runs
    outside an app context (e.g. on a worker thread). Without it, the
    current app is used. The engines are looked up on every run, so binds
    configured later are seen.

    With one engine the details are Spring Boot's: ``{"database":
    "PostgreSQL", "validationQuery": "SELECT 1"}`` plus ``version`` when the
    server reported one, and ``error`` when DOWN. With several, the details
    hold one such entry (with its own ``status``) per bind, the default one
    under ``"default"``, and the status is the worst of them. Each engine
    answers within ``timeout`` seconds or is DOWN with a timeout error.
    Raises ``ValueError`` for a non-positive timeout.
    """
    if not timeout > 0:
        raise ValueError(f"timeout must be positive: {timeout!r}")
    return DatabaseCheck(db, app, bind_key, timeout)


class DatabaseCheck:
    """The check :func:`database` returns: call it for the :class:`Health`.

    A forked child must call :meth:`after_fork` (the management endpoints'
    at-fork hook does it for every check that has one): a query in flight
    at the fork has no thread behind it in the child and would never end.
    """

    def __init__(
        self, db: SQLAlchemy, app: Flask | None, bind_key: str | None, timeout: float
    ) -> None:
        self.db = db
        self.app = app
        self.bind_key = bind_key
        self.timeout = timeout
        self._aggregator = StatusAggregator()
        self._probes: dict[sa.Engine, _EngineProbe] = {}
        self._lock = threading.Lock()

    def __call__(self) -> Health:
        engines = _engines(self.db, self.app, self.bind_key)
        # Every engine's query starts before any is waited for, so several
        # silent databases cost one timeout, not one each.
        started = {name: self._probe(engine).begin() for name, engine in engines.items()}
        results = {name: outcome() for name, outcome in started.items()}
        if len(results) == 1:
            (result,) = results.values()
            return result
        status = self._aggregator.aggregate(result.status for result in results.values())
        return Health(
            status,
            {name: {"status": result.status, **result.details} for name, result in results.items()},
        )

    def after_fork(self) -> None:
        """Forget queries the parent had in flight; the next run starts its own."""
        self._lock = threading.Lock()
        self._probes = {}

    def _probe(self, engine: sa.Engine) -> _EngineProbe:
        with self._lock:
            return self._probes.setdefault(engine, _EngineProbe(engine, self.timeout))


def database_checks(db: SQLAlchemy, app: Flask) -> dict[str, Callable[[], Health]]:
    """One check per engine of ``db`` in ``app``, by bind name (``"default"`` first).

    For a composite ``db`` component with one member per bind, as Spring
    Boot shows several data sources.
    """
    with app.app_context():
        keys = list(db.engines)
    return {
        _bind_name(key): database(db, app, bind_key=key)
        for key in sorted(keys, key=lambda k: (k is not None, k or ""))
    }


def _bind_name(key: str | None) -> str:
    return DEFAULT_BIND_NAME if key is None else key


def _engines(db: SQLAlchemy, app: Flask | None, bind_key: str | None) -> dict[str, sa.Engine]:
    if app is not None and not (has_app_context() and current_app == app):
        with app.app_context():
            engines = dict(db.engines)
    else:
        engines = dict(db.engines)
    if bind_key is not ALL_BINDS:
        if bind_key not in engines:
            raise LookupError(f"no engine for bind key {bind_key!r}")
        engines = {bind_key: engines[bind_key]}
    return {
        _bind_name(key): engines[key]
        for key in sorted(engines, key=lambda k: (k is not None, k or ""))
    }


class _EngineProbe:
    """Runs ``SELECT 1`` on one engine, at most one query at a time.

    A caller arriving while a query is in flight shares it: it waits for the
    rest of that query's allowance, or answers DOWN at once when the query
    has already outlived it (it is stuck).
    """

    def __init__(self, engine: sa.Engine, timeout: float) -> None:
        self.engine = engine
        self.timeout = timeout
        self._lock = threading.Lock()
        self._pending: Future[str | None] | None = None
        self._started = 0.0

    def begin(self) -> Callable[[], Health]:
        """Start a query (or join the one in flight); call the result for the outcome."""
        with self._lock:
            pending = self._pending
            joined = pending is not None and not pending.done()
            if pending is None or pending.done():
                pending = self._pending = Future()
                self._started = time.monotonic()
                threading.Thread(
                    target=self._query, args=(pending,), name="db-health-check", daemon=True
                ).start()
            deadline = self._started + self.timeout
        return lambda: self._outcome(pending, deadline, joined=joined)

    def _outcome(self, pending: Future[str | None], deadline: float, *, joined: bool) -> Health:
        details: dict[str, Any] = {
            "database": product_name(self.engine),
            "validationQuery": validation_query(self.engine),
        }
        remaining = deadline - time.monotonic()
        if joined and remaining <= 0 and not pending.done():
            # Joined a query an earlier check started, and it is stuck.
            error = f"timeout: no answer for over {self.timeout}s"
            return Health(Status.DOWN, {**details, "error": error})
        try:
            version = pending.result(timeout=max(remaining, 0))
        except FutureTimeout:
            error = f"timeout: no answer within {self.timeout}s"
            return Health(Status.DOWN, {**details, "error": error})
        except Exception as error:
            return Health(Status.DOWN, {**details, "error": _describe(error)})
        if version:
            details["version"] = version
        return Health(Status.UP, details)

    def _query(self, pending: Future[str | None]) -> None:
        import sqlalchemy as sa

        try:
            with self.engine.connect() as connection:
                value = connection.execute(sa.text(validation_query(self.engine))).scalar()
            if value != 1:
                raise RuntimeError(f"validation query returned {value!r}, expected 1")
            info = self.engine.dialect.server_version_info
            pending.set_result(".".join(map(str, info)) if info else None)
        except BaseException as error:  # reported to the waiting check, never lost
            pending.set_exception(error)


def _describe(error: BaseException) -> str:
    """``Type: message`` of the driver's error, on one line, without SQLAlchemy's links."""
    import sqlalchemy as sa

    original = getattr(error, "orig", None) if isinstance(error, sa.exc.DBAPIError) else None
    cause = original if isinstance(original, BaseException) else error
    message = " ".join(str(cause).split())
    return f"{type(cause).__name__}: {message}"
