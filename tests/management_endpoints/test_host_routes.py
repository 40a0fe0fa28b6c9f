"""The host app's own routes run none of our code; routing errors under the prefix stay JSON.

No request hook is installed: JSON 404s and 405s under the prefix come from
the app's routing-error step, the SIGTERM check and the shared logger levels
from the first request a process serves (see test_availability.py and
test_loggers.py for both under real gunicorn workers).
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import FrameType
from urllib.parse import unquote

import pytest
from flask import Flask, request
from werkzeug.exceptions import HTTPException

import flask_management_endpoints
from flask_management_endpoints import ManagementEndpoints
from tests.management_endpoints.apps import make_app

PACKAGE_DIR = str(Path(flask_management_endpoints.__file__).parent)
EVERY_METHOD = [
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "PROPFIND", "PURGE",
]  # fmt: skip
NOT_GET = [method for method in EVERY_METHOD if method not in ("GET", "HEAD", "OPTIONS")]
# Paths no rule matches for any method (below /z/health a GET reaches the
# component lookup, which answers the 404 itself).
UNKNOWN_PATHS = ["/z/nope", "/z/nope/", "/z/info/", "/z/%0A", "/z/a%0Ab/c", "/z/" + "%FF" * 3]
FULL_CONFIG = {
    "exposure": {"include": ["*"]},
    "auth_token": "t0ken",
    "handle_sigterm": False,
    "indicators": {"diskSpace": False, "memory": False},
}


def calls_into_the_package(app: Flask, path: str) -> list[str]:
    """The functions of this package that run while the app answers ``path``."""
    client = app.test_client()
    seen: list[str] = []

    def profile(frame: FrameType, event: str, arg: object) -> None:
        if event == "call" and frame.f_code.co_filename.startswith(PACKAGE_DIR):
            seen.append(f"{frame.f_code.co_filename}:{frame.f_code.co_name}")

    sys.setprofile(profile)
    try:
        response = client.get(path)
    finally:
        sys.setprofile(None)
    assert response.status_code == 200
    return seen


@pytest.fixture
def host_app(tmp_path: Path) -> Flask:
    app = make_app({**FULL_CONFIG, "loggers_dir": str(tmp_path)})

    @app.get("/hello")
    def hello() -> dict[str, str]:
        return {"hello": "world"}

    return app


def test_init_app_adds_no_hook_to_the_apps_requests(host_app: Flask) -> None:
    hooks = [
        *host_app.before_request_funcs.get(None, []),
        *host_app.after_request_funcs.get(None, []),
        *host_app.teardown_request_funcs.get(None, []),
        *host_app.url_value_preprocessors.get(None, []),
        *host_app.url_default_functions.get(None, []),
        *host_app.template_context_processors.get(None, [])[1:],  # [0] is Flask's own
    ]
    assert [h for h in hooks if h.__module__.startswith("flask_management_endpoints")] == []


def test_the_probes_run_no_hook_of_ours(host_app: Flask) -> None:
    blueprint = "management_endpoints"
    for hooks in (
        host_app.before_request_funcs,
        host_app.after_request_funcs,
        host_app.teardown_request_funcs,
        host_app.url_value_preprocessors,
    ):
        assert blueprint not in hooks
    calls = calls_into_the_package(host_app, "/z/health/liveness")  # the first request
    assert any(call.endswith(":_first_request") for call in calls), calls
    for probe in ("liveness", "readiness", "ping"):
        calls = calls_into_the_package(host_app, f"/z/health/{probe}")
        assert not any(call.endswith(":_first_request") for call in calls), calls


def test_the_apps_own_routes_run_none_of_our_code(host_app: Flask) -> None:
    # The first request a process serves does the work that waits for the server.
    assert host_app.test_client().get("/hello").status_code == 200
    assert calls_into_the_package(host_app, "/hello") == []
    assert calls_into_the_package(host_app, "/") == []


def test_the_first_request_is_the_only_one_that_runs_our_code(host_app: Flask) -> None:
    first = calls_into_the_package(host_app, "/hello")
    assert any(call.endswith(":_first_request") for call in first), first
    assert calls_into_the_package(host_app, "/hello") == []


@pytest.mark.parametrize("path", UNKNOWN_PATHS)
@pytest.mark.parametrize("method", EVERY_METHOD)
def test_unknown_paths_under_the_prefix_are_json_404s_for_every_method(
    method: str, path: str
) -> None:
    response = make_app(FULL_CONFIG).test_client().open(path, method=method)
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    if method != "HEAD":
        body = response.get_json()
        expected_path = unquote(path, errors="replace")
        assert (body["status"], body["error"], body["path"]) == (404, "Not Found", expected_path)


@pytest.mark.parametrize(
    "path", ["/z", "/z/", "/z/health", "/z/health/", "/z/health/liveness", "/z/env", "/z/info"]
)
@pytest.mark.parametrize("method", NOT_GET)
def test_known_paths_are_json_405s_for_every_other_method(method: str, path: str) -> None:
    response = make_app(FULL_CONFIG).test_client().open(path, method=method)
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"
    body = response.get_json()
    assert (body["status"], body["error"], body["path"]) == (405, "Method Not Allowed", path)


def test_a_405_lists_post_where_a_management_route_takes_it() -> None:
    response = make_app(FULL_CONFIG).test_client().put("/z/loggers/ROOT")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS, POST"


def test_an_unexposed_endpoint_is_a_404_for_every_method() -> None:
    client = make_app().test_client()  # loggers is off by default
    for method in EVERY_METHOD:
        response = client.open("/z/loggers/ROOT", method=method)
        assert (response.status_code, response.mimetype) == (404, "application/json"), method


@pytest.mark.parametrize("registered", ["before_init_app", "after_init_app"])
def test_the_apps_error_handlers_serve_its_routes_and_never_the_prefix(registered: str) -> None:
    app = Flask("orders")

    def install_handlers() -> None:
        app.register_error_handler(404, lambda error: ("the app's 404", 404))
        app.register_error_handler(
            HTTPException, lambda error: (f"the app's {error.code}", error.code)
        )

    if registered == "before_init_app":
        install_handlers()
    ManagementEndpoints(app)
    if registered == "after_init_app":
        install_handlers()

    @app.post("/jobs")
    def jobs() -> str:
        return "started"

    client = app.test_client()
    assert client.get("/nope").get_data(as_text=True) == "the app's 404"
    assert client.get("/jobs").get_data(as_text=True) == "the app's 405"
    assert client.get("/zz").get_data(as_text=True) == "the app's 404"  # not under /z
    assert client.post("/jobs").get_data(as_text=True) == "started"
    assert client.get("/z/nope").get_json()["error"] == "Not Found"
    assert client.post("/z/health").get_json()["error"] == "Method Not Allowed"


def test_the_apps_before_request_hooks_run_before_the_answers_under_the_prefix() -> None:
    app = make_app()

    @app.before_request
    def require_a_header() -> tuple[str, int] | None:
        if request.headers.get("X-Internal") != "1":
            return "the app's 403", 403
        return None

    client = app.test_client()
    for path in ("/z/health/liveness", "/z/nope", "/"):
        assert client.get(path).get_data(as_text=True) == "the app's 403", path
    inside = {"X-Internal": "1"}
    assert client.get("/z/health/liveness", headers=inside).status_code == 200
    assert client.get("/z/nope", headers=inside).status_code == 404
    assert client.post("/z/health", headers=inside).status_code == 405


def test_a_root_mount_answers_every_unknown_path_in_json() -> None:
    app = make_app(prefix="/")

    @app.get("/hello")
    def hello() -> str:
        return "hello"

    client = app.test_client()
    assert client.get("/hello").get_data(as_text=True) == "hello"
    assert client.get("/health/liveness").status_code == 200
    assert client.get("/elsewhere").get_json()["status"] == 404
    assert client.post("/health").get_json()["status"] == 405
