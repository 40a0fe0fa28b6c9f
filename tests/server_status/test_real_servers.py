"""Capture, migration and shutdown under real servers: gunicorn and Werkzeug.

Each gunicorn run starts 4 workers on an *empty* database, so the same run shows that
workers starting together migrate it exactly once, that every request served
by any worker is counted exactly, and (the flush interval being an hour) that
the counts reach the database through the flush at SIGTERM shutdown.
"""

from __future__ import annotations

import http.client
import os
import random
import re
import signal
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_server_status import get_state, migrate
from flask_server_status.engine import create_engine
from tests.server_status.sample_app import create_app
from tests.server_status.storage import outcome_totals, stored_requests
from tests.support.databases import DATABASE_FIXTURES
from tests.support.gunicorn import GunicornRunner
from tests.support.postgres import PostgresSchema

#: (method, path, expected status, outcome class, count): 400 requests with the users.
PLAN: list[tuple[str, str, int, str, int]] = [
    ("GET", "/", 200, "successes", 60),
    ("HEAD", "/", 200, "successes", 20),
    ("GET", "/moved", 302, "successes", 30),
    ("POST", "/items", 204, "successes", 20),
    ("PUT", "/items", 204, "successes", 20),
    ("PATCH", "/items", 204, "successes", 20),
    ("DELETE", "/items", 204, "successes", 20),
    ("GET", "/missing", 404, "client_errors", 40),
    ("GET", "/missing", 404, "client_errors", 10),
    ("GET", "/fail", 503, "failures", 40),
    ("GET", "/boom", 500, "failures", 40),
    ("GET", "/slow", 200, "successes", 16),
]
USERS = 64  # GET /user/<id> for 64 different ids, all under one rule


#: What names the extension in a log: its warnings' prefix and its package's frames.
EXTENSION_MARK = re.compile(r"flask-server-status|flask_server_status")


def expected_totals() -> dict[str, dict[str, int]]:
    expected: dict[str, Counter[str]] = {}
    for _method, path, _status, outcome, count in PLAN:
        counts = expected.setdefault(path, Counter())
        counts["requests"] += count
        counts[outcome] += count
    expected["/user/<int:id>"] = Counter(requests=USERS, successes=USERS)
    return {rule: dict(counts) for rule, counts in expected.items()}


def send(base_url: str, method: str, path: str, client_number: int) -> tuple[int, int]:
    """One request on its own connection, from one of several loopback addresses.

    Returns the status and the pid of the worker that answered.
    """
    parts = urlsplit(base_url)
    source = (f"127.0.0.{2 + client_number % 5}", 0)
    connection = http.client.HTTPConnection(
        parts.hostname, parts.port, timeout=30, source_address=source
    )
    try:
        connection.request(method, path)
        response = connection.getresponse()
        response.read()
        return response.status, int(response.getheader("X-Worker-Pid", "0"))
    finally:
        connection.close()


def drive(base_url: str) -> set[int]:
    """Send the whole plan concurrently; returns the worker pids seen."""
    calls = [(m, p, s) for m, p, s, _o, n in PLAN for _ in range(n)]
    calls += [("GET", f"/user/{i}", 200) for i in range(USERS)]
    # Mixed order: slow requests keep some workers busy while others answer.
    random.Random(4).shuffle(calls)
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(
            pool.map(lambda n: send(base_url, calls[n][0], calls[n][1], n), range(len(calls)))
        )
    pids = set()
    for (method, path, status), (got, pid) in zip(calls, answers, strict=True):
        assert got == status, f"{method} {path} answered {got}"
        pids.add(pid)
    return pids


@pytest.mark.gunicorn
@pytest.mark.slow
@pytest.mark.parametrize(
    ("worker_class", "database", "preload"),
    [
        ("sync", "sqlite", False),
        ("gthread", "postgresql", False),
        # --preload: the app is created in the master, then forked into workers.
        ("gthread", "sqlite", True),
        ("sync", "postgresql", True),
        ("gthread", "mariadb", False),
        ("sync", "mariadb", True),
    ],
)
def test_four_workers_migrate_once_count_every_request_and_flush_at_sigterm(
    gunicorn: GunicornRunner,
    request: pytest.FixtureRequest,
    worker_class: str,
    database: str,
    preload: bool,
) -> None:
    url: str = request.getfixturevalue(DATABASE_FIXTURES[database])
    server = gunicorn.start(
        "tests.server_status.sample_app:create_app()",
        workers=4,
        worker_class=worker_class,
        threads=4 if worker_class == "gthread" else 1,
        env={"STATUS_TEST_DATABASE_URI": url, "STATUS_TEST_FLUSH_SECONDS": "3600"},
        # --capture-output: the workers' stderr (where the extension's warnings
        # would go) lands in the error log checked below.
        extra_args=["--capture-output", *(["--preload"] if preload else [])],
        ready_path="/no-such-page",  # matches no rule: starts nothing
    )
    pids = drive(server.base_url)
    assert len(pids) > 1, "the requests should have been spread over several workers"

    engine = create_engine(url, key="test")
    try:
        # The flush interval is an hour: before shutdown the database has at most
        # the few requests of each worker's first flush.
        assert stored_requests(engine) < len(pids) * 16
    finally:
        engine.dispose()
    assert server.stop(signal.SIGTERM) == 0
    errors = server.read_error_log()
    # The only tracebacks are the app's own /boom errors; none from the extension
    # (its warnings name it, its frames are in its package): shown whole when found.
    ours = [line for line in errors.splitlines() if EXTENSION_MARK.search(line)]
    assert ours == [], "\n".join(ours)

    engine = create_engine(url, key="test")
    try:
        assert outcome_totals(engine) == expected_totals()
        assert outcome_totals(engine, "hour") == expected_totals()
        assert outcome_totals(engine, "day") == expected_totals()
        with engine.connect() as connection:
            version_table = sa.table(migrate.VERSION_TABLE, sa.column("version_num"))
            versions = connection.execute(sa.select(version_table)).scalars().all()
        assert versions == migrate.heads()
        assert migrate.schema_differences(engine) == []
    finally:
        engine.dispose()


def test_werkzeug_threaded_server_counts_every_request(
    live_server: Callable[[Flask], str], database_url: str
) -> None:
    app = create_app(database_url)
    state = get_state(app)
    try:
        pids = drive(live_server(app))
        assert pids == {os.getpid()}
        assert state.flush()
        assert outcome_totals(state.engine) == expected_totals()
        assert outcome_totals(state.engine, "day") == expected_totals()
    finally:
        state.flusher.stop(flush=False)
        state.engine.dispose()


#: (path, expected status, outcome class, count) of one stop round: few requests, so
#: rounds are quick, spread over all four workers by concurrent clients.
STOP_PLAN: list[tuple[str, int, str, int]] = [
    ("/", 200, "successes", 8),
    ("/missing", 404, "client_errors", 4),
    ("/fail", 503, "failures", 4),
]
STOP_USERS = 16
STOP_ROUNDS = 20


def stop_round(gunicorn: GunicornRunner, url: str, spool: Path) -> list[str]:
    """Start 4 sync workers on the empty database at ``url``, send a few requests, SIGTERM.

    Returns what was not exact (empty when the stop stored every request).
    ``--preload`` makes a round cheap (the app is imported once, then forked):
    the stop itself is the same, and the test above stops without it.
    """
    server = gunicorn.start(
        "tests.server_status.sample_app:create_app()",
        workers=4,
        # The package's default interval: SIGTERM may land during a periodic flush.
        env={
            "STATUS_TEST_DATABASE_URI": url,
            "STATUS_TEST_FLUSH_SECONDS": "10",
            "STATUS_TEST_SPOOL_DIR": str(spool),
        },
        extra_args=["--capture-output", "--preload"],
        ready_path="/no-such-page",
    )
    calls = [(path, status) for path, status, _outcome, n in STOP_PLAN for _ in range(n)]
    calls += [(f"/user/{i}", 200) for i in range(STOP_USERS)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(
            pool.map(lambda n: send(server.base_url, "GET", calls[n][0], n), range(len(calls)))
        )
    problems = [
        f"{path} answered {got}"
        for (path, status), (got, _pid) in zip(calls, answers, strict=True)
        if got != status
    ]
    if server.stop(signal.SIGTERM) != 0:
        problems.append(f"gunicorn exited with {server.proc and server.proc.returncode}")
    errors = server.read_error_log()
    if "flask-server-status" in errors or "flask_server_status" in errors:
        problems.append(f"the extension logged: {errors}")
    problems += [f"spool file left behind: {path}" for path in spool.glob("*/*.json")]
    expected: dict[str, dict[str, int]] = {}
    for path, _status, outcome, count in STOP_PLAN:
        expected[path] = {"requests": count, outcome: count}
    expected["/user/<int:id>"] = {"requests": STOP_USERS, "successes": STOP_USERS}
    engine = create_engine(url, key="test")
    try:
        stored = outcome_totals(engine)
    finally:
        engine.dispose()
    if stored != expected:
        problems.append(f"stored {stored}")
    return problems


@pytest.mark.gunicorn
# Twenty servers per database: about 5 to 10 minutes on the shared 2-core machine while
# other suites run, so it is collected first; the timeout is a wait, not a speed claim.
@pytest.mark.slow(seconds=400)
@pytest.mark.timeout(1200)
@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_every_sigterm_stop_stores_every_request_exactly(
    gunicorn: GunicornRunner, request: pytest.FixtureRequest, tmp_path: Path, database: str
) -> None:
    """Twenty fresh starts and SIGTERM stops in a row: every one stores exact totals.

    Each round is a new database and four workers that all flush on the way out
    at once, one of them after migrating it; one inexact round in twenty fails.
    """
    if database == "postgresql":
        request.getfixturevalue("postgres_url")  # skips (or fails in CI) without a server
        base_url = request.getfixturevalue("postgres_server").url
    failed: dict[int, list[str]] = {}
    for number in range(STOP_ROUNDS):
        spool = tmp_path / f"spool-{number}"
        if database == "sqlite":
            problems = stop_round(gunicorn, f"sqlite:///{tmp_path / f'{number}.db'}", spool)
        else:
            schema = PostgresSchema(base_url)
            try:
                problems = stop_round(gunicorn, schema.url, spool)
            finally:
                schema.drop()
        if problems:
            failed[number] = problems
    assert failed == {}, f"{len(failed)} of {STOP_ROUNDS} stops were not exact: {failed}"
