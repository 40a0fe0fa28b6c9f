"""Import compatibility, __version__, health+json names, name collisions, the db at fork."""

from __future__ import annotations

import importlib.metadata
import json
import os

import pytest
from sqlalchemy.engine import make_url

from flask_management_endpoints import ConfigError, Health, ManagementEndpoints
from tests.management_endpoints.apps import make_app
from tests.support.tcp_proxy import TcpProxy

QUIET = {"diskSpace": False, "memory": False}


def test_info_is_importable_and_gives_trace_attributes() -> None:
    from flask_management_endpoints import Info

    attributes = Info.trace_attributes(app_name="frontend")
    assert attributes["service.name"] == "frontend"
    assert attributes["process.pid"] == os.getpid()


def test_version_is_the_installed_distributions() -> None:
    import flask_management_endpoints

    expected = importlib.metadata.version("flask-management-endpoints")
    assert flask_management_endpoints.__version__ == expected


def test_health_json_keys_hold_no_colon_from_component_names() -> None:
    app = make_app(
        {"indicators": QUIET, "check_functions": {"health": {"redis:cache": lambda: True}}}
    )
    body = app.test_client().get("/z/health", headers={"Accept": "application/health+json"})
    names = [key.rsplit(":", 1)[0] for key in body.get_json()["checks"]]
    assert "redis%3Acache" in names
    assert all(":" not in name for name in names)


def test_a_check_named_like_a_built_in_indicator_is_a_config_error(sqlite_url: str) -> None:
    from flask import Flask
    from flask_sqlalchemy import SQLAlchemy

    app = Flask("orders")
    app.config["SQLALCHEMY_DATABASE_URI"] = sqlite_url
    app.config["Z_ENDPOINTS"] = {"check_functions": {"readiness": {"db": lambda: True}}}
    db = SQLAlchemy(app)
    with pytest.raises(ConfigError) as raised:
        ManagementEndpoints(app, db=db)
    assert raised.value.key == 'Z_ENDPOINTS["check_functions"]["readiness"]["db"]'
    assert 'Z_ENDPOINTS["indicators"]["db"]' in str(raised.value)


def test_switching_the_indicator_off_lets_a_check_take_its_name() -> None:
    app = make_app(
        {
            "indicators": {**QUIET, "ping": False},
            "check_functions": {"health": {"ping": lambda: Health.down(mine=True)}},
            "show_details": "always",
        }
    )
    components = app.test_client().get("/z/health").get_json()["components"]
    assert components["ping"] == {"status": "DOWN", "details": {"mine": True}}


def test_a_forked_child_recovers_from_a_db_query_in_flight_at_the_fork(postgres_url: str) -> None:
    from flask import Flask
    from flask_sqlalchemy import SQLAlchemy

    url = make_url(postgres_url)
    proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432))
    proxy.forwarding = False  # the first query's connection is blackholed
    app = Flask("orders")
    app.config["BACKEND_TIMEOUT"] = 1.0
    app.config["SQLALCHEMY_DATABASE_URI"] = url.set(port=proxy.port).render_as_string(
        hide_password=False
    )
    app.config["Z_ENDPOINTS"] = {
        "indicators": QUIET,
        "show_details": "always",
        "success_ttl": 0,
        "failure_ttl": 0,
    }
    ManagementEndpoints(app, db=SQLAlchemy(app))
    client = app.test_client()
    try:
        parent = client.get("/z/health").get_json()["components"]["db"]
        assert parent["status"] == "DOWN"
        assert "timeout" in parent["details"]["error"]
        proxy.forwarding = True  # new connections reach the database
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: its first health answer must query again
            try:
                component = client.get("/z/health").get_json()["components"]["db"]
                os.write(write, json.dumps(component).encode())
            finally:
                os._exit(0)
        os.close(write)
        with os.fdopen(read) as pipe:
            child = json.loads(pipe.read() or "null")
        os.waitpid(pid, 0)
        assert child is not None
        assert child["status"] == "UP", child
        assert child["details"]["database"] == "PostgreSQL"
    finally:
        proxy.close()
