"""The shared fixtures themselves work: each one against a real counterpart."""

from __future__ import annotations

import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import NamedTuple

import pytest
import requests
import sqlalchemy as sa
from flask import Flask

from tests.support import mariadb, postgres
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


class Server(NamedTuple):
    """How the harness provides one database server, for the tests below."""

    module: ModuleType
    binaries: Callable[[], object]
    variable: str
    user: str
    database: str
    isolated: Callable[[str], postgres.PostgresSchema | mariadb.MariaDBDatabase]
    current: str
    throwaway: str


SERVERS = {
    "postgres": Server(
        postgres, postgres.find_initdb, "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@",
        "/test", postgres.PostgresSchema, "SELECT current_schema()", "throwaway cluster",
    ),
    "mariadb": Server(
        mariadb, mariadb.find_binaries, "TEST_MARIADB_URL", "mysql+pymysql://root@", "/",
        mariadb.MariaDBDatabase, "SELECT DATABASE()", "throwaway server",
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", list(SERVERS))
def test_each_test_gets_a_private_empty_schema(name: str, request: pytest.FixtureRequest) -> None:
    engine = sa.create_engine(request.getfixturevalue(f"{name}_url"))
    with engine.begin() as conn:
        assert sa.inspect(conn).get_table_names() == []
        conn.execute(sa.text("CREATE TABLE probe (id integer)"))
        schema = conn.execute(sa.text(SERVERS[name].current)).scalar_one()
    assert schema.startswith("t_")
    engine.dispose()


@pytest.mark.parametrize("name", list(SERVERS))
def test_without_a_url_or_a_local_server_a_throwaway_server_is_started(
    name: str, monkeypatch: pytest.MonkeyPatch, closed_port_url: str
) -> None:
    server = SERVERS[name]
    if server.binaries() is None:
        pytest.skip(f"no {name} server binaries on this machine")
    monkeypatch.delenv(server.variable, raising=False)
    nobody_home = closed_port_url.replace("http://", server.user) + server.database
    monkeypatch.setattr(server.module, "CONVENTIONAL_URLS", (nobody_home,))

    provided = server.module.find_or_start()
    assert provided.cluster is not None, provided.how
    folder = provided.cluster.folder
    try:
        assert provided.url is not None
        assert server.throwaway in provided.how
        schema = server.isolated(provided.url)
        engine = sa.create_engine(schema.url)
        with engine.connect() as conn:
            assert conn.execute(sa.text(server.current)).scalar_one() == schema.name
        engine.dispose()
        schema.drop()
    finally:
        provided.close()
    assert not folder.exists()
    assert not postgres.answers(provided.url)


@pytest.mark.parametrize(
    ("name", "given", "used"),
    [
        ("postgres", "postgres://", "postgresql+psycopg://"),
        ("mariadb", "mariadb://", "mariadb+pymysql://"),
    ],
)
def test_an_explicit_url_is_used_and_nothing_else_is_tried(
    name: str, given: str, used: str, monkeypatch: pytest.MonkeyPatch, closed_port_url: str
) -> None:
    server = SERVERS[name]
    refused = closed_port_url.replace("http://", f"{given}u:secret@") + "/db"
    monkeypatch.setenv(server.variable, refused)
    provided = server.module.find_or_start()
    assert provided.cluster is None
    assert provided.url is not None
    assert provided.url.startswith(f"{used}u:secret@")
    assert "secret" not in provided.how


def test_the_page_bundle_is_built_for_the_suite(page_bundle: None) -> None:
    assert is_fresh()
    info = (STATIC / "build-info.json").read_text("utf-8")
    assert source_hash() in info


def test_database_url_runs_on_all_three(database_url: str) -> None:
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
