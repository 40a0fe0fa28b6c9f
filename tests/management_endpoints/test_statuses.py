"""Statuses, aggregation order, HTTP mapping, Health results and composites (acceptance 2, 3)."""

from __future__ import annotations

import pytest

from flask_management_endpoints import ConfigurationError, Health, Status
from flask_management_endpoints.health.status import HttpStatusMapper, StatusAggregator
from tests.management_endpoints.apps import make_app

QUIET = {"indicators": {"diskSpace": False, "memory": False}}


def test_default_order_picks_the_most_severe() -> None:
    aggregate = StatusAggregator().aggregate
    assert aggregate(["UP", "UNKNOWN"]) == Status.UP
    assert aggregate(["UP", "OUT_OF_SERVICE", "UNKNOWN"]) == Status.OUT_OF_SERVICE
    assert aggregate(["OUT_OF_SERVICE", "DOWN", "UP"]) == Status.DOWN
    assert aggregate(["UNKNOWN"]) == Status.UNKNOWN
    assert aggregate([]) == Status.UP
    # Codes outside the order rank after every listed one.
    assert aggregate(["UNKNOWN", "DEGRADED"]) == Status.UNKNOWN


def test_default_http_mapping() -> None:
    mapper = HttpStatusMapper()
    assert [mapper.status_code(s) for s in ("UP", "DOWN", "OUT_OF_SERVICE", "UNKNOWN")] == [
        200,
        503,
        503,
        200,
    ]
    assert mapper.status_code("DEGRADED") == 200


def test_status_codes_are_validated() -> None:
    assert Status("DEGRADED") == "DEGRADED"
    for bad in ("", " UP", "UP "):
        with pytest.raises(ValueError, match="status code"):
            Status(bad)


@pytest.mark.parametrize(
    ("result", "status", "code"),
    [
        (Health.up(), "UP", 200),
        (Health.down(reason="x"), "DOWN", 503),
        (Health.out_of_service(), "OUT_OF_SERVICE", 503),
        (Health.unknown(), "UNKNOWN", 200),
        (Health("DEGRADED", {"lag": 3}), "DEGRADED", 200),
        (True, "UP", 200),
        (False, "DOWN", 503),
    ],
)
def test_check_results_set_status_and_http_code(result: object, status: str, code: int) -> None:
    app = make_app({**QUIET, "check_functions": {"health": {"thing": lambda: result}}})
    response = app.test_client().get("/z/health/thing")
    assert (response.status_code, response.get_json()["status"]) == (code, status)


def test_health_details_are_shown_when_allowed() -> None:
    app = make_app(
        {
            "check_functions": {"health": {"queue": lambda: Health.up(depth=3, name="jobs")}},
            "show_details": "always",
        }
    )
    body = app.test_client().get("/z/health").get_json()
    assert body["components"]["queue"] == {"status": "UP", "details": {"depth": 3, "name": "jobs"}}


def test_raising_check_is_down_with_type_and_message_never_an_html_500() -> None:
    def broken() -> bool:
        raise RuntimeError("pool exhausted")

    app = make_app({"check_functions": {"readiness": {"db": broken}}, "show_details": "always"})
    client = app.test_client()
    response = client.get("/z/health")
    assert response.status_code == 503
    assert response.is_json
    assert response.get_json()["components"]["db"] == {
        "status": "DOWN",
        "details": {"error": "RuntimeError: pool exhausted"},
    }
    assert client.get("/z/health/readiness").get_json() == {"status": "DOWN"}


def test_check_returning_something_else_is_down_with_the_reason() -> None:
    app = make_app(
        {"check_functions": {"health": {"odd": lambda: "yes"}}, "show_details": "always"}
    )
    component = app.test_client().get("/z/health").get_json()["components"]["odd"]
    assert component["status"] == "DOWN"
    assert "must return Health or bool" in component["details"]["error"]


def test_configurable_order_and_http_mapping_with_a_custom_status() -> None:
    app = make_app(
        {
            **QUIET,
            "check_functions": {
                "health": {"replica": lambda: Health("DEGRADED"), "cache": lambda: True}
            },
            "status_order": ["DOWN", "OUT_OF_SERVICE", "DEGRADED", "UP", "UNKNOWN"],
            "http_mapping": {"DEGRADED": 207, "DOWN": 500},
        }
    )
    response = app.test_client().get("/z/health")
    assert (response.status_code, response.get_json()["status"]) == (207, "DEGRADED")


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("status_order", []),
        ("status_order", ["UP", " DOWN"]),
        ("http_mapping", {"DOWN": 99}),
        ("http_mapping", ["DOWN"]),
    ],
)
def test_invalid_order_or_mapping_names_the_key(key: str, value: object) -> None:
    with pytest.raises(ConfigurationError, match=rf'Z_ENDPOINTS\["{key}"\]'):
        make_app({key: value})


def test_composite_components_nest_and_answer_on_their_own_path() -> None:
    app = make_app(
        {
            **QUIET,
            "check_functions": {
                "health": {
                    "caches": {
                        "redis": lambda: True,
                        "memcached": {"a": lambda: True, "b": lambda: Health.out_of_service()},
                    }
                }
            },
        }
    )
    client = app.test_client()
    caches = client.get("/z/health").get_json()["components"]["caches"]
    assert caches == {
        "status": "OUT_OF_SERVICE",
        "components": {
            "memcached": {
                "status": "OUT_OF_SERVICE",
                "components": {"a": {"status": "UP"}, "b": {"status": "OUT_OF_SERVICE"}},
            },
            "redis": {"status": "UP"},
        },
    }
    assert client.get("/z/health/caches/redis").get_json() == {"status": "UP"}
    nested = client.get("/z/health/caches/memcached")
    assert nested.status_code == 503
    assert nested.get_json()["components"]["b"] == {"status": "OUT_OF_SERVICE"}
    assert client.get("/z/health/caches/nope").status_code == 404


def test_components_are_listed_in_name_order() -> None:
    checks = {name: (lambda: True) for name in ("zeta", "alpha", "mid")}
    app = make_app({**QUIET, "check_functions": {"health": checks}})
    names = list(app.test_client().get("/z/health").get_json()["components"])
    assert names == sorted(names)
