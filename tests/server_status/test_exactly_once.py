"""A flush the database committed is applied once: lost acknowledgements and crashes.

The lost acknowledgement is real: a loopback proxy forwards PostgreSQL's
``COMMIT``, waits until the server answered (the transaction is committed)
and cuts the connection instead of delivering the answer. The crashes are
real processes ended with ``os._exit`` at the flusher's documented test seam
(``FLASK_SERVER_STATUS_TEST_CRASH``), then a new process of the same app.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa

from flask_server_status import get_state
from flask_server_status.engine import create_engine
from flask_server_status.flusher import CRASH_ENVIRONMENT_KEY, CRASH_EXIT_CODE
from flask_server_status.models import flushes
from tests.server_status.sample_app import create_app
from tests.server_status.storage import outcome_totals
from tests.server_status.tcp_proxy import TcpProxy

REPOSITORY = Path(__file__).resolve().parents[2]


def test_a_commit_whose_acknowledgement_is_lost_is_not_applied_twice(
    postgres_url: str, proxy: TcpProxy, tmp_path: Path
) -> None:
    app = create_app(proxy.url_for(postgres_url), SERVER_STATUS_SPOOL_DIR=str(tmp_path))
    state = get_state(app)
    direct = create_engine(postgres_url, key="test")
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
    from flask_server_status import get_state
    from tests.server_status.sample_app import create_app

    database_url, spool_dir, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    app = create_app(database_url, SERVER_STATUS_SPOOL_DIR=spool_dir)
    state = get_state(app)
    assert state.flush()  # schema, routes and a heartbeat: nothing to crash on yet
    state.recorder._started = True  # no flush thread: this process flushes by hand
    client = app.test_client()
    for user_id in range(count):
        assert client.get(f"/user/{user_id}").status_code == 200
    state.flush()  # FLASK_SERVER_STATUS_TEST_CRASH ends the process in here
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
