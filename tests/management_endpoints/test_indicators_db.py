"""The db indicator against real SQLite, PostgreSQL and MariaDB, reachable or not."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from flask_management_endpoints.health.health import Health
from flask_management_endpoints.indicators import database, database_checks
from tests.support.databases import product_name
from tests.support.fake_service import free_port


def make_app(url: str, binds: dict[str, str] | None = None) -> tuple[Flask, SQLAlchemy]:
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    if binds:
        app.config["SQLALCHEMY_BINDS"] = binds
    db = SQLAlchemy()
    db.init_app(app)
    return app, db


def run_outside_app_context(check: object) -> Health:
    """Run the check on a fresh thread, as a health engine's pool would."""
    assert callable(check)
    results: list[Health] = []
    thread = threading.Thread(target=lambda: results.append(check()))
    thread.start()
    thread.join(timeout=30)
    return results[0]


@pytest.fixture
def silent_postgres() -> Iterator[str]:
    """A PostgreSQL URL whose server accepts connections and never answers."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    port = listener.getsockname()[1]
    yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/test"
    # Closing the listener resets the pending connections: the stuck
    # driver call fails and its thread ends.
    listener.close()


def test_up_with_product_name_and_validation_query(database_url: str) -> None:
    app, db = make_app(database_url)
    result = run_outside_app_context(database(db, app))
    assert result.status == "UP"
    assert result.details["database"] == product_name(database_url)
    assert result.details["validationQuery"] == "SELECT 1"
    assert result.details["version"][0].isdigit()
    assert "error" not in result.details


def test_checks_every_engine_including_binds(database_url: str, tmp_path: Path) -> None:
    missing_dir = tmp_path / "no-such-dir"
    app, db = make_app(
        database_url,
        binds={
            "archive": f"sqlite:///{tmp_path / 'archive.db'}",
            "broken": f"sqlite:///{missing_dir / 'x.db'}",
        },
    )
    with app.app_context():
        result = database(db)()
    assert list(result.details) == ["default", "archive", "broken"]
    assert result.details["default"]["status"] == "UP"
    assert result.details["archive"] == {
        "status": "UP",
        "database": "SQLite",
        "validationQuery": "SELECT 1",
        "version": result.details["archive"]["version"],
    }
    broken = result.details["broken"]
    assert broken["status"] == "DOWN"
    assert broken["error"] == "OperationalError: unable to open database file"
    assert result.status == "DOWN"


def test_one_check_per_bind_for_a_composite(sqlite_url: str, tmp_path: Path) -> None:
    app, db = make_app(sqlite_url, binds={"users": f"sqlite:///{tmp_path / 'users.db'}"})
    checks = database_checks(db, app)
    assert list(checks) == ["default", "users"]
    for check in checks.values():
        result = run_outside_app_context(check)
        assert (result.status, result.details["database"]) == ("UP", "SQLite")


def test_down_when_postgresql_is_unreachable() -> None:
    app, db = make_app(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test")
    result = run_outside_app_context(database(db, app))
    assert result.status == "DOWN"
    assert result.details["database"] == "PostgreSQL"
    assert result.details["validationQuery"] == "SELECT 1"
    assert result.details["error"].startswith("OperationalError: ")
    assert "refused" in result.details["error"].lower()


def test_a_silent_database_gives_down_within_the_timeout(silent_postgres: str) -> None:
    app, db = make_app(silent_postgres)
    check = database(db, app, timeout=0.5)

    # The server never answers: an answer at all, DOWN on the timeout, shows the
    # probe is not held by it.
    first = run_outside_app_context(check)
    assert first.status == "DOWN"
    assert first.details["error"] == "timeout: no answer within 0.5s"

    # The first query is still stuck: the next check does not queue behind it.
    second = run_outside_app_context(check)
    assert second.status == "DOWN"
    assert second.details["error"] == "timeout: no answer for over 0.5s"


def test_silent_binds_are_waited_for_together(silent_postgres: str, sqlite_url: str) -> None:
    app, db = make_app(
        sqlite_url, binds={"one": silent_postgres, "two": silent_postgres, "three": silent_postgres}
    )
    check = database(db, app, timeout=2.0)
    started = time.monotonic()
    result = run_outside_app_context(check)
    elapsed = time.monotonic() - started
    assert result.status == "DOWN"
    assert result.details["default"]["status"] == "UP"
    for name in ("one", "two", "three"):
        assert result.details[name]["error"] == "timeout: no answer within 2.0s"
    # Waited for one after another, any two silent binds take at least two timeouts
    # (4 s), whatever the load; waited for together, all three take one (2 s).
    assert elapsed < 4.0


def test_concurrent_checks_share_one_query(sqlite_url: str) -> None:
    app, db = make_app(sqlite_url)
    callers = threading.Semaphore(0)
    queries: list[str] = []
    with app.app_context():

        @sa.event.listens_for(db.engine, "before_cursor_execute")
        def slow(*args: object) -> None:
            queries.append(str(args[2]))
            # Answer only once every caller has asked (within the timeout).
            for _ in range(8):
                assert callers.acquire(timeout=10)
            time.sleep(0.2)

    check = database(db, app, timeout=15)
    results: list[Health] = []

    def call() -> None:
        callers.release()
        results.append(check())

    threads = [threading.Thread(target=call) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert [r.status for r in results] == ["UP"] * 8
    assert queries == ["SELECT 1"]


def test_rejects_a_non_positive_timeout(sqlite_url: str) -> None:
    _, db = make_app(sqlite_url)
    with pytest.raises(ValueError, match="timeout must be positive"):
        database(db, timeout=0)


def test_unknown_bind_key_raises_naming_it(sqlite_url: str) -> None:
    app, db = make_app(sqlite_url)
    with app.app_context(), pytest.raises(LookupError, match="'nope'"):
        database(db, bind_key="nope")()
