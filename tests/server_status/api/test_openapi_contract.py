"""The OpenAPI document is valid, served under the app's prefixes, and complete:
every documented answer of every endpoint is produced here and validates."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from jsonschema import Draft202012Validator

from flask_server_status import get_state
from flask_server_status.clock import utcnow
from flask_server_status.reports import answers, statuspage_v2
from flask_server_status.web import public
from tests.server_status.api.contract import (
    METHODS,
    ContractClient,
    operations,
    registry,
    shipped_document,
)
from tests.support.fake_service import refused_url
from tests.support.status_seed import seed_history

ADMIN = "/flask-status"

#: A valid body for every admin operation that takes one.
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("/flask-status/configure", "put"): {"rule": "/", "name": "Front page", "doc": ""},
    ("/flask-status/configure", "delete"): {"rule": "/items"},
    ("/flask-status/incidents", "post"): {"title": "Checkout errors", "impact": "major"},
    ("/flask-status/incidents/{incident_id}", "patch"): {"impact": "critical"},
    ("/flask-status/incidents/{incident_id}/updates", "post"): {
        "status": "monitoring",
        "message": "A fix is deployed",
    },
    ("/flask-status/maintenance", "post"): {
        "title": "Upgrade",
        "starts_at": "2031-01-01T00:00:00Z",
        "ends_at": "2031-01-01T01:00:00Z",
    },
    ("/flask-status/maintenance/{maintenance_id}", "patch"): {"title": "Bigger upgrade"},
}


def _walk_refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"]
        for value in node.values():
            yield from _walk_refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk_refs(value)


def test_document_is_openapi_31_with_resolvable_schemas() -> None:
    document = shipped_document()
    assert document["openapi"].startswith("3.1")
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    for schema in document["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)
    resolver = registry(document).resolver()
    refs = set(_walk_refs(document))
    assert refs
    for ref in refs:
        assert ref.startswith("#/"), ref
        resolver.lookup(f"urn:flask-server-status:openapi{ref}")
    operation_ids = [
        item[method]["operationId"]
        for item in document["paths"].values()
        for method in METHODS
        if method in item
    ]
    assert len(operation_ids) == len(set(operation_ids))
    for path, item in document["paths"].items():
        declared = {p["name"] for p in item.get("parameters", [])}
        for method in METHODS:
            if method in item:
                names = declared | {p["name"] for p in item[method].get("parameters", [])}
                for segment in path.split("/"):
                    if segment.startswith("{"):
                        assert segment.strip("{}") in names, (path, method)
                if path.startswith(ADMIN):
                    assert item[method]["security"] == [{"bearer": []}]
                    assert "401" in item[method]["responses"]


def test_served_document_uses_the_configured_prefixes(make_app: Callable[..., Flask]) -> None:
    app = make_app(SERVER_STATUS_URL_PREFIX="/health-page", SERVER_STATUS_ADMIN_PREFIX="/ops/")
    client = app.test_client()
    served = client.get("/health-page/api/openapi.json").get_json()
    paths = set(served["paths"])
    assert "/health-page/api/summary" in paths
    assert "/ops/incidents/{incident_id}" in paths
    assert not any(p.startswith(("/status", "/flask-status")) for p in paths)
    assert served["components"] == shipped_document()["components"]
    behind_proxy = client.get(
        "/health-page/api/openapi.json", environ_overrides={"SCRIPT_NAME": "/shop"}
    ).get_json()
    assert behind_proxy["servers"] == [{"url": "/shop"}]
    checked = ContractClient(client, served)
    checked.get("/health-page/api/summary?days=3")
    assert ("/health-page/api/summary", "get", "200") in checked.seen


def _fill(template: str, **ids: int) -> str:
    return template.format(**ids)


def _admin_operations() -> list[tuple[str, str]]:
    document = shipped_document()
    return [
        (path, method)
        for path, item in document["paths"].items()
        if path.startswith(ADMIN)
        for method in METHODS
        if method in item
    ]


def test_every_documented_answer_is_produced_and_valid(
    make_app: Callable[..., Flask], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(API_ENABLED=True, API_SECRET="Bearer tSx0L5exSjiPqqXs")
    seed_history(app, routes=3, days=5)
    app.test_client().get("/items")
    assert get_state(app).flush()  # registers the app's own routes
    document = shipped_document()
    api = ContractClient(app.test_client(), document)
    disabled = ContractClient(make_app().test_client(), document)
    down = ContractClient(
        make_app(
            SERVER_STATUS_DATABASE_URI=refused_url().replace("http", "postgresql+psycopg")
            + "/none",
            API_ENABLED=True,
            API_SECRET="tSx0L5exSjiPqqXs",
        ).test_client(),
        document,
    )
    for client in (disabled, down):
        client.seen = api.seen

    # Something to point at: an incident and a maintenance window.
    incident_id = api.admin("post", f"{ADMIN}/incidents", json={"title": "x"}).get_json()["id"]
    window = BODIES[(f"{ADMIN}/maintenance", "post")]
    maintenance_id = api.admin("post", f"{ADMIN}/maintenance", json=window).get_json()["id"]
    ids = {"incident_id": incident_id, "maintenance_id": maintenance_id}
    for path, method in _admin_operations():
        url = _fill(path, **ids)
        body = BODIES.get((path, method))
        kwargs: dict[str, Any] = {} if body is None else {"json": body}
        api.open(method, url, **kwargs)  # no token: 401
        api.open(method, url, headers={"Authorization": "Bearer wrong"}, **kwargs)
        disabled.admin(method, url, **kwargs)  # API disabled: 404
        down.admin(method, url, **kwargs)  # database unreachable: 503
        if "{" in path:
            api.admin(method, _fill(path, incident_id=999_999, maintenance_id=999_999), **kwargs)
        if body is not None:
            api.admin(method, url, data=b'{"title": "unfinished', content_type="application/json")
            api.admin(method, url, json={"bogus": True})
            api.admin(method, url, data=b"[" + b" " * 70_000 + b"]")
    api.admin("put", f"{ADMIN}/configure", json={"rule": "/nowhere", "name": "x"})
    api.admin("delete", f"{ADMIN}/configure", json={"rule": "/nowhere"})
    for path, method in _admin_operations():  # the successful answers, deletions last
        body = BODIES.get((path, method))
        api.admin(method, _fill(path, **ids), **({} if body is None else {"json": body}))

    public_urls = [
        "/status/api/summary",
        "/status/api/summary?days=7",
        "/status/api/status",
        "/status/api/routes",
        "/status/api/routes/1?days=3",
        "/status/api/components",
        "/status/api/components?page=2",
        "/status/api/components/route-1?days=3",
        "/status/api/incidents",
        f"/status/api/incidents/{incident_id}",
        "/status/api/maintenance",
        "/status/api/openapi.json",
        "/status/feed.atom",
        "/status/components/route-1/feed.atom",
        "/status/badge.svg",
        "/status/badges/1/uptime.svg?window=7d",
        "/status/badges/components/route-1/uptime.svg?window=7d",
        *(f"/status/api/v2/{name}" for name in statuspage_v2.ANSWERS),
        "/status/badges/components/route-1/status.svg",
    ]
    for url in public_urls:
        api.get(url)
        down.get(url)
    # Revalidation: the tag of each answer brings a 304 while nothing changed.
    # The clock stands still meanwhile: answers carry their time to the second.
    moment = utcnow()
    monkeypatch.setattr(answers, "utcnow", lambda: moment)
    monkeypatch.setattr(public, "utcnow", lambda: moment)
    monkeypatch.setattr(statuspage_v2, "utcnow", lambda: moment)
    for url in public_urls:
        tag = api.get(url).headers["ETag"]
        assert api.get(url, headers={"If-None-Match": tag}).status_code == 304, url
    for url in (
        "/status/api/summary?days=91",
        "/status/api/routes/1?days=abc",
        "/status/badges/1/uptime.svg?window=1y",
        "/status/api/components?page=0",
        "/status/api/components/route-1?days=abc",
        "/status/badges/components/route-1/uptime.svg?window=1y",
    ):
        api.get(url)
    for url in (
        "/status/api/routes/999999",
        "/status/api/incidents/999999",
        "/status/badges/999999/uptime.svg",
        "/status/api/components/nowhere",
        "/status/badges/components/nowhere/uptime.svg",
        "/status/components/nowhere/feed.atom",
        "/status/badges/components/nowhere/status.svg",
    ):
        api.get(url)

    bundle = tmp_path / "bundle"
    bundle.mkdir()
    monkeypatch.setattr(public, "STATIC_FOLDER", bundle)
    missing = api.get("/status/")
    assert "npm ci && npm run build" in missing.get_data(as_text=True)
    (bundle / "index.html").write_text("<!doctype html><title>status</title>")
    (bundle / "status.css").write_text("body{margin:0}")
    page = api.get("/status/")
    assert page.status_code == 200
    assert api.get("/status/", headers={"If-None-Match": page.headers["ETag"]}).status_code == 304
    assert api.get("/status").status_code == 308
    bundled = ContractClient(make_app().test_client(), document)  # static folder: bundle
    bundled.seen = api.seen
    assert bundled.get("/status/static/status.css").status_code == 200
    assert bundled.get("/status/static/missing.js").status_code == 404

    # Undocumented paths and methods still answer the documented Error shape.
    api.get("/status/api/nothing-here")
    api.admin("get", f"{ADMIN}/nothing-here")
    api.open("post", "/status/api/summary")
    api.admin("post", f"{ADMIN}/configure", json={})

    missing_answers = sorted(set(operations(document)) - api.seen)
    assert missing_answers == [], json.dumps(missing_answers, indent=1)
