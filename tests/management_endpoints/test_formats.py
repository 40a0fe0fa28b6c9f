"""Media types, Cache-Control, JSON 404s and 405s, and discovery (acceptance 2, 10)."""

from __future__ import annotations

import re

import jsonschema
import pytest
from flask import Flask

from flask_management_endpoints import Health
from tests.management_endpoints.apps import make_app

V3 = "application/vnd.spring-boot.actuator.v3+json"
QUIET = {"diskSpace": False, "memory": False}
PROBE_PATHS = [
    "/z/health",
    "/z/health/liveness",
    "/z/health/readiness",
    "/z/health/ping",
    "/z/health/db",
    "/z/health/nope",
]


def app_with(**checks: object) -> Flask:
    return make_app(
        {"indicators": QUIET, "check_functions": {"health": checks}, "show_details": "always"}
    )


@pytest.mark.parametrize("accept", [None, "*/*", "text/html", V3, "application/xml"])
def test_actuator_v3_is_the_default(accept: str | None) -> None:
    app = make_app({"indicators": QUIET})
    headers = {"User-Agent": "kube-probe/1.30"} | ({"Accept": accept} if accept else {})
    response = app.test_client().get("/z/health/readiness", headers=headers)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == V3
    assert response.get_json(force=True) == {"status": "UP"}


def test_kubernetes_probe_gets_503_when_down() -> None:
    app = make_app({"check_functions": {"readiness": {"db": lambda: False}}})
    response = app.test_client().get(
        "/z/health/readiness", headers={"Accept": "*/*", "User-Agent": "kube-probe/1.30"}
    )
    assert (response.status_code, response.headers["Content-Type"]) == (503, V3)


def test_application_json_on_request() -> None:
    app = app_with(db=lambda: True)
    client = app.test_client()
    response = client.get("/z/health", headers={"Accept": "application/json"})
    assert response.headers["Content-Type"] == "application/json"
    assert response.get_json() == client.get("/z/health").get_json(force=True)


def test_health_json_on_request() -> None:
    app = app_with(db=lambda: True, cache=lambda: Health.down(error="timeout after 2.0s"))
    app.config["VERSION"] = "1.4.2"
    response = app.test_client().get("/z/health", headers={"Accept": "application/health+json"})
    assert response.status_code == 503
    assert response.headers["Content-Type"] == "application/health+json"
    body = response.get_json(force=True)
    assert body["status"] == "fail"
    assert body["releaseId"] == "1.4.2"
    assert body["serviceId"] == "orders"
    (cache,) = body["checks"]["cache:responseTime"]
    assert cache["componentType"] == "component"
    assert cache["status"] == "fail"
    assert cache["observedUnit"] == "ms"
    assert cache["observedValue"] >= 0
    assert cache["output"] == "timeout after 2.0s"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", cache["time"])
    assert body["checks"]["db:responseTime"][0]["status"] == "pass"
    assert "output" not in body["checks"]["db:responseTime"][0]


@pytest.mark.parametrize(
    ("result", "ietf", "code"),
    [
        (Health.up(), "pass", 200),
        (Health.unknown(), "warn", 200),
        (Health.down(), "fail", 503),
        (Health.out_of_service(), "fail", 503),
    ],
)
def test_health_json_status_mapping(result: Health, ietf: str, code: int) -> None:
    app = app_with(thing=lambda: result)
    response = app.test_client().get(
        "/z/health/thing", headers={"Accept": "application/health+json"}
    )
    assert (response.status_code, response.get_json(force=True)["status"]) == (code, ietf)


@pytest.mark.parametrize("path", PROBE_PATHS)
def test_every_probe_answer_is_not_stored(path: str) -> None:
    app = make_app({"check_functions": {"health": {"db": lambda: False}}})
    response = app.test_client().get(path)
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "path",
    ["/z/nothing", "/z/health/nope", "/z/health/liveness/nope", "/z/health/" + "a" * 129],
)
def test_unknown_paths_are_json_404s(path: str) -> None:
    response = make_app().test_client().get(path)
    assert response.status_code == 404
    assert response.is_json
    body = response.get_json()
    assert (body["status"], body["error"], body["path"]) == (404, "Not Found", path)


def test_name_of_128_characters_is_allowed() -> None:
    name = "a" * 128
    app = make_app({"check_functions": {"health": {name: lambda: True}}})
    assert app.test_client().get("/z/health/" + name).status_code == 200


def test_version_is_plain_text() -> None:
    app = make_app(VERSION="3.1.0")
    response = app.test_client().get("/z/version")
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.get_data(as_text=True) == "3.1.0"


@pytest.mark.parametrize("prefix", ["/z", "/admin/manage"])
def test_discovery_links_every_endpoint_under_the_prefix(prefix: str) -> None:
    app = make_app(prefix=prefix)
    client = app.test_client()
    body = client.get(prefix).get_json()
    base = "http://localhost" + prefix
    assert body == {
        "_links": {
            "self": {"href": base, "templated": False},
            "health": {"href": base + "/health", "templated": False},
            "health-path": {"href": base + "/health/{*path}", "templated": True},
            "info": {"href": base + "/info", "templated": False},
            "version": {"href": base + "/version", "templated": False},
        }
    }
    for name, link in body["_links"].items():
        if not link["templated"]:
            assert client.get(link["href"]).status_code == 200, name


HEALTH_JSON_SCHEMA = {
    "type": "object",
    "required": ["status"],
    "properties": {
        "status": {"enum": ["pass", "fail", "warn"]},
        "releaseId": {"type": "string"},
        "serviceId": {"type": "string"},
        "checks": {
            "type": "object",
            "propertyNames": {"pattern": "^[^:]+:[^:]+$"},
            "additionalProperties": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["status"],
                    "properties": {
                        "componentType": {"type": "string"},
                        "status": {"enum": ["pass", "fail", "warn"]},
                        "observedValue": {"type": "number"},
                        "observedUnit": {"type": "string"},
                        "time": {"type": "string", "format": "date-time"},
                        "output": {"type": "string"},
                    },
                },
            },
        },
    },
}


def test_health_json_follows_the_draft_structure() -> None:
    app = make_app(
        {
            "check_functions": {
                "health": {"caches": {"redis": lambda: True, "memcached": lambda: 1 / 0}}
            },
            "show_details": "always",
        }
    )
    body = app.test_client().get("/z/health", headers={"Accept": "application/health+json"})
    document = body.get_json(force=True)
    jsonschema.validate(document, HEALTH_JSON_SCHEMA)
    assert document["checks"]["caches/memcached:responseTime"][0]["output"] == (
        "ZeroDivisionError: division by zero"
    )


def test_head_answers_like_get_without_a_body() -> None:
    client = make_app().test_client()
    response = client.head("/z/health/liveness")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.get_data() == b""


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/z/health"),
        ("PUT", "/z/health/liveness"),
        ("DELETE", "/z"),
        ("PATCH", "/z/health/db"),
        ("PROPFIND", "/z/info"),
        ("POST", "/z/version"),
    ],
)
def test_other_methods_are_json_405s_with_allow(method: str, path: str) -> None:
    response = make_app().test_client().open(path, method=method)
    assert response.status_code == 405
    assert response.is_json
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"
    body = response.get_json()
    assert (body["status"], body["error"], body["path"]) == (405, "Method Not Allowed", path)
    assert body["message"] == f"{method} is not allowed here; use GET, HEAD, OPTIONS"


def test_other_method_on_an_unknown_management_path_is_a_json_404() -> None:
    response = make_app().test_client().post("/z/nothing")
    assert (response.status_code, response.is_json) == (404, True)


def test_the_apps_own_405_handler_still_serves_its_routes() -> None:
    app = make_app(prefix="/admin")

    @app.errorhandler(405)
    def app_405(error: Exception) -> tuple[str, int]:
        return "the app's own 405", 405

    @app.post("/jobs")
    def start_job() -> str:
        return "started"

    @app.post("/admin/jobs")
    def start_admin_job() -> str:
        return "started here too"

    client = app.test_client()
    assert client.post("/").get_data(as_text=True) == "the app's own 405"
    assert client.get("/jobs").get_data(as_text=True) == "the app's own 405"
    assert client.post("/admin/jobs").get_data(as_text=True) == "started here too"
    assert client.post("/admin/health").is_json
