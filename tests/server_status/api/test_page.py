"""Serving the page bundle from the package's own static folder, under any
prefix, with JSON errors for the package's own endpoints only."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from flask_server_status import get_state
from flask_server_status.web import public
from tests.server_status.api.contract import ContractClient

INDEX = "<!doctype html><title>status</title><link rel=stylesheet href=static/status.css>"


@pytest.fixture
def bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A built bundle in a temporary folder, used as the package's static folder."""
    folder = tmp_path / "static"
    folder.mkdir()
    (folder / "index.html").write_text(INDEX)
    (folder / "status.css").write_text("body{color:#111}")
    monkeypatch.setattr(public, "STATIC_FOLDER", folder)
    return folder


def test_page_and_bundle_are_served_under_the_prefix(
    bundle: Path, make_app: Callable[..., Flask]
) -> None:
    app = make_app()
    api = ContractClient(app.test_client())
    page = api.get("/status/")
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    assert page.get_data(as_text=True) == INDEX
    assert page.headers["Cache-Control"] == "no-cache"
    redirect = api.get("/status")
    assert redirect.status_code in (301, 308)
    assert redirect.headers["Location"].endswith("/status/")
    css = api.get("/status/static/status.css")
    assert (css.status_code, css.mimetype) == (200, "text/css")
    missing = api.get("/status/static/nothing.js")
    assert missing.get_json()["error"]["status"] == 404
    assert app.static_folder is not None
    assert Path(app.static_folder) != bundle


def test_custom_prefix_and_proxy_sub_path(bundle: Path, make_app: Callable[..., Flask]) -> None:
    app = make_app(SERVER_STATUS_URL_PREFIX="/health/page")
    client = app.test_client()
    assert client.get("/health/page/").get_data(as_text=True) == INDEX
    assert client.get("/status/").status_code == 404
    behind = client.get("/health/page", environ_overrides={"SCRIPT_NAME": "/shop"})
    assert behind.headers["Location"].endswith("/shop/health/page/")


def test_missing_bundle_is_503_naming_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, api: ContractClient
) -> None:
    monkeypatch.setattr(public, "STATIC_FOLDER", tmp_path)
    response = api.get("/status/")
    assert response.status_code == 503
    assert response.mimetype == "text/plain"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "npm ci && npm run build" in response.get_data(as_text=True)
    assert api.get("/status/api/status").status_code == 200  # the API works without it


def test_json_errors_are_only_for_the_package_endpoints(make_app: Callable[..., Flask]) -> None:
    app = make_app()

    @app.errorhandler(404)
    def host_not_found(_error: Exception) -> tuple[str, int]:
        return "host page not found", 404

    handlers_before = dict(app.error_handler_spec[None])
    provider_before = app.json
    client = app.test_client()
    host = client.get("/no-such-page")
    assert (host.status_code, host.get_data(as_text=True)) == (404, "host page not found")
    ours = client.get("/status/api/no-such-endpoint")
    assert ours.status_code == 404
    assert ours.get_json() == {
        "error": {"status": 404, "reason": "no such endpoint: /status/api/no-such-endpoint"}
    }
    for path in ("/status/api/", "/flask-status/"):
        assert client.get(path).get_json()["error"]["status"] == 404
    assert app.error_handler_spec[None] == handlers_before
    assert app.json is provider_before


def test_methods_head_options_and_cors(api: ContractClient) -> None:
    wrong = api.open("delete", "/status/api/summary")
    assert wrong.status_code == 405
    assert wrong.headers["Allow"] == "GET, HEAD, OPTIONS"
    head = api.client.head("/status/api/status")
    assert (head.status_code, head.data) == (200, b"")
    options = api.client.options("/status/api/status")
    assert (options.status_code, options.headers["Allow"]) == (204, "GET, HEAD, OPTIONS")
    assert api.get("/status/api/summary").headers["Access-Control-Allow-Origin"] == "*"
    refused = api.get("/status/api/summary?days=0")
    assert refused.headers["Access-Control-Allow-Origin"] == "*"
    admin = api.admin("get", "/flask-status/incidents")
    assert "Access-Control-Allow-Origin" not in admin.headers
    assert admin.headers["Cache-Control"] == "no-store"


def test_two_apps_keep_separate_status(make_app: Callable[..., Flask]) -> None:
    first = make_app(SERVER_STATUS_PAGE_TITLE="First", API_ENABLED=True, API_SECRET="one")
    second = make_app(SERVER_STATUS_PAGE_TITLE="Second", SERVER_STATUS_URL_PREFIX="/s2")
    assert first.test_client().get("/status/api/summary").get_json()["page"]["title"] == "First"
    assert second.test_client().get("/s2/api/summary").get_json()["page"]["title"] == "Second"
    assert second.test_client().get("/flask-status/incidents").status_code == 404
    authorised = {"Authorization": "Bearer one"}
    assert first.test_client().get("/flask-status/incidents", headers=authorised).status_code == 200


PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:"
)


def test_page_has_a_content_security_policy_and_no_answer_is_sniffed(
    bundle: Path, status_app: Flask
) -> None:
    api = ContractClient(status_app.test_client())
    host = status_app.test_client().get("/")  # the host app's own answers are left alone
    assert "X-Content-Type-Options" not in host.headers
    assert "Content-Security-Policy" not in host.headers
    assert get_state(status_app).flush()
    route_id = api.get("/status/api/routes").get_json()["routes"][0]["id"]

    page = api.get("/status/")
    assert page.headers["Content-Security-Policy"] == PAGE_POLICY
    answers = {
        "page": page,
        "style sheet": api.get("/status/static/status.css"),
        "summary": api.get("/status/api/summary"),
        "route": api.get(f"/status/api/routes/{route_id}"),
        "incidents": api.get("/status/api/incidents"),
        "openapi": api.get("/status/api/openapi.json"),
        "api error": api.get("/status/api/summary?days=0"),
        "unknown api path": api.get("/status/api/nope"),
        "feed": api.get("/status/feed.atom"),
        "status badge": api.get("/status/badge.svg"),
        "uptime badge": api.get(f"/status/badges/{route_id}/uptime.svg"),
        "admin": api.admin("get", "/flask-status/incidents"),
        "admin refusal": api.open("get", "/flask-status/incidents"),
    }
    assert {
        name: answer.headers.get("X-Content-Type-Options") for name, answer in answers.items()
    } == dict.fromkeys(answers, "nosniff")
    assert "Content-Security-Policy" not in answers["summary"].headers


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("TRACE", "/status/api/status", 405),
        ("PROPFIND", "/status/", 405),
        ("TRACE", "/status", 405),  # GET redirects to /status/; other methods are wrong
        ("OPTIONS", "/status", 204),
        ("GET", "/status/api/status%0A", 404),
        ("GET", "/status/no-such-page", 404),
        ("POST", "/status/badges/x%0Ay.svg", 404),
        ("TRACE", "/flask-status/incidents", 405),
        ("GET", "/flask-status/no%0Asuch", 404),
    ],
)
def test_unrouted_requests_under_the_prefixes_answer_json(
    make_app: Callable[..., Flask], method: str, path: str, status: int
) -> None:
    app = make_app(API_ENABLED=True, API_SECRET="s3cret")

    @app.errorhandler(404)
    @app.errorhandler(405)
    def host_error(_error: Exception) -> tuple[str, int]:
        return "host error page", 599

    client = app.test_client()
    answer = client.open(path, method=method, headers={"Authorization": "Bearer s3cret"})
    assert answer.status_code == status
    if status != 204:
        assert answer.get_json()["error"]["status"] == status
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    if status in (204, 405):
        assert "OPTIONS" in answer.headers["Allow"]
    assert client.get("/no-such-page").get_data(as_text=True) == "host error page"


def test_unrouted_admin_requests_are_authenticated_first(make_app: Callable[..., Flask]) -> None:
    client = make_app(API_ENABLED=True, API_SECRET="s3cret").test_client()
    for method in ("GET", "TRACE", "OPTIONS"):
        answer = client.open("/flask-status/no-such-endpoint", method=method)
        assert answer.status_code == 401
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    options = client.options("/flask-status/incidents", headers={"Authorization": "Bearer s3cret"})
    assert (options.status_code, options.headers["Allow"]) == (204, "GET, HEAD, OPTIONS, POST")
