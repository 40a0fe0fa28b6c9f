"""The admin API: bearer auth, bad input answered with specific JSON errors,
route renames and removals, manual incidents and maintenance windows."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_server_status import ConfigError, FlaskStatus, clock, get_state, models
from flask_server_status import auth as auth_module
from tests.server_status.api.contract import AUTH, SECRET, ContractClient
from tests.server_status.summary_view import by_rule, route_component

A = "/flask-status"
HOSTILE = '<script>alert("pwned")</script> it\'s "quoted" & <b>bold</b> \u2028 \U0001f525'


def _json(response: Any) -> dict[str, Any]:
    body: dict[str, Any] = response.get_json()
    return body


def _flush(app: Flask) -> None:
    assert get_state(app).flush()


def test_disabled_admin_api_is_404_for_every_endpoint(make_app: Callable[..., Flask]) -> None:
    api = ContractClient(make_app(API_SECRET=SECRET).test_client())
    for method, url in (
        ("get", f"{A}/configure"),
        ("put", f"{A}/configure"),
        ("get", f"{A}/incidents"),
        ("post", f"{A}/incidents/1/updates"),
        ("delete", f"{A}/maintenance/1"),
    ):
        response = api.admin(method, url, json={"rule": "/"})
        assert response.status_code == 404
        assert "not enabled" in _json(response)["error"]["reason"]


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong", f"Basic {SECRET}", "Bearer", f"Bearer {SECRET}x", "Bearer \u00e9"],
)
def test_missing_or_wrong_token_is_401_with_www_authenticate(
    api: ContractClient, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    for method, url in (("get", f"{A}/incidents"), ("put", f"{A}/configure")):
        response = api.open(method, url, headers=headers, json={"rule": "/", "name": "x"})
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert _json(response)["error"]["reason"] == "missing or wrong bearer token"


@pytest.mark.parametrize("configured", [SECRET, f"Bearer {SECRET}", f"  bearer {SECRET} "])
def test_secret_is_accepted_with_or_without_bearer_prefix(
    make_app: Callable[..., Flask], configured: str
) -> None:
    api = ContractClient(make_app(API_ENABLED=True, API_SECRET=configured).test_client())
    assert api.admin("get", f"{A}/incidents").status_code == 200
    assert (
        api.open("get", f"{A}/incidents", headers={"Authorization": f"bearer {SECRET}"}).status_code
        == 200
    )


def test_token_is_compared_in_constant_time(
    api: ContractClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[bytes, bytes]] = []
    real = auth_module.hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(auth_module.hmac, "compare_digest", spy)
    assert api.admin("get", f"{A}/incidents").status_code == 200
    assert (
        api.open("get", f"{A}/incidents", headers={"Authorization": "Bearer nope"}).status_code
        == 401
    )
    assert calls == [(SECRET.encode(), SECRET.encode()), (b"nope", SECRET.encode())]


@pytest.mark.parametrize(
    "config",
    [
        {"API_ENABLED": True},
        {"SERVER_STATUS_API_ENABLED": "true", "SERVER_STATUS_API_SECRET": ""},
        {"API_ENABLED": True, "API_SECRET": "Bearer "},
        {"SERVER_STATUS_API_ENABLED": True, "API_SECRET": None},
    ],
)
def test_enabling_the_api_without_a_secret_is_refused_at_init_app(
    config: dict[str, object],
) -> None:
    app = Flask(__name__)
    app.config.update(config)
    with pytest.raises(ConfigError) as raised:
        FlaskStatus().init_app(app)
    assert raised.value.key == "SERVER_STATUS_API_SECRET"
    assert "(alias API_SECRET)" in str(raised.value)
    assert "server_status" not in app.extensions  # the app is left as it was
    assert not app.blueprints


@pytest.mark.parametrize(
    "body",
    [b"{", b"", b"   ", b"NaN", b'{"title": Infinity}', b"\xff\xfe{}", b"{'a': 1}", b"[" * 5000],
)
def test_malformed_json_is_400(api: ContractClient, body: bytes) -> None:
    response = api.admin("post", f"{A}/incidents", data=body, content_type="application/json")
    assert response.status_code == 400
    assert _json(response)["error"]["reason"]


@pytest.mark.parametrize("body", [b"[]", b'"title"', b"1", b"null", b"true"])
def test_json_that_is_not_an_object_is_422(api: ContractClient, body: bytes) -> None:
    response = api.admin("post", f"{A}/incidents", data=body, content_type="application/json")
    assert response.status_code == 422
    assert _json(response)["error"]["reason"] == "the request body must be a JSON object"


def test_body_over_the_limit_is_413(make_app: Callable[..., Flask]) -> None:
    api = ContractClient(
        make_app(
            API_ENABLED=True, API_SECRET=SECRET, SERVER_STATUS_API_MAX_BODY_BYTES=2048
        ).test_client()
    )
    big = {"title": "x", "message": "m" * 3000}
    response = api.admin("post", f"{A}/incidents", json=big)
    assert response.status_code == 413
    assert "2048 bytes" in _json(response)["error"]["reason"]
    assert (
        api.admin("post", f"{A}/incidents", json={"title": "x", "message": "m" * 1000}).status_code
        == 201
    )
    # A body without Content-Length (chunked) is cut off at the limit too.
    stream = io.BytesIO(b'{"title": "' + b"x" * 5000 + b'"}')
    response = api.client.post(
        f"{A}/incidents",
        input_stream=stream,
        headers={**AUTH, "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code == 413
    # The default limit is 64 KiB.
    default = ContractClient(make_app(API_ENABLED=True, API_SECRET=SECRET).test_client())
    assert default.admin("post", f"{A}/incidents", data=b" " * (64 * 1024 + 1)).status_code == 413


@pytest.mark.parametrize("value", [0, "64k", True, 100])
def test_invalid_body_limit_is_a_config_error_naming_the_key(
    make_app: Callable[..., Flask], value: object
) -> None:
    with pytest.raises(ConfigError, match="SERVER_STATUS_API_MAX_BODY_BYTES"):
        make_app(SERVER_STATUS_API_MAX_BODY_BYTES=value)


INVALID: list[tuple[str, str, dict[str, Any], str]] = [
    ("post", "/incidents", {}, "missing required field(s): title"),
    ("post", "/incidents", {"title": ""}, "title must be a string of 1 to 200"),
    ("post", "/incidents", {"title": "x" * 201}, "title must be a string of 1 to 200"),
    ("post", "/incidents", {"title": 5}, "title must be a string"),
    ("post", "/incidents", {"title": "a\u0000b"}, "title must not contain NUL"),
    ("post", "/incidents", {"title": "\ud800"}, "title must not contain NUL characters or lone"),
    ("post", "/incidents", {"title": "x", "status": "fixed"}, "status must be one of"),
    ("post", "/incidents", {"title": "x", "impact": "huge"}, "impact must be one of"),
    ("post", "/incidents", {"title": "x", "route_ids": [0]}, "route_ids must be a list"),
    ("post", "/incidents", {"title": "x", "route_ids": [True]}, "route_ids must be a list"),
    ("post", "/incidents", {"title": "x", "route_ids": [2**40]}, "route_ids must be a list"),
    ("post", "/incidents", {"title": "x", "route_ids": "1"}, "route_ids must be a list"),
    ("post", "/incidents", {"title": "x", "route_ids": [1.5]}, "route_ids must be a list"),
    ("post", "/incidents", {"title": "x", "route_ids": [1, 501] * 251}, "at most 500 integer"),
    ("post", "/incidents", {"title": "x", "route_ids": [3, 2, 3, 2]}, "repeats id(s): 2, 3"),
    ("patch", "/incidents/{incident}", {"route_ids": [1, 1.0]}, "route_ids repeats id(s): 1"),
    ("patch", "/maintenance/{maintenance}", {"route_ids": [4, 4]}, "route_ids repeats id(s): 4"),
    ("post", "/incidents", {"title": "x", "route_ids": [424242]}, "unknown route id(s): 424242"),
    ("post", "/incidents", {"title": "x", "started_at": "yesterday"}, "started_at must be an ISO"),
    ("post", "/incidents", {"title": "x", "started_at": "2026-11-21T10:00:00"}, "UTC offset"),
    ("post", "/incidents", {"title": "x", "colour": "red"}, "unknown field(s) colour"),
    ("patch", "/incidents/{incident}", {}, "give at least one of"),
    (
        "post",
        "/incidents/{incident}/updates",
        {"status": "resolved"},
        "missing required field(s): message",
    ),
    (
        "post",
        "/incidents/{incident}/updates",
        {"status": "done", "message": "m"},
        "status must be one of",
    ),
    (
        "post",
        "/maintenance",
        {"title": "m", "starts_at": "2030-01-01T02:00:00Z", "ends_at": "2030-01-01T01:00:00Z"},
        "ends_at must be later than starts_at",
    ),
    (
        "post",
        "/maintenance",
        {"title": "m", "starts_at": "2030-01-01T02:00:00Z"},
        "missing required field(s): ends_at",
    ),
    (
        "patch",
        "/maintenance/{maintenance}",
        {"ends_at": "2000-01-01T00:00:00Z"},
        "ends_at must be later",
    ),
    ("put", "/configure", {"rule": "/"}, "missing required field(s): name"),
    ("put", "/configure", {"rule": "/", "name": None}, "name must be a string"),
    ("delete", "/configure", {"rule": ""}, "rule must be a string of 1 to 500"),
]


@pytest.mark.parametrize(("method", "path", "body", "reason"), INVALID)
def test_invalid_field_values_are_422_with_a_reason(
    api: ContractClient, method: str, path: str, body: dict[str, Any], reason: str
) -> None:
    incident = _json(api.admin("post", f"{A}/incidents", json={"title": "base"}))["id"]
    window = {"title": "w", "starts_at": "2030-01-01T00:00:00Z", "ends_at": "2030-01-01T01:00:00Z"}
    maintenance = _json(api.admin("post", f"{A}/maintenance", json=window))["id"]
    url = A + path.format(incident=incident, maintenance=maintenance)
    response = api.admin(method, url, json=body)
    assert response.status_code == 422, response.data
    assert reason in _json(response)["error"]["reason"]
    # Nothing was changed by the refused request.
    assert _json(api.admin("get", f"{A}/incidents/{incident}"))["title"] == "base"
    assert _json(api.admin("get", f"{A}/maintenance/{maintenance}")) == _json(
        api.admin("get", f"{A}/maintenance/{maintenance}")
    )


def test_unknown_rule_or_incident_is_404(api: ContractClient) -> None:
    for method, url, body in (
        ("put", f"{A}/configure", {"rule": "/not-a-route", "name": "x"}),
        ("delete", f"{A}/configure", {"rule": "/not-a-route"}),
        ("get", f"{A}/incidents/77", None),
        ("patch", f"{A}/incidents/77", {"title": "x"}),
        ("post", f"{A}/incidents/77/updates", {"status": "resolved", "message": "m"}),
        ("get", f"{A}/incidents/99999999999999999999", None),
        ("delete", f"{A}/maintenance/77", None),
    ):
        response = api.admin(method, url, json=body)
        assert response.status_code == 404, (method, url)
        assert "no " in _json(response)["error"]["reason"]


def test_hostile_text_is_stored_and_returned_verbatim(api: ContractClient) -> None:
    app = api.client.application
    api.client.get("/user/1")
    _flush(app)
    renamed = api.admin(
        "put", f"{A}/configure", json={"rule": "/user/<int:id>", "name": HOSTILE, "doc": HOSTILE}
    )
    assert _json(renamed)["name"] == HOSTILE
    created = _json(
        api.admin(
            "post", f"{A}/incidents", json={"title": HOSTILE, "message": HOSTILE, "impact": "minor"}
        )
    )
    update = api.admin(
        "post",
        f"{A}/incidents/{created['id']}/updates",
        json={"status": "identified", "message": HOSTILE},
    )
    window = {
        "title": HOSTILE,
        "description": HOSTILE,
        "starts_at": "2030-01-01T00:00:00+02:00",
        "ends_at": "2030-01-01T01:00:00Z",
    }
    maintenance = _json(api.admin("post", f"{A}/maintenance", json=window))
    assert maintenance["starts_at"] == "2029-12-31T22:00:00Z"
    assert [u["message"] for u in _json(update)["updates"]] == [HOSTILE, HOSTILE]
    summary = _json(api.get("/status/api/summary?days=1"))
    component = route_component(api.client.application, summary, "/user/<int:id>")
    assert (component["name"], component["description"]) == (HOSTILE, HOSTILE)
    incident = summary["incidents"]["active"][0]
    assert incident["title"] == HOSTILE
    assert {u["message"] for u in incident["updates"]} == {HOSTILE}
    upcoming = summary["maintenance"]["upcoming"][0]
    assert (upcoming["title"], upcoming["description"]) == (HOSTILE, HOSTILE)
    assert _json(api.get(f"/status/api/incidents/{created['id']}"))["title"] == HOSTILE


def test_rename_sticks_across_restarts(make_app: Callable[..., Flask]) -> None:
    app = make_app(API_ENABLED=True, API_SECRET=SECRET)
    api = ContractClient(app.test_client())
    api.client.get("/")
    _flush(app)
    seed = {"rule": "/", "name": "Hello World!", "doc": ""}  # the original README's call
    assert _json(api.admin("put", f"{A}/configure", json=seed))["name_overridden"] is True
    restarted = make_app()
    restarted.test_client().get("/")
    _flush(restarted)  # re-syncs docstring names; the rename must survive
    routes = _json(ContractClient(restarted.test_client()).get("/status/api/routes"))["routes"]
    home = by_rule(restarted, routes)["/"]
    assert (home["name"], home["doc"]) == ("Hello World!", "")
    # Without "doc" the description is kept.
    kept = _json(api.admin("put", f"{A}/configure", json={"rule": "/", "name": "Home"}))
    assert (kept["name"], kept["doc"]) == ("Home", "")


def _bucket_rows(app: Flask, route_id: int) -> int:
    with get_state(app).engine.connect() as conn:
        return sum(
            conn.execute(
                sa.select(sa.func.count()).select_from(table).where(table.c.route_id == route_id)
            ).scalar_one()
            for table in models.BUCKET_TABLES.values()
        )


def test_early_years_come_back_padded_to_four_digits(api: ContractClient) -> None:
    """The document's Timestamp has a four-digit year; strftime's %Y would write 999."""
    window = {"title": "w", "starts_at": "0001-01-01T00:00:00Z", "ends_at": "0999-06-01T12:00:00Z"}
    created = _json(api.admin("post", f"{A}/maintenance", json=window))
    assert (created["starts_at"], created["ends_at"]) == (window["starts_at"], window["ends_at"])
    incident = api.admin(
        "post", f"{A}/incidents", json={"title": "x", "started_at": window["ends_at"]}
    )
    assert _json(incident)["started_at"] == "0999-06-01T12:00:00Z"


def test_an_integral_number_is_an_id(api: ContractClient, status_app: Flask) -> None:
    """JSON Schema's ``integer`` includes 3.0, so the server takes it as the id 3."""
    api.client.get("/user/1")
    _flush(status_app)
    route_id = _json(api.get("/status/api/routes"))["routes"][0]["id"]
    body = {"title": "x", "route_ids": [float(route_id)]}
    created = api.admin("post", f"{A}/incidents", json=body)
    assert created.status_code == 201
    assert _json(created)["route_ids"] == [route_id]


def test_delete_removes_route_and_history_until_re_added(api: ContractClient) -> None:
    app = api.client.application
    for user in range(3):
        api.client.get(f"/user/{user}")
    _flush(app)
    rule = "/user/<int:id>"
    route = by_rule(app, _json(api.get("/status/api/routes"))["routes"])[rule]
    assert route["requests_24h"] == 3
    assert _bucket_rows(app, route["id"]) == 3

    removed = _json(api.admin("delete", f"{A}/configure", json={"rule": rule}))
    assert removed["deleted_at"] is not None
    assert _bucket_rows(app, route["id"]) == 0
    assert api.get(f"/status/api/routes/{route['id']}").status_code == 404
    assert api.get(f"/status/badges/{route['id']}/uptime.svg").status_code == 404
    assert api.admin("delete", f"{A}/configure", json={"rule": rule}).status_code == 404

    for user in range(5):  # traffic does not bring it back
        api.client.get(f"/user/{user}")
    _flush(app)
    assert rule not in by_rule(app, _json(api.get("/status/api/routes"))["routes"])
    assert _bucket_rows(app, route["id"]) == 0
    listed = _json(api.admin("get", f"{A}/configure"))["routes"]
    assert next(r for r in listed if r["rule"] == rule)["deleted_at"] is not None

    readded = _json(api.admin("put", f"{A}/configure", json={"rule": rule, "name": "Users"}))
    assert readded["deleted_at"] is None
    api.client.get("/user/9")
    _flush(app)
    back = _json(api.get(f"/status/api/routes/{route['id']}?days=1"))
    assert (back["name"], back["requests_24h"]) == ("Users", 1)


def test_manual_incident_lifecycle_drives_public_status(api: ContractClient) -> None:
    app = api.client.application
    api.client.get("/user/1")
    api.client.get("/")
    _flush(app)
    routes = {
        rule: r["id"]
        for rule, r in by_rule(app, _json(api.get("/status/api/routes"))["routes"]).items()
    }
    assert _json(api.get("/status/api/status"))["status"]["indicator"] == "operational"

    created = api.admin(
        "post",
        f"{A}/incidents",
        json={
            "title": "Users API down",
            "impact": "major",
            "route_ids": [routes["/user/<int:id>"]],
            "message": "Looking",
        },
    )
    assert created.status_code == 201
    incident = _json(created)
    assert created.headers["Location"].endswith(f"{A}/incidents/{incident['id']}")
    assert (incident["status"], incident["automatic"], incident["resolved_at"]) == (
        "investigating",
        False,
        None,
    )
    statuses = {
        rule: r["status"]
        for rule, r in by_rule(app, _json(api.get("/status/api/routes"))["routes"]).items()
    }
    assert statuses["/user/<int:id>"] == "outage"
    assert statuses["/"] == "operational"
    assert _json(api.get("/status/api/status"))["status"] == {
        "indicator": "partial_outage",
        "description": "Partial outage",
    }
    api.admin(
        "patch",
        f"{A}/incidents/{incident['id']}",
        json={"impact": "critical", "title": "Everything down"},
    )
    assert _json(api.get("/status/api/status"))["status"]["indicator"] == "major_outage"

    for status in ("identified", "monitoring", "resolved"):
        api.admin(
            "post",
            f"{A}/incidents/{incident['id']}/updates",
            json={"status": status, "message": status},
        )
    done = _json(api.get(f"/status/api/incidents/{incident['id']}"))
    assert done["status"] == "resolved"
    assert done["resolved_at"] is not None
    assert [u["status"] for u in done["updates"]] == [
        "investigating",
        "identified",
        "monitoring",
        "resolved",
    ]
    overview = _json(api.get("/status/api/incidents"))
    assert overview["active"] == []
    assert [i["id"] for i in overview["past"]] == [incident["id"]]
    assert (
        _json(api.get("/status/api/summary?days=1"))["incidents"]["recent"][0]["id"]
        == incident["id"]
    )
    assert _json(api.get("/status/api/status"))["status"]["indicator"] == "operational"
    # Another update reopens it.
    reopened = _json(
        api.admin(
            "post",
            f"{A}/incidents/{incident['id']}/updates",
            json={"status": "investigating", "message": "Again"},
        )
    )
    assert reopened["resolved_at"] is None


def test_maintenance_lifecycle(api: ContractClient) -> None:
    app = api.client.application
    api.client.get("/")
    _flush(app)
    now = clock.utcnow()
    iso = lambda moment: clock.isoformat(moment)  # noqa: E731
    active = {
        "title": "DB upgrade",
        "starts_at": iso(now - timedelta(hours=1)),
        "ends_at": iso(now + timedelta(hours=1)),
    }
    created = api.admin("post", f"{A}/maintenance", json=active)
    assert created.status_code == 201
    window = _json(created)
    assert (window["status"], window["route_ids"], window["description"]) == ("in_progress", [], "")
    assert _json(api.get("/status/api/status"))["status"]["indicator"] == "maintenance"
    assert {r["status"] for r in _json(api.get("/status/api/routes"))["routes"]} == {"maintenance"}

    later = {
        "title": "Later",
        "starts_at": iso(now + timedelta(days=1)),
        "ends_at": iso(now + timedelta(days=1, hours=2)),
    }
    upcoming = _json(api.admin("post", f"{A}/maintenance", json=later))
    listing = _json(api.get("/status/api/maintenance"))
    assert [m["id"] for m in listing["active"]] == [window["id"]]
    assert [m["id"] for m in listing["upcoming"]] == [upcoming["id"]]

    ended = _json(
        api.admin(
            "patch",
            f"{A}/maintenance/{window['id']}",
            json={"ends_at": iso(now - timedelta(minutes=1))},
        )
    )
    assert ended["status"] == "completed"
    assert [m["id"] for m in _json(api.get("/status/api/maintenance"))["past"]] == [window["id"]]
    assert _json(api.get("/status/api/status"))["status"]["indicator"] == "operational"

    deleted = api.admin("delete", f"{A}/maintenance/{upcoming['id']}")
    assert (deleted.status_code, deleted.data) == (204, b"")
    assert api.admin("get", f"{A}/maintenance/{upcoming['id']}").status_code == 404
    assert [m["id"] for m in _json(api.admin("get", f"{A}/maintenance"))["maintenance"]] == [
        window["id"]
    ]


def test_automatic_incident_error_is_shown_only_to_admins(api: ContractClient) -> None:
    app = api.client.application
    for _ in range(10):  # the minimum volume of a burn-rate alert
        assert api.client.get("/boom").status_code == 500
    _flush(app)
    incidents = _json(api.admin("get", f"{A}/incidents"))["incidents"]
    automatic = next(i for i in incidents if i["automatic"])
    assert automatic["error_type"] == "RuntimeError"
    assert automatic["error_message"] == "the database said no"
    assert automatic["last_failure_at"] is not None
    assert (
        _json(api.admin("get", f"{A}/incidents/{automatic['id']}"))["error_message"]
        == "the database said no"
    )
    for url in (
        "/status/api/incidents",
        f"/status/api/incidents/{automatic['id']}",
        "/status/api/summary",
        "/status/feed.atom",
    ):
        body = api.get(url).get_data(as_text=True)
        assert str(automatic["id"]) in body
        assert "the database said no" not in body
        assert "RuntimeError" not in body
