"""Fixtures shared by every test package.

Real parts, not mocks: a live WSGI server on a loopback port, real gunicorn
processes, a real PostgreSQL schema and a real MariaDB database per test and
a controllable HTTP service that plays a remote dependency. See tests/support/
for the machinery behind each fixture.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from hypothesis import HealthCheck, settings

from tests.support import mariadb
from tests.support.databases import DATABASE_FIXTURES
from tests.support.fake_service import FakeService, refused_url
from tests.support.gunicorn import GunicornProcess, GunicornRunner
from tests.support.live_server import LiveServer
from tests.support.page_bundle import BundleError, ensure_built
from tests.support.postgres import PostgresSchema, Provided, find_or_start

# Hypothesis's per-example deadline and its "too slow" health check time the machine,
# not the code: a 2-core machine shared with other runs (or mutmut's tracing, see
# docs/decisions/0015) misses them. Example counts stay bounded per test.
settings.register_profile("suite", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("suite")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the tests marked ``slow`` first, longest first (``slow(seconds=N)``
    estimates), so that with several processes (pytest-xdist, work stealing)
    the longest ones overlap the rest of the suite instead of ending the run."""

    def order(item: pytest.Item) -> tuple[bool, float]:
        slow = item.get_closest_marker("slow")
        return slow is None, -float(slow.kwargs.get("seconds", 0)) if slow else 0.0

    items.sort(key=order)


@pytest.fixture(scope="session")
def page_bundle() -> None:
    """The status page bundle, built from frontend/ with npm when missing or stale.

    Tests that serve the page depend on it, so the suite passes on a fresh
    clone whatever ran before it. Fails (never skips) when Node.js is missing.
    """
    try:
        ensure_built()
    except BundleError as error:
        pytest.fail(str(error))


@pytest.fixture
def live_server() -> Iterator[Callable[[Flask], str]]:
    """Serve a Flask app with Werkzeug on 127.0.0.1 and an ephemeral port.

    Call it with an app; it returns the base URL (no trailing slash). Every
    server started by the test is shut down at teardown.
    """
    servers: list[LiveServer] = []

    def serve(app: Flask) -> str:
        server = LiveServer(app)
        servers.append(server)
        return server.start()

    yield serve
    for server in servers:
        server.stop()


@pytest.fixture
def gunicorn(tmp_path: Path) -> Iterator[GunicornRunner]:
    """Start real gunicorn processes; all are stopped at teardown.

    ``gunicorn.start("module:app", workers=4, worker_class="sync",
    pythonpath=[dir], env={...})`` returns a :class:`GunicornProcess` with
    ``base_url``, ``access_log`` and ``error_log`` paths, and ``stop()``.
    """
    runner = GunicornRunner(tmp_path)
    yield runner
    runner.stop_all()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Provided]:
    """The session's PostgreSQL: ``TEST_POSTGRES_URL``, else 127.0.0.1:5432, else a
    throwaway cluster from the installed server binaries (see tests/support/postgres.py)."""
    provided = find_or_start()
    try:
        yield provided
    finally:
        provided.close()


@pytest.fixture
def postgres_url(postgres_server: Provided) -> Iterator[str]:
    """A SQLAlchemy URL for a fresh, empty PostgreSQL schema of this test alone.

    Skips with the one-line reason when no PostgreSQL can be found or started
    (and fails instead in CI, where PostgreSQL tests may not skip). The schema
    is selected through ``search_path`` so code under test needs no schema
    argument, and it is dropped at teardown.
    """
    if postgres_server.url is None:
        reason = f"PostgreSQL unavailable: {postgres_server.how}"
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (PostgreSQL tests may not skip in CI)")
        pytest.skip(reason)
    schema = PostgresSchema(postgres_server.url)
    try:
        yield schema.url
    finally:
        schema.drop()


@pytest.fixture(scope="session")
def mariadb_server() -> Iterator[Provided]:
    """The session's MariaDB: ``TEST_MARIADB_URL``, else root@127.0.0.1:3306, else a
    throwaway server from the installed server binaries (see tests/support/mariadb.py)."""
    provided = mariadb.find_or_start()
    try:
        yield provided
    finally:
        provided.close()


@pytest.fixture
def mariadb_url(mariadb_server: Provided) -> Iterator[str]:
    """A SQLAlchemy URL (``mysql+pymysql://``) for a fresh, empty MariaDB database of
    this test alone, dropped at teardown.

    Skips with the one-line reason when no MariaDB can be found or started
    (and fails instead in CI, where MariaDB tests may not skip).
    """
    if mariadb_server.url is None:
        reason = f"MariaDB unavailable: {mariadb_server.how}"
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (MariaDB tests may not skip in CI)")
        pytest.skip(reason)
    database = mariadb.MariaDBDatabase(mariadb_server.url)
    try:
        yield database.url
    finally:
        database.drop()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A SQLAlchemy URL for an empty SQLite file in the test's temp folder."""
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture(params=list(DATABASE_FIXTURES))
def database_url(request: pytest.FixtureRequest) -> str:
    """Run the test once on SQLite, once on PostgreSQL and once on MariaDB."""
    url: str = request.getfixturevalue(DATABASE_FIXTURES[request.param])
    return url


@pytest.fixture(params=["postgresql", "mariadb"])
def server_url(request: pytest.FixtureRequest) -> str:
    """Run the test once on PostgreSQL and once on MariaDB: the databases behind a
    network connection, which a proxy can cut."""
    url: str = request.getfixturevalue(DATABASE_FIXTURES[request.param])
    return url


@pytest.fixture
def fake_service() -> Iterator[Callable[..., FakeService]]:
    """Start controllable HTTP services that play a remote dependency.

    ``fake_service(status=200, body={...}, delay=0.0)`` returns a running
    :class:`FakeService`; change ``.status``, ``.body``, ``.delay`` or call
    ``.hang()`` at any time. ``.requests`` records what it received.
    """
    services: list[FakeService] = []

    def start(**behaviour: object) -> FakeService:
        service = FakeService(**behaviour)  # type: ignore[arg-type]
        services.append(service)
        service.start()
        return service

    yield start
    for service in services:
        service.stop()


@pytest.fixture
def closed_port_url() -> str:
    """An http URL on loopback where nothing listens (connection refused)."""
    return refused_url()


__all__ = ["GunicornProcess"]
