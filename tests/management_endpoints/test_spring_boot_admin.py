"""Spring Boot Admin's two endpoint discovery strategies, replayed against a live app."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask

from tests.management_endpoints.apps import make_app

SBA_ACCEPT = (
    "application/vnd.spring-boot.actuator.v3+json,"
    "application/vnd.spring-boot.actuator.v2+json,application/json"
)
ACTUATOR_TYPES = (
    "application/vnd.spring-boot.actuator.v3+json",
    "application/vnd.spring-boot.actuator.v2+json",
)
#: The endpoint ids Spring Boot Admin probes when the index cannot be read.
SBA_PROBED_IDS = (
    "health", "info", "env", "metrics", "loggers", "heapdump", "threaddump", "mappings",
    "shutdown", "prometheus", "httptrace", "trace", "auditevents", "beans", "caches",
    "conditions", "configprops", "flyway", "liquibase", "logfile", "scheduledtasks",
    "sessions", "startup", "jolokia", "refresh", "dump", "quartz", "sbom",
    "integrationgraph", "doesnotexist",
)  # fmt: skip


def from_index(management_url: str) -> set[str]:
    """Strategy 1: read the index with an actuator media type and take its links."""
    response = requests.get(management_url, headers={"Accept": SBA_ACCEPT}, timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"] in ACTUATOR_TYPES  # else SBA ignores the index
    links: dict[str, Any] = response.json()["_links"]
    return {name for name, link in links.items() if name != "self" and not link["templated"]}


def by_probing(management_url: str) -> set[str]:
    """Strategy 2: OPTIONS on every known endpoint path; a 2xx means it exists."""
    found = set()
    for endpoint_id in SBA_PROBED_IDS:
        response = requests.options(f"{management_url}/{endpoint_id}", timeout=5)
        if 200 <= response.status_code < 300:
            found.add(endpoint_id)
        else:
            assert response.status_code == 404
            assert response.headers["Content-Type"] == "application/json"
    return found


@pytest.mark.parametrize(
    ("z_endpoints", "exposed"),
    [
        ({}, {"health", "info", "version"}),
        (
            {"exposure": {"include": ["health", "loggers", "env", "threaddump", "mappings"]}},
            {"health", "loggers", "env", "threaddump", "mappings"},
        ),
        ({"exposure": {"include": ["*"], "exclude": ["env"]}},
         {"health", "info", "version", "loggers", "threaddump", "mappings"}),
    ],
)  # fmt: skip
def test_both_strategies_find_exactly_the_exposed_endpoints(
    live_server: Callable[[Flask], str],
    tmp_path: Path,
    z_endpoints: dict[str, Any],
    exposed: set[str],
) -> None:
    app = make_app({"auth_token": "sba", "loggers_dir": str(tmp_path), **z_endpoints})
    management_url = live_server(app) + "/z"
    assert from_index(management_url) == exposed
    assert by_probing(management_url) == exposed & set(SBA_PROBED_IDS)


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        (SBA_ACCEPT, ACTUATOR_TYPES[0]),
        (f"{ACTUATOR_TYPES[1]},application/json", ACTUATOR_TYPES[1]),
        ("application/json", "application/json"),
        ("*/*", "application/json"),
        (None, "application/json"),
    ],
)
@pytest.mark.parametrize("path", ["/z", "/z/info"])
def test_index_and_info_answer_the_actuator_type_asked_for(
    path: str, accept: str | None, content_type: str
) -> None:
    headers = {"Accept": accept} if accept else {}
    response = make_app().test_client().get(path, headers=headers)
    assert response.headers["Content-Type"] == content_type
    assert response.get_json(force=True)
