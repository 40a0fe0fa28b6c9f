"""Who sees components and details: never / when_authorized / always (acceptance 7)."""

from __future__ import annotations

import pytest
from flask import Request

from flask_management_endpoints import ConfigurationError, Health
from tests.management_endpoints.apps import make_app

CHECKS = {"health": {"db": lambda: Health.down(error="refused")}}
TOKEN = "s3cr3t-t0ken"


def test_defaults_show_component_statuses_without_details() -> None:
    app = make_app({"check_functions": CHECKS})
    client = app.test_client()
    body = client.get("/z/health").get_json()
    assert body["components"]["db"] == {"status": "DOWN"}
    assert all("details" not in c for c in body["components"].values())
    # Probes stay terse.
    assert client.get("/z/health/readiness").get_json() == {"status": "UP"}
    assert client.get("/z/health/liveness").get_json() == {"status": "UP"}


def test_show_components_never_hides_components_and_their_paths() -> None:
    app = make_app({"check_functions": CHECKS, "show_components": "never"})
    client = app.test_client()
    response = client.get("/z/health")
    assert response.status_code == 503
    assert response.get_json() == {
        "status": "DOWN",
        "groups": ["liveness", "ping", "readiness", "startup"],
    }
    assert client.get("/z/health/db").status_code == 404


def test_show_always_shows_everything() -> None:
    app = make_app({"check_functions": CHECKS, "show_details": "always"})
    body = app.test_client().get("/z/health").get_json()
    assert body["components"]["db"] == {"status": "DOWN", "details": {"error": "refused"}}


@pytest.mark.parametrize(
    ("authorization", "shown"),
    [
        (None, False),
        ("Bearer wrong", False),
        (TOKEN, False),
        (f"Basic {TOKEN}", False),
        (f"Bearer {TOKEN}", True),
        (f"bearer {TOKEN}", True),
    ],
)
def test_when_authorized_with_a_bearer_token(authorization: str | None, shown: bool) -> None:
    app = make_app(
        {
            "check_functions": CHECKS,
            "show_components": "when_authorized",
            "show_details": "when_authorized",
            "auth_token": TOKEN,
        }
    )
    headers = {"Authorization": authorization} if authorization else {}
    client = app.test_client()
    body = client.get("/z/health", headers=headers).get_json()
    assert body["status"] == "DOWN"  # the status is never hidden
    assert ("components" in body) is shown
    if shown:
        assert body["components"]["db"]["details"] == {"error": "refused"}
    assert client.get("/z/health/db", headers=headers).status_code == (503 if shown else 404)


def test_when_authorized_with_a_callback() -> None:
    def is_operator(request: Request) -> bool:
        return request.headers.get("X-Role") == "operator"

    app = make_app(
        {"check_functions": CHECKS, "show_details": "when_authorized", "authorize": is_operator}
    )
    client = app.test_client()
    assert "details" not in client.get("/z/health").get_json()["components"]["db"]
    operator = client.get("/z/health", headers={"X-Role": "operator"}).get_json()
    assert operator["components"]["db"]["details"] == {"error": "refused"}


def test_probes_answer_without_credentials_when_auth_is_configured() -> None:
    app = make_app(
        {
            "check_functions": {"readiness": {"db": lambda: False}},
            "show_components": "when_authorized",
            "show_details": "when_authorized",
            "auth_token": TOKEN,
        }
    )
    client = app.test_client()
    assert client.get("/z/health/liveness").status_code == 200
    readiness = client.get("/z/health/readiness")
    assert (readiness.status_code, readiness.get_json()) == (503, {"status": "DOWN"})


def test_group_policy_overrides_the_root_policy() -> None:
    app = make_app(
        {
            "check_functions": {"readiness": {"db": lambda: Health.up(pool=5)}},
            "groups": {"readiness": {"show_components": "always", "show_details": "always"}},
        }
    )
    body = app.test_client().get("/z/health/readiness").get_json()
    assert body["components"]["db"] == {"status": "UP", "details": {"pool": 5}}


@pytest.mark.parametrize(
    ("z_endpoints", "key"),
    [
        ({"show_details": "sometimes"}, 'Z_ENDPOINTS["show_details"]'),
        ({"show_components": True}, 'Z_ENDPOINTS["show_components"]'),
        ({"auth_token": ""}, 'Z_ENDPOINTS["auth_token"]'),
        ({"authorize": "yes"}, 'Z_ENDPOINTS["authorize"]'),
        ({"show_details": "when_authorized"}, 'Z_ENDPOINTS["show_details"]'),
        (
            {"groups": {"ops": {"include": ["ping"], "show_components": "when_authorized"}}},
            'Z_ENDPOINTS["groups"]["ops"]["show_components"]',
        ),
    ],
)
def test_bad_policy_configuration_names_the_key(z_endpoints: dict[str, object], key: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        make_app(z_endpoints)
    assert str(raised.value).startswith(key)


def test_raising_callback_means_unauthorized_not_a_500(caplog: pytest.LogCaptureFixture) -> None:
    def broken(request: Request) -> bool:
        raise KeyError("role")

    app = make_app(
        {"check_functions": CHECKS, "show_details": "when_authorized", "authorize": broken}
    )
    response = app.test_client().get("/z/health")
    assert response.status_code == 503
    assert "details" not in response.get_json()["components"]["db"]
    assert "authorize callback raised" in caplog.text
