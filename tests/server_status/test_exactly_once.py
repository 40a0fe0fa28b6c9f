"""A flush the database committed is applied once: lost acknowledgements and crashes.

The lost acknowledgement is real: a loopback proxy forwards PostgreSQL's or
MariaDB's ``COMMIT``, waits until the server answered (the transaction is committed)
and cuts the connection instead of delivering the answer. The crashes are
real processes ended with ``os._exit`` at the flusher's documented test seam
(``FLASK_SERVER_STATUS_TEST_CRASH``), then a new process of the same app.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from flask_server_status import get_state
from flask_server_status.clock import utcnow
from flask_server_status.engine import create_engine
from flask_server_status.flusher import CRASH_ENVIRONMENT_KEY, CRASH_EXIT_CODE
from flask_server_status.ledger import FLUSH_LEDGER_RETENTION, REPLAY_LIMIT
from flask_server_status.models import flushes
from tests.server_status.sample_app import create_app
from tests.server_status.storage import outcome_totals
from tests.server_status.tcp_proxy import TcpProxy

REPOSITORY = Path(__file__).resolve().parents[2]


def test_a_commit_whose_acknowledgement_is_lost_is_not_applied_twice(
    server_url: str, proxy: TcpProxy, tmp_path: Path
) -> None:
    app = create_app(proxy.url_for(server_url), SERVER_STATUS_SPOOL_DIR=str(tmp_path))
    state = get_state(app)
    direct = create_engine(server_url, key="test")
    client = app.test_client()
    try:
        assert state.flush()  # schema and route rows exist before the fault
        for user_id in range(1000):
            assert client.get(f"/user/{user_id}").status_code == 200
        proxy.lose_next_commit_ack()
        assert not state.flush()  # the client never heard that COMMIT succeeded
        assert proxy.lost_acks == 1
        # ... but the server committed: the counts are stored already.
        assert outcome_totals(direct) == {"/user/<int:id>": {"requests": 1000, "successes": 1000}}
        assert state.flusher.unconfirmed
        assert state.flush()  # the retry sends the same batch id: the ledger skips it
        assert outcome_totals(direct) == {"/user/<int:id>": {"requests": 1000, "successes": 1000}}
        assert outcome_totals(direct, "day") == {
            "/user/<int:id>": {"requests": 1000, "successes": 1000}
        }
        assert not state.flusher.unconfirmed
        with direct.connect() as connection:
            assert connection.execute(sa.select(sa.func.count()).select_from(flushes)).scalar() == 1
    finally:
        state.flusher.stop(flush=False)
        state.engine.dispose()
        direct.dispose()


CRASHING_APP = textwrap.dedent(
    """
    import sys
    from datetime import datetime
    from flask_server_status import get_state
    from tests.server_status.sample_app import create_app

    database_url, spool_dir, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    # The flush's moment (naive UTC), when given: the batch's age at a later replay.
    moment = datetime.fromisoformat(sys.argv[4]) if len(sys.argv) > 4 else None
    app = create_app(database_url, SERVER_STATUS_SPOOL_DIR=spool_dir)
    state = get_state(app)
    assert state.flush()  # schema, routes and a heartbeat: nothing to crash on yet
    state.recorder._started = True  # no flush thread: this process flushes by hand
    client = app.test_client()
    for user_id in range(count):
        assert client.get(f"/user/{user_id}").status_code == 200
    state.flush(now=moment)  # FLASK_SERVER_STATUS_TEST_CRASH ends the process in here
    sys.exit(0)
    """
)


def run_app(args: list[str], crash: str | None) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": str(REPOSITORY)}
    environment.pop(CRASH_ENVIRONMENT_KEY, None)
    if crash is not None:
        environment[CRASH_ENVIRONMENT_KEY] = crash
    return subprocess.run(
        [sys.executable, "-c", CRASHING_APP, *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("crash", "stored_before_restart"), [("after_commit", 1), ("before_commit", 0)]
)
def test_a_crash_around_commit_neither_loses_nor_doubles_counts(
    sqlite_url: str, tmp_path: Path, crash: str, stored_before_restart: int
) -> None:
    spool = tmp_path / "spool"
    crashed = run_app([sqlite_url, str(spool), "500"], crash)
    assert crashed.returncode == CRASH_EXIT_CODE, crashed.stderr
    engine = create_engine(sqlite_url, key="test")
    try:
        left = list(spool.glob("*/*.json"))
        assert len(left) == 1  # the batch, with its id, waits in the dead process's spool
        expected = {"/user/<int:id>": {"requests": 500, "successes": 500}}
        assert outcome_totals(engine) == (expected if stored_before_restart else {})
        restarted = run_app([sqlite_url, str(spool), "0"], None)
        assert restarted.returncode == 0, restarted.stderr
        assert outcome_totals(engine) == expected
        assert outcome_totals(engine, "hour") == expected
        assert not list(spool.glob("*/*.json"))
    finally:
        engine.dispose()


def ledger_rows(engine: sa.Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(sa.select(sa.func.count()).select_from(flushes)).scalar_one())


#: Just past the ledger's retention, and just inside the replay limit.
PRUNED_AGE = FLUSH_LEDGER_RETENTION + timedelta(minutes=30)
KEPT_AGE = REPLAY_LIMIT - timedelta(minutes=30)


@pytest.mark.parametrize(
    ("crash", "age", "stored", "dropped"),
    [
        # Committed, and its ledger row pruned since: replayed, it would count twice.
        pytest.param("after_commit", PRUNED_AGE, 500, 500, id="committed-ledger-pruned"),
        # Committed, its ledger row still kept: replayed, and the ledger skips it.
        pytest.param("after_commit", KEPT_AGE, 500, 0, id="committed-ledger-kept"),
        # Never committed, young enough: replayed and stored.
        pytest.param("before_commit", KEPT_AGE, 500, 0, id="uncommitted-replayed"),
        # Never committed, too old to tell: dropped, and counted as dropped.
        pytest.param("before_commit", PRUNED_AGE, 0, 500, id="uncommitted-too-old"),
    ],
)
def test_a_spool_older_than_the_ledger_is_dropped_never_applied_twice(
    sqlite_url: str, tmp_path: Path, crash: str, age: timedelta, stored: int, dropped: int
) -> None:
    """A host whose process crashed comes back after days; meanwhile another host on the
    same database pruned the flush ledger (retention runs with flushes)."""
    now = utcnow().replace(microsecond=0)
    this_host, other_host = tmp_path / "this-host", tmp_path / "other-host"
    crashed = run_app([sqlite_url, str(this_host), "500", (now - age).isoformat()], crash)
    assert crashed.returncode == CRASH_EXIT_CODE, crashed.stderr
    engine = create_engine(sqlite_url, key="test")
    apps = []
    try:
        committed = 1 if crash == "after_commit" else 0
        assert ledger_rows(engine) == committed
        apps.append(other := create_app(sqlite_url, SERVER_STATUS_SPOOL_DIR=str(other_host)))
        assert get_state(other).flush(now=now)  # its first flush prunes
        assert ledger_rows(engine) == (committed if age < FLUSH_LEDGER_RETENTION else 0)
        apps.append(restarted := create_app(sqlite_url, SERVER_STATUS_SPOOL_DIR=str(this_host)))
        state = get_state(restarted)
        assert state.flush(now=now)  # the first flush replays the dead process's spool
        expected = {"/user/<int:id>": {"requests": stored, "successes": stored}} if stored else {}
        assert outcome_totals(engine, "hour") == expected
        assert outcome_totals(engine, "day") == expected
        assert state.dropped_requests == dropped
        assert not list(this_host.glob("*/*.json"))
    finally:
        for app in apps:
            get_state(app).flusher.stop(flush=False)
            get_state(app).engine.dispose()
        engine.dispose()
