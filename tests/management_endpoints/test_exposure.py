"""Exposure and access for every endpoint, with and without the token (test client)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from flask_management_endpoints import ConfigError
from flask_management_endpoints.exposure import DEFAULT_ACCESS, DEFAULT_INCLUDE, ENDPOINT_IDS
from tests.management_endpoints.apps import make_app

TOKEN = "s3cret-token"
#: Paths of each endpoint id; the second is below the endpoint.
PATHS = {
    "health": ("/z/health", "/z/health/diskSpace"),
    "info": ("/z/info",),
    "version": ("/z/version",),
    "loggers": ("/z/loggers", "/z/loggers/ROOT"),
    "mappings": ("/z/mappings",),
    "env": ("/z/env",),
    "threaddump": ("/z/threaddump",),
}
EXPOSURES = ("default", "included", "excluded", "star")
ACCESSES = (None, "public", "when_authorized", "never")


def exposure_config(mode: str, endpoint_id: str) -> dict[str, list[str]] | None:
    return {
        "default": None,
        "included": {"include": [endpoint_id]},
        "excluded": {"include": ["*"], "exclude": [endpoint_id]},
        "star": {"include": ["*"]},
    }[mode]


def build(mode: str, endpoint_id: str, access: str | None) -> Flask:
    z: dict[str, Any] = {"auth_token": TOKEN}
    exposure = exposure_config(mode, endpoint_id)
    if exposure is not None:
        z["exposure"] = exposure
    if access is not None:
        z["access"] = {endpoint_id: access}
    return make_app(z)


def expected_get(mode: str, endpoint_id: str, access: str | None, token: bool) -> int:
    exposed = mode in ("included", "star") or (mode == "default" and endpoint_id in DEFAULT_INCLUDE)
    level = access or DEFAULT_ACCESS[endpoint_id].value
    if not exposed or level == "never":
        return 404
    return 200 if level == "public" or token else 401


@pytest.mark.parametrize("token", [False, True], ids=["anonymous", "token"])
@pytest.mark.parametrize("access", ACCESSES, ids=lambda a: a or "default-access")
@pytest.mark.parametrize("mode", EXPOSURES)
@pytest.mark.parametrize("endpoint_id", ENDPOINT_IDS)
def test_every_exposure_and_access_combination(
    endpoint_id: str, mode: str, access: str | None, token: bool
) -> None:
    client = build(mode, endpoint_id, access).test_client()
    headers = {"Authorization": f"Bearer {TOKEN}"} if token else {}
    status = expected_get(mode, endpoint_id, access, token)
    for path in PATHS[endpoint_id]:
        response = client.get(path, headers=headers)
        assert response.status_code == status, (path, response.get_data(as_text=True))
        if status != 200:
            assert response.is_json
            assert response.get_json()["status"] == status
        if status == 401:
            assert response.headers["WWW-Authenticate"] == "Bearer"
        options = client.options(path, headers=headers)
        if status == 404:
            assert (options.status_code, options.is_json) == (404, True)
            assert client.post(path, headers=headers).status_code == 404
        else:  # exposed: OPTIONS answers without credentials, as preflights carry none
            assert options.status_code == 200
            assert "GET" in options.headers["Allow"]
    links = client.get("/z", headers=headers).get_json()["_links"]
    assert (endpoint_id in links) == (status != 404)


@pytest.mark.parametrize("access", ACCESSES, ids=lambda a: a or "default-access")
@pytest.mark.parametrize("probe", ["liveness", "readiness", "ping", "startup"])
def test_probes_answer_without_credentials_whenever_health_is_reachable(
    probe: str, access: str | None
) -> None:
    client = build("default", "health", access).test_client()
    response = client.get(f"/z/health/{probe}")
    assert response.status_code == (404 if access == "never" else 200)
    assert (
        build("excluded", "health", None).test_client().get(f"/z/health/{probe}").status_code == 404
    )


def test_default_index_lists_health_info_and_version_only() -> None:
    links = make_app().test_client().get("/z").get_json()["_links"]
    assert sorted(links) == ["health", "health-path", "info", "self", "version"]


def test_info_hides_host_identity_unless_authorized_or_enabled() -> None:
    hidden = ("host.id", "host.name", "os.description", "process.executable.path", "process.owner")
    app = make_app({"auth_token": TOKEN})
    client = app.test_client()
    anonymous = client.get("/z/info").get_json()
    assert not set(hidden) & set(anonymous["trace.attributes"])
    assert "owner" not in anonymous["process"]
    assert "executable" not in anonymous["python"]
    assert set(anonymous["os"]) == {"name", "arch"}
    authorized = client.get("/z/info", headers={"Authorization": f"Bearer {TOKEN}"}).get_json()
    assert {"host.name", "process.executable.path"} <= set(authorized["trace.attributes"])
    assert "executable" in authorized["python"]
    assert "version" in authorized["os"]
    enabled = make_app({"info": {"host_details": "always"}}).test_client().get("/z/info")
    assert "executable" in enabled.get_json()["python"]


@pytest.mark.parametrize(
    ("z_endpoints", "key"),
    [
        ({"exposure": {"include": ["envv"]}}, 'Z_ENDPOINTS["exposure"]["include"][0]'),
        ({"exposure": {"exclude": "env"}}, 'Z_ENDPOINTS["exposure"]["exclude"]'),
        ({"exposure": {"expose": ["env"]}}, 'Z_ENDPOINTS["exposure"]'),
        ({"access": {"env": "sometimes"}, "exposure": {"include": ["env"]}, "auth_token": "t"},
         'Z_ENDPOINTS["access"]["env"]'),
        ({"access": {"beans": "public"}}, 'Z_ENDPOINTS["access"]["beans"]'),
        ({"exposure": {"include": ["env"]}}, 'Z_ENDPOINTS["access"]["env"]'),
    ],
)  # fmt: skip
def test_exposure_mistakes_name_the_key(z_endpoints: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError) as raised:
        make_app(z_endpoints)
    assert raised.value.key == key
