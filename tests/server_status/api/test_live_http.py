"""The admin and public APIs over real HTTP (Werkzeug on loopback), the way
the original package's README used them with ``requests``."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import requests
from flask import Flask

from flask_server_status import get_state
from tests.server_status.api.contract import SECRET, ContractClient
from tests.server_status.summary_view import by_rule


def test_readme_configure_call_over_http(
    make_app: Callable[..., Flask], live_server: Callable[[Flask], str]
) -> None:
    app = make_app(API_ENABLED=True, API_SECRET=SECRET)  # no "Bearer " prefix, as the seed
    app.test_client().get("/")
    assert get_state(app).flush()
    base = live_server(app)
    answer = requests.put(
        f"{base}/flask-status/configure",
        json={"rule": "/", "name": "Hello World!", "doc": ""},
        headers={"Authorization": f"Bearer {SECRET}"},
        timeout=10,
    )
    assert answer.status_code == 200
    assert answer.json()["name"] == "Hello World!"
    routes = requests.get(f"{base}/status/api/routes", timeout=10).json()["routes"]
    assert by_rule(app, routes)["/"]["name"] == "Hello World!"
    refused = requests.delete(f"{base}/flask-status/configure", json={"rule": "/"}, timeout=10)
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert refused.headers["Content-Type"] == "application/json"


def test_chunked_body_over_the_limit_is_cut_off(
    make_app: Callable[..., Flask], live_server: Callable[[Flask], str]
) -> None:
    app = make_app(API_ENABLED=True, API_SECRET=SECRET, SERVER_STATUS_API_MAX_BODY_BYTES=4096)
    base = live_server(app)

    def chunks() -> Iterator[bytes]:  # no Content-Length: sent chunked
        yield b'{"title": "'
        for _ in range(64):  # 64 KiB, far more than the limit
            yield b"x" * 1024
        yield b'"}'

    answer = requests.post(
        f"{base}/flask-status/incidents",
        data=chunks(),
        headers={"Authorization": f"Bearer {SECRET}", "Content-Type": "application/json"},
        timeout=10,
    )
    assert answer.status_code == 413
    assert answer.json() == {
        "error": {"status": 413, "reason": "the request body is larger than 4096 bytes"}
    }
    # Nothing was stored.
    listed = ContractClient(app.test_client()).admin("get", "/flask-status/incidents")
    assert listed.get_json() == {"incidents": []}
