"""The built-in indicators as /z/health shows them, served over real HTTP."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from flask_management_endpoints import ManagementEndpoints
from tests.support.databases import product_name
from tests.support.fake_service import free_port


def make_app(url: str, binds: dict[str, str] | None = None, **z_endpoints: Any) -> Flask:
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    if binds:
        app.config["SQLALCHEMY_BINDS"] = binds
    app.config["Z_ENDPOINTS"] = {"show_details": "always", **z_endpoints}
    SQLAlchemy(app)
    ManagementEndpoints(app)
    return app


def test_health_shows_db_disk_space_memory_and_ping(
    live_server: Callable[[Flask], str], database_url: str, tmp_path: Path
) -> None:
    app = make_app(
        database_url,
        indicators={
            "diskSpace": {"path": str(tmp_path), "threshold_bytes": 1},
            "memory": {"threshold_percent": 100},
        },
    )
    answer = requests.get(f"{live_server(app)}/z/health", timeout=10)
    assert answer.status_code == 200, answer.text
    components = answer.json()["components"]
    assert components["db"]["status"] == "UP"
    assert components["db"]["details"]["database"] == product_name(database_url)
    assert components["db"]["details"]["validationQuery"] == "SELECT 1"
    disk = components["diskSpace"]
    assert disk["status"] == "UP"
    assert disk["details"]["path"] == str(tmp_path)
    assert disk["details"]["threshold"] == 1
    assert disk["details"]["exists"] is True
    assert components["memory"]["status"] == "UP"
    assert components["memory"]["details"]["threshold"] == 100
    assert components["ping"]["status"] == "UP"


def test_unreachable_database_is_down_with_the_error(live_server: Callable[[Flask], str]) -> None:
    app = make_app(
        f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test",
        indicators={"memory": False, "diskSpace": False},
    )
    answer = requests.get(f"{live_server(app)}/z/health", timeout=10)
    assert answer.status_code == 503
    db = answer.json()["components"]["db"]
    assert db["status"] == "DOWN"
    assert db["details"]["database"] == "PostgreSQL"
    assert db["details"]["error"].startswith("OperationalError: ")


def test_every_bind_is_checked(
    live_server: Callable[[Flask], str], sqlite_url: str, tmp_path: Path
) -> None:
    app = make_app(
        sqlite_url,
        binds={"archive": f"sqlite:///{tmp_path / 'missing-dir' / 'archive.db'}"},
        indicators={"memory": False, "diskSpace": False},
    )
    answer = requests.get(f"{live_server(app)}/z/health/db", timeout=10)
    assert answer.status_code == 503
    details = answer.json()["details"]
    assert details["default"]["status"] == "UP"
    assert details["archive"]["status"] == "DOWN"
    assert details["archive"]["error"] == "OperationalError: unable to open database file"


def test_threshold_crossed_makes_disk_space_down(
    live_server: Callable[[Flask], str], sqlite_url: str, tmp_path: Path
) -> None:
    app = make_app(
        sqlite_url,
        indicators={"diskSpace": {"path": str(tmp_path), "threshold_bytes": 2**62}},
    )
    answer = requests.get(f"{live_server(app)}/z/health/diskSpace", timeout=10)
    assert answer.status_code == 503
    assert answer.json()["status"] == "DOWN"


def test_silent_database_does_not_hold_the_probe(live_server: Callable[[Flask], str]) -> None:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)  # accepts connections, never answers
    try:
        port = listener.getsockname()[1]
        app = make_app(
            f"postgresql+psycopg://postgres@127.0.0.1:{port}/test",
            indicators={"memory": False, "diskSpace": False},
        )
        app.config["BACKEND_TIMEOUT"] = 0.5
        base = live_server(app)
        for _ in range(2):  # the second probe finds the first query still stuck
            # The database never answers: an answer at all, DOWN on a timeout, shows the
            # probe is not held by it.
            answer = requests.get(f"{base}/z/health", timeout=30)
            assert answer.status_code == 503
            db = answer.json()["components"]["db"]
            assert db["status"] == "DOWN"
            assert "timeout" in db["details"]["error"]
    finally:
        listener.close()
