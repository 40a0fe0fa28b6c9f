"""mappings, env and threaddump in Actuator's shapes."""

from __future__ import annotations

import threading

import pytest
from flask import Blueprint, Flask

from tests.management_endpoints.apps import make_app

AUTH = {"Authorization": "Bearer ops"}


@pytest.fixture
def app() -> Flask:
    app = make_app(
        {"auth_token": "ops", "exposure": {"include": ["mappings", "env", "threaddump"]}}
    )
    shop = Blueprint("shop", __name__)

    @shop.route("/orders/<int:order_id>", methods=["GET", "DELETE"])
    def order(order_id: int) -> str:
        return str(order_id)

    app.register_blueprint(shop)
    return app


def test_mappings_list_every_rule_with_methods_endpoint_and_blueprint(app: Flask) -> None:
    body = app.test_client().get("/z/mappings", headers=AUTH).get_json()
    entries = body["contexts"]["orders"]["mappings"]["dispatcherServlets"]["dispatcherServlet"]
    by_pattern = {e["details"]["requestMappingConditions"]["patterns"][0]: e for e in entries}
    order = by_pattern["/orders/<int:order_id>"]
    assert order["details"]["requestMappingConditions"]["methods"] == [
        "DELETE", "GET", "HEAD", "OPTIONS"
    ]  # fmt: skip
    assert order["details"]["endpoint"] == "shop.order"
    assert order["details"]["blueprint"] == "shop"
    assert order["predicate"] == "{DELETE, GET, HEAD, OPTIONS [/orders/<int:order_id>]}"
    assert by_pattern["/"]["details"]["blueprint"] is None
    assert "/z/health/liveness" in by_pattern


def test_env_masks_by_key_and_value(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDERS_DB", "postgresql://orders:pw1@db/orders")
    monkeypatch.setenv("ORDERS_REGION", "eu-west-1")
    app.config.update(SECRET_KEY="k2", CACHE_HOSTS=["a", "b"], NESTED={"api_token": "t3"})
    body = app.test_client().get("/z/env", headers=AUTH).get_json()
    assert body["activeProfiles"] == []
    sources = {s["name"]: s["properties"] for s in body["propertySources"]}
    assert sources["environ"]["ORDERS_DB"] == {"value": "postgresql://orders:******@db/orders"}
    assert sources["environ"]["ORDERS_REGION"] == {"value": "eu-west-1"}
    assert sources["config"]["SECRET_KEY"] == {"value": "******"}
    assert sources["config"]["CACHE_HOSTS"] == {"value": ["a", "b"]}
    assert sources["config"]["NESTED"] == {"value": {"api_token": "******"}}
    assert sources["config"]["Z_ENDPOINTS"]["value"]["auth_token"] == "******"


def test_threaddump_shows_every_thread_as_json_and_text(app: Flask) -> None:
    release = threading.Event()
    worker = threading.Thread(target=release.wait, name="parked-worker", daemon=True)
    worker.start()
    try:
        client = app.test_client()
        dump = client.get("/z/threaddump", headers=AUTH).get_json()
        text = client.get("/z/threaddump", headers={**AUTH, "Accept": "text/plain"})
    finally:
        release.set()
        worker.join()
    threads = {t["threadName"]: t for t in dump["threads"]}
    assert set(threads) >= {"MainThread", "parked-worker"}
    parked = threads["parked-worker"]
    assert (parked["threadId"], parked["daemon"], parked["threadState"]) == (
        worker.ident, True, "WAITING"
    )  # fmt: skip
    assert parked["stackTrace"][0]["className"] == "threading"
    assert any(f["methodName"] == "wait" for f in parked["stackTrace"])
    assert text.mimetype == "text/plain"
    assert f'"parked-worker" #{worker.ident} daemon' in text.get_data(as_text=True)
    assert "\tat threading.wait(threading.py:" in text.get_data(as_text=True)
