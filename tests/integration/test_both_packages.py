"""Both extensions in one app, as the demo and most users run them."""

from __future__ import annotations

import importlib.util
import sys
import threading
import time
from pathlib import Path
from types import ModuleType
from typing import Any

from flask import Flask

from flask_management_endpoints import ManagementEndpoints
from flask_server_status import FlaskStatus
from flask_server_status.state import get_state
from tests.server_status.summary_view import by_rule

REPO_ROOT = Path(__file__).resolve().parents[2]


def load_demo() -> ModuleType:
    spec = importlib.util.spec_from_file_location("demo_app", REPO_ROOT / "examples/demo_app.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("demo_app", module)
    spec.loader.exec_module(module)
    return module


def routes_by_rule(app: Flask) -> dict[str, dict[str, Any]]:
    return by_rule(app, app.test_client().get("/status/api/routes").get_json()["routes"])


def test_management_endpoints_are_not_recorded_as_app_traffic(database_url: str) -> None:
    app = Flask(__name__)
    app.config["SERVER_STATUS_DATABASE_URI"] = database_url
    app.add_url_rule("/", "index", lambda: "hello")
    ManagementEndpoints(app)
    FlaskStatus(app)
    client = app.test_client()

    for _ in range(5):
        assert client.get("/z/health").status_code == 200
        assert client.get("/z/health/liveness").status_code == 200
    for _ in range(3):
        assert client.get("/").status_code == 200
    assert get_state(app).flush()

    routes = routes_by_rule(app)
    assert routes["/"]["requests_24h"] == 3
    assert not any(rule.startswith("/z") for rule in routes)


def test_status_page_answers_while_health_reports_its_database(database_url: str) -> None:
    """The status API and /z/health's db indicator can share one Flask-SQLAlchemy database."""
    from flask_sqlalchemy import SQLAlchemy

    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url
    db = SQLAlchemy(app)
    app.add_url_rule("/", "index", lambda: "hello")
    ManagementEndpoints(app, db=db)
    FlaskStatus(app)
    client = app.test_client()
    client.get("/")
    assert get_state(app).flush()

    health = client.get("/z/health").get_json()
    assert health["components"]["db"]["status"] == "UP"
    assert routes_by_rule(app)["/"]["requests_24h"] == 1


def test_demo_app_serves_health_info_and_a_status_page_with_its_traffic(
    sqlite_url: str,
) -> None:
    demo = load_demo()
    app = demo.create_app({"SERVER_STATUS_DATABASE_URI": sqlite_url})
    client = app.test_client()

    assert client.get("/z/health").status_code == 200
    info = client.get("/z/info").get_json()
    assert info["app"]["version"] == "1.4.2"
    assert client.get("/z/version").get_data(as_text=True).strip() == "1.4.2"

    for path in ("/", "/products", "/products/2", "/products/7", "/search"):
        client.get(path)
    client.post("/checkout")
    assert get_state(app).flush()

    opened = client.post(
        "/flask-status/incidents",
        json={"title": "Slow checkout", "message": "Looking into it"},
        headers={"Authorization": f"Bearer {demo.DEFAULT_ADMIN_SECRET}"},
    )
    assert opened.status_code == 201
    summary = client.get("/status/api/summary?days=1").get_json()
    assert [i["title"] for i in summary["incidents"]["active"]] == ["Slow checkout"]

    routes = routes_by_rule(app)
    assert routes["/products/<int:product_id>"]["name"] == "Product page"
    assert routes["/products/<int:product_id>"]["requests_24h"] >= 2
    assert routes["/checkout"]["name"] == "Checkout"


def test_demo_traffic_reaches_the_status_page(sqlite_url: str) -> None:
    demo = load_demo()
    app = demo.create_app({"SERVER_STATUS_DATABASE_URI": sqlite_url})
    stop = threading.Event()
    sender = threading.Thread(target=demo.send_traffic, args=(app, stop))
    sender.start()
    time.sleep(1.6)  # the sender waits half a second between requests
    stop.set()
    sender.join(timeout=10)
    assert get_state(app).flush()

    total = sum(int(str(route["requests_24h"])) for route in routes_by_rule(app).values())
    assert total >= 2
