"""Remote dependencies: URL rules, scheme, prefix, timeouts and no loops (acceptance 1, 2)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
import requests
from flask import Flask, request

from flask_management_endpoints import ConfigurationError, ManagementEndpoints
from flask_management_endpoints.dependencies import dependency_url, preferred_scheme
from tests.management_endpoints.apps import make_app, timeout_seconds
from tests.support.fake_service import FakeService


@pytest.mark.parametrize(
    ("target", "check", "expected"),
    [
        ("widget-service", None, "http://widget-service/z/health"),
        ("widget-service:8080", None, "http://widget-service:8080/z/health"),
        ("httpbin:8080", None, "http://httpbin:8080/z/health"),
        ("httpbin", None, "http://httpbin/z/health"),
        ("widget-service", "readiness", "http://widget-service/z/health/readiness"),
        ("user-service:9922/admin", None, "http://user-service:9922/admin"),
        ("user-service:9922/admin/", "readiness", "http://user-service:9922/admin/readiness"),
        ("https://user-service:9922/admin", None, "https://user-service:9922/admin"),
        (
            "https://user-service:9922/admin",
            "readiness",
            "https://user-service:9922/admin/readiness",
        ),
    ],
)
def test_dependency_url_rules(target: str, check: str | None, expected: str) -> None:
    assert dependency_url(target, scheme="http", prefix="/z", check=check) == expected


def test_bare_host_uses_our_prefix_and_scheme() -> None:
    assert (
        dependency_url("svc:81", scheme="https", prefix="/admin") == "https://svc:81/admin/health"
    )
    assert dependency_url("svc", scheme="http", prefix="") == "http://svc/health"


@pytest.mark.parametrize("target", ["", "   ", "svc:notaport", "ftp://svc/x", "http://"])
def test_invalid_dependency_is_a_configuration_error_naming_the_key(target: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        make_app({"service_dependencies": {"users_api": target}})
    assert 'Z_ENDPOINTS["service_dependencies"]' in str(raised.value)
    assert "users_api" in str(raised.value) or target.strip() == ""


def test_scheme_from_app_config_then_environment_then_http(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("PREFERRED_URL_SCHEME", raising=False)
    monkeypatch.delenv("SCHEME", raising=False)
    assert preferred_scheme(Flask("a").config) == "http"
    monkeypatch.setenv("PREFERRED_URL_SCHEME", "https")
    assert preferred_scheme(Flask("b").config) == "https"
    app = Flask("c")
    app.config["PREFERRED_URL_SCHEME"] = "gopher"
    assert preferred_scheme(app.config) == "gopher"


def test_custom_prefix_is_used_for_bare_host_dependencies(
    fake_service: Callable[..., FakeService],
) -> None:
    remote = fake_service()
    app = make_app({"service_dependencies": {"remote": remote.host_port}}, prefix="/admin")
    assert app.test_client().get("/admin/health").status_code == 200
    assert [r.path for r in remote.requests] == ["/admin/health"]


def test_blueprint_url_prefix_is_used_for_bare_host_dependencies(
    fake_service: Callable[..., FakeService],
) -> None:
    from flask_management_endpoints import z_blueprint

    remote = fake_service()
    app = Flask("seed")
    app.register_blueprint(z_blueprint, url_prefix="/ops")
    app.config["Z_ENDPOINTS"] = {"service_dependencies": {"remote": remote.host_port}}
    assert app.test_client().get("/ops/health").status_code == 200
    assert [r.path for r in remote.requests] == ["/ops/health"]


def test_health_works_without_backend_timeout_using_the_default(
    fake_service: Callable[..., FakeService],
) -> None:
    hanging = fake_service()
    hanging.hang()
    app = make_app({"service_dependencies": {"slow": hanging.url}, "show_details": "always"})
    assert "BACKEND_TIMEOUT" not in app.config
    started = time.monotonic()
    response = app.test_client().get("/z/health")
    elapsed = time.monotonic() - started
    component = response.get_json()["components"]["slow"]
    assert response.status_code == 503
    # The service never answers (for a minute): the 2 s default cut the call, and the
    # error says how long was left of it (a loaded machine starts the call later).
    assert component["status"] == "DOWN"
    assert timeout_seconds(component["details"]["error"]) <= 2.0
    assert elapsed >= 1.9


def test_unreachable_dependency_is_down_with_the_reason(closed_port_url: str) -> None:
    app = make_app({"service_dependencies": {"gone": closed_port_url}, "show_details": "always"})
    component = app.test_client().get("/z/health").get_json()["components"]["gone"]
    assert component["status"] == "DOWN"
    assert component["details"]["url"] == closed_port_url
    assert component["details"]["error"].startswith("ConnectionError")


def test_remote_error_answer_is_down_with_its_http_status(
    fake_service: Callable[..., FakeService],
) -> None:
    broken = fake_service(status=500, body="<html>oops</html>", content_type="text/html")
    app = make_app({"service_dependencies": {"broken": broken.url}, "show_details": "always"})
    component = app.test_client().get("/z/health").get_json()["components"]["broken"]
    assert component == {"status": "DOWN", "details": {"url": broken.url, "httpStatus": 500}}


def test_dependency_in_readiness_is_asked_for_its_readiness(
    fake_service: Callable[..., FakeService],
) -> None:
    remote = fake_service()
    app = make_app(
        {
            "service_dependencies": {"remote": remote.host_port},
            "groups": {"readiness": {"include": ["remote"]}},
        }
    )
    client = app.test_client()
    assert client.get("/z/health/readiness").status_code == 200
    assert client.get("/z/health").status_code == 200
    assert [r.path for r in remote.requests] == ["/z/health/readiness", "/z/health"]


def test_calls_carry_the_chain_and_a_long_chain_stops_cascading(
    fake_service: Callable[..., FakeService],
) -> None:
    remote = fake_service()
    app = make_app(
        {"service_dependencies": {"remote": remote.url}, "service_id": "orders", "max_hops": 2},
    )
    client = app.test_client()
    client.get("/z/health", headers={"Management-Health-Chain": "gateway"})
    assert remote.requests[0].headers["Management-Health-Chain"] == "gateway,orders"

    body = client.get("/z/health", headers={"Management-Health-Chain": "a,b"}).get_json()
    assert body["components"]["remote"]["status"] == "UNKNOWN"
    assert remote.request_count == 1

    cycle = client.get("/z/health", headers={"Management-Health-Chain": "orders"})
    assert cycle.get_json()["components"]["remote"]["status"] == "UNKNOWN"
    assert remote.request_count == 1


def _counting_app(name: str, counter: list[str], lock: threading.Lock) -> Flask:
    app = Flask(name)

    @app.before_request
    def count() -> None:
        with lock:
            counter.append(f"{name} {request.path}")

    return app


def test_mutual_dependencies_answer_with_a_bounded_number_of_requests(
    live_server: Callable[[Flask], str],
) -> None:
    seen: list[str] = []
    lock = threading.Lock()
    orders, users = _counting_app("orders", seen, lock), _counting_app("users", seen, lock)
    orders_url, users_url = live_server(orders), live_server(users)
    # Bare host:port, as services usually name each other: .../z/health
    orders.config.update(
        BACKEND_TIMEOUT=3.0,
        Z_ENDPOINTS={"service_dependencies": {"users": users_url.removeprefix("http://")}},
    )
    users.config.update(
        BACKEND_TIMEOUT=3.0,
        Z_ENDPOINTS={"service_dependencies": {"orders": orders_url.removeprefix("http://")}},
    )
    ManagementEndpoints(orders)
    ManagementEndpoints(users)

    response = requests.get(orders_url + "/z/health", timeout=30)

    # A loop would run into the timeout (3 s) and show users DOWN; it stopped instead.
    assert response.status_code == 200, response.text
    assert response.json()["components"]["users"]["status"] == "UP"
    assert len(seen) <= 4, seen
    assert seen[0] == "orders /z/health"


def test_callee_answers_within_the_callers_budget(
    live_server: Callable[[Flask], str], fake_service: Callable[..., FakeService]
) -> None:
    hanging = fake_service()
    hanging.hang()
    middle = make_app(
        {"service_dependencies": {"deep": hanging.url}, "show_details": "always"},
        name="middle",
        BACKEND_TIMEOUT=2.0,
    )
    middle_host = live_server(middle).removeprefix("http://")
    front = make_app(
        {"service_dependencies": {"middle": middle_host}, "show_details": "always"},
        name="front",
        BACKEND_TIMEOUT=2.0,
    )
    body = front.test_client().get("/z/health").get_json()
    component = body["components"]["middle"]
    # The middle service answered in time (it keeps a tenth of the front's
    # 2 s for the way back), naming the service that did not.
    assert component["status"] == "DOWN"
    assert component["details"]["httpStatus"] == 503
    deep = component["details"]["components"]["deep"]
    assert deep["status"] == "DOWN"
    assert deep["details"]["error"].startswith("timeout after 1.")
    budget = float(hanging.requests[0].headers["Management-Health-Budget"])
    assert 1.0 < budget <= 1.8


def test_backend_timeout_accepts_a_connect_read_pair_and_rejects_nonsense() -> None:
    from flask_management_endpoints.config import read_settings

    assert read_settings({"BACKEND_TIMEOUT": (0.5, 1.5)}).evaluation.timeout == 2.0
    assert read_settings({}).evaluation.timeout == 2.0
    for bad in ("2", 0, -1, (1, "x"), float("nan")):
        with pytest.raises(ConfigurationError, match="BACKEND_TIMEOUT"):
            read_settings({"BACKEND_TIMEOUT": bad})


@pytest.mark.parametrize(
    ("code", "body", "status"),
    [
        (200, {"status": "UP"}, "UP"),
        (200, {}, "UP"),
        (200, {"status": "pass"}, "UP"),
        (200, {"status": "DEGRADED"}, "DEGRADED"),
        (503, {"status": "fail"}, "DOWN"),
        (503, {"status": "DEGRADED"}, "DOWN"),
        (503, {"status": "OUT_OF_SERVICE"}, "OUT_OF_SERVICE"),
        (200, {"status": "DOWN"}, "DOWN"),
        (404, "not found", "DOWN"),
    ],
)
def test_remote_status_from_its_answer(
    fake_service: Callable[..., FakeService], code: int, body: object, status: str
) -> None:
    remote = fake_service(status=code, body=body)
    app = make_app({"service_dependencies": {"remote": remote.url}})
    assert app.test_client().get("/z/health/remote").get_json()["status"] == status
