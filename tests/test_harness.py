"""The shared fixtures themselves work: each one against a real counterpart."""

from __future__ import annotations

import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from flask import Flask

from tests.support import postgres
from tests.support.fake_service import FakeService
from tests.support.gunicorn import GunicornRunner
from tests.support.page_bundle import STATIC, is_fresh, source_hash


def test_live_server_serves_the_app(live_server: Callable[[Flask], str]) -> None:
    app = Flask(__name__)
    app.add_url_rule("/hello", "hello", lambda: "hi")
    base = live_server(app)
    assert requests.get(f"{base}/hello", timeout=5).text == "hi"


def test_fake_service_status_body_delay_and_hang(
    fake_service: Callable[..., FakeService],
) -> None:
    service = fake_service(status=503, body={"status": "DOWN"})
    answer = requests.get(f"{service.url}/health", timeout=5)
    assert (answer.status_code, answer.json()) == (503, {"status": "DOWN"})
    assert service.requests[0].path == "/health"

    service.status, service.body, service.delay = 200, {"ok": True}, 0.3
    started = time.monotonic()
    assert requests.get(service.url, timeout=5).json() == {"ok": True}
    assert time.monotonic() - started >= 0.3

    service.hang()
    with pytest.raises(requests.Timeout):
        requests.get(service.url, timeout=0.5)
    service.release()


def test_closed_port_refuses(closed_port_url: str) -> None:
    with pytest.raises(requests.ConnectionError):
        requests.get(closed_port_url, timeout=2)


@pytest.mark.postgres
def test_postgres_schema_is_private_and_empty(postgres_url: str) -> None:
    engine = sa.create_engine(postgres_url)
    with engine.begin() as conn:
        assert sa.inspect(conn).get_table_names() == []
        conn.execute(sa.text("CREATE TABLE probe (id integer)"))
        schema = conn.execute(sa.text("SELECT current_schema()")).scalar_one()
    assert schema.startswith("t_")
    engine.dispose()


def test_without_a_url_or_a_local_server_a_throwaway_cluster_is_started(
    monkeypatch: pytest.MonkeyPatch, closed_port_url: str
) -> None:
    if postgres.find_initdb() is None:
        pytest.skip("no PostgreSQL server binaries (initdb) on this machine")
    monkeypatch.delenv("TEST_POSTGRES_URL", raising=False)
    nobody_home = closed_port_url.replace("http://", "postgresql+psycopg://postgres@") + "/test"
    monkeypatch.setattr(postgres, "CONVENTIONAL_URLS", (nobody_home,))

    provided = postgres.find_or_start()
    assert provided.cluster is not None, provided.how
    folder = provided.cluster.folder
    try:
        assert provided.url is not None
        assert "throwaway cluster" in provided.how
        schema = postgres.PostgresSchema(provided.url)
        engine = sa.create_engine(schema.url)
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT current_schema()")).scalar_one() == schema.name
        engine.dispose()
        schema.drop()
    finally:
        provided.close()
    assert not folder.exists()
    assert not postgres.answers(provided.url)


def test_an_explicit_url_is_used_and_nothing_else_is_tried(
    monkeypatch: pytest.MonkeyPatch, closed_port_url: str
) -> None:
    refused = closed_port_url.replace("http://", "postgres://u:secret@") + "/db"
    monkeypatch.setenv("TEST_POSTGRES_URL", refused)
    provided = postgres.find_or_start()
    assert provided.cluster is None
    assert provided.url is not None
    assert provided.url.startswith("postgresql+psycopg://u:secret@")
    assert "secret" not in provided.how


def test_the_page_bundle_is_built_for_the_suite(page_bundle: None) -> None:
    assert is_fresh()
    info = (STATIC / "build-info.json").read_text("utf-8")
    assert source_hash() in info


def test_database_url_runs_on_both(database_url: str) -> None:
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT 1")).scalar_one() == 1
    engine.dispose()


@pytest.mark.gunicorn
def test_gunicorn_serves_with_several_workers(gunicorn: GunicornRunner, tmp_path: Path) -> None:
    (tmp_path / "pidapp.py").write_text(
        textwrap.dedent("""
        import os
        from flask import Flask
        app = Flask(__name__)
        @app.get("/")
        def index():
            return str(os.getpid())
    """)
    )
    server = gunicorn.start("pidapp:app", workers=3, pythonpath=[tmp_path])
    pids = {requests.get(server.base_url, timeout=5).text for _ in range(30)}
    assert len(pids) >= 1
    assert all(p.isdigit() for p in pids)
    assert server.stop() == 0
    assert "GET / HTTP/1.1" in server.read_access_log()
