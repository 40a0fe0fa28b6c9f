"""Fixtures of the flask-server-status storage tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.engine import make_url

from flask_server_status import get_state, migrate
from flask_server_status.engine import create_engine
from tests.server_status.sample_app import create_app
from tests.server_status.tcp_proxy import COMMIT_MESSAGES, TcpProxy


@pytest.fixture(scope="session", autouse=True)
def _built_page(page_bundle: None) -> None:
    """Every status test may serve the page: build it once per session if needed."""


@pytest.fixture
def make_app(database_url: str) -> Iterator[Callable[..., Flask]]:
    """Build the sample app on the test database (SQLite, PostgreSQL and MariaDB).

    Flush threads started by the app are stopped (without flushing) at teardown,
    so nothing writes into the database after the test dropped it.
    """
    apps: list[Flask] = []

    def make(**config: Any) -> Flask:
        app = create_app(database_url, **config)
        apps.append(app)
        return app

    yield make
    for app in apps:
        state = get_state(app)
        state.flusher.stop(flush=False)
        state.engine.dispose()


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    """An engine on the test database with the schema migrated (SQLite, PostgreSQL, MariaDB)."""
    engine = create_engine(database_url, key="test")
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def proxy(server_url: str) -> Iterator[TcpProxy]:
    """A loopback proxy in front of the test's PostgreSQL or MariaDB (see tcp_proxy.py)."""
    url = make_url(server_url)
    backend = url.get_backend_name()
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 0, COMMIT_MESSAGES[backend]).start()
    yield proxy
    proxy.stop()
