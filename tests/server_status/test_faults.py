"""The database going away never reaches the host app; counts survive, bounded."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.engine import make_url

from flask_server_status import get_state
from flask_server_status.engine import create_engine
from tests.server_status.sample_app import create_app
from tests.server_status.storage import outcome_totals
from tests.server_status.tcp_proxy import TcpProxy
from tests.support.fake_service import free_port


def wait_for_minute_start() -> None:
    """Avoid starting a test a second before a minute boundary (bucket keys are minutes)."""
    if time.time() % 60 > 57:
        time.sleep(60 - time.time() % 60 + 0.1)


def wait_for_totals(
    engine: sa.Engine, expected: dict[str, dict[str, int]], timeout: float = 15.0
) -> dict[str, dict[str, int]] | None:
    """The stored totals once they equal ``expected`` (or the last seen after ``timeout``)."""
    deadline = time.monotonic() + timeout
    totals = None
    while time.monotonic() < deadline:
        try:
            totals = outcome_totals(engine)
        except sa.exc.DBAPIError:  # tables not created yet
            totals = None
        if totals == expected:
            break
        time.sleep(0.05)
    return totals


def test_a_closed_port_never_fails_a_request_and_the_buffer_is_bounded(
    server_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    closed = make_url(server_url).set(host="127.0.0.1", port=free_port())
    app = create_app(
        closed.render_as_string(hide_password=False), SERVER_STATUS_BUFFER_MAX_BUCKETS=2
    )
    state = get_state(app)
    client = app.test_client()
    wait_for_minute_start()
    caplog.set_level(logging.WARNING, logger="flask_server_status")
    try:
        for path, count in (("/", 3), ("/moved", 4), ("/user/1", 5)):
            for _ in range(count):
                assert client.get(path).status_code in (200, 302)
            assert not state.flush()
        held = {rule for batch in state.flusher.unconfirmed for rule, _minute in batch.buckets}
        assert held == {"/", "/moved"}
        assert state.flusher.pending.dropped == 5
        warnings = [r.getMessage() for r in caplog.records]
        assert sum("could not write to its database" in w for w in warnings) == 1
        assert any(w.startswith("flask-server-status dropped 5 requests") for w in warnings)
    finally:
        state.flusher.stop(flush=False)


def test_the_database_going_away_mid_run_loses_no_count(
    server_url: str, proxy: TcpProxy, live_server: Callable[[Flask], str]
) -> None:
    import requests

    app = create_app(proxy.url_for(server_url), SERVER_STATUS_FLUSH_INTERVAL_SECONDS=0.1)
    state = get_state(app)
    base_url = live_server(app)
    direct = create_engine(server_url, key="test")
    try:
        for user_id in range(10):
            assert requests.get(f"{base_url}/user/{user_id}", timeout=5).status_code == 200
        before = {"/user/<int:id>": {"requests": 10, "successes": 10}}
        assert wait_for_totals(direct, before) == before
        proxy.cut()
        for user_id in range(20):  # the database is gone: the app does not notice
            assert requests.get(f"{base_url}/user/{user_id}", timeout=5).status_code == 200
            assert requests.get(f"{base_url}/boom", timeout=5).status_code == 500
        time.sleep(0.5)  # several failed flushes
        assert state.flusher.held_buckets
        proxy.restore()
        expected = {
            "/user/<int:id>": {"requests": 30, "successes": 30},
            "/boom": {"requests": 20, "failures": 20},
        }
        assert wait_for_totals(direct, expected) == expected
        assert state.flusher.pending.dropped == 0
    finally:
        state.flusher.stop(flush=False)
        state.engine.dispose()
        direct.dispose()


class _RestoreOnFailure(logging.Handler):
    """Brings the database back when the flusher reports a failed write."""

    def __init__(self, proxy: TcpProxy) -> None:
        super().__init__(logging.WARNING)
        self.proxy = proxy
        self.failures = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "could not write to its database" in record.getMessage():
            self.failures += 1
            self.proxy.restore()


def test_the_last_flush_is_retried_while_the_database_fails(
    server_url: str, proxy: TcpProxy, tmp_path: Path
) -> None:
    """A stop (the exit hook's call) retries its one flush: nothing is lost to a passing fault."""
    app = create_app(proxy.url_for(server_url), SERVER_STATUS_SPOOL_DIR=str(tmp_path))
    state = get_state(app)
    client = app.test_client()
    direct = create_engine(server_url, key="test")
    restorer = _RestoreOnFailure(proxy)
    logger = logging.getLogger("flask_server_status")
    try:
        wait_for_minute_start()
        assert client.get("/user/0").status_code == 200
        assert state.flush()  # migrates, and opens the pool's connection
        proxy.cut()
        for user_id in range(1, 12):
            assert client.get(f"/user/{user_id}").status_code == 200
        logger.addHandler(restorer)
        assert state.flusher.stop(flush=True)
        assert restorer.failures == 1  # the first try failed, a retry stored it
        assert outcome_totals(direct) == {"/user/<int:id>": {"requests": 12, "successes": 12}}
        assert not list(tmp_path.glob("*/*.json"))
    finally:
        logger.removeHandler(restorer)
        state.flusher.stop(flush=False)
        state.engine.dispose()
        direct.dispose()
