"""/z/info served over real HTTP by ManagementEndpoints."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
import requests
from flask import Flask

from flask_management_endpoints import ManagementEndpoints
from flask_management_endpoints.errors import ConfigurationError
from flask_management_endpoints.info import register_contributor


def test_info_endpoint_reads_everything_per_request(
    live_server: Callable[[Flask], str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VERSION", raising=False)
    app = Flask("billing", root_path=str(tmp_path))
    app.config["Z_ENDPOINTS"] = {
        "info": {"app": {"smtp_password": "hunter2", "owner": "payments"}},
        "kubernetes": {"podinfo_dir": str(tmp_path / "podinfo")},
    }
    ManagementEndpoints(app, prefix="/ops")
    register_contributor(app, "queue", lambda: {"depth": 0, "auth_token": "t0k"})
    base = live_server(app)

    first = requests.get(f"{base}/ops/info", timeout=10)
    assert first.status_code == 200
    assert first.headers["Content-Type"].startswith("application/json")
    assert first.json()["app"] == {
        "name": "billing",
        "smtp_password": "******",
        "owner": "payments",
    }
    assert first.json()["queue"] == {"depth": 0, "auth_token": "******"}
    assert first.json()["process"]["pid"] == os.getpid()
    assert first.json()["trace.attributes"]["service.name"] == "billing"

    monkeypatch.setenv("VERSION", "3.1.4")  # after import, init_app and a first request
    second = requests.get(f"{base}/ops/info", timeout=10).json()
    assert second["app"]["version"] == "3.1.4"
    assert second["trace.attributes"]["service.version"] == "3.1.4"


def test_bad_info_options_fail_at_init_app() -> None:
    app = Flask(__name__)
    app.config["Z_ENDPOINTS"] = {"info": {"contributors": ["app", "jvm"]}}
    with pytest.raises(ConfigurationError, match=r'Z_ENDPOINTS\["info"\]\["contributors"\]\[1\]'):
        ManagementEndpoints(app)
