"""Every usage of the earlier package's README keeps working (acceptance 1)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import pytest
import requests
from flask import Config, Flask

from flask_management_endpoints import ConfigurationError, ManagementEndpoints, z_blueprint
from tests.management_endpoints.apps import CallCounter, make_app
from tests.support.fake_service import FakeService

SEED_ENDPOINTS = ["/health", "/health/liveness", "/health/readiness", "/health/ping", "/info"]


def seed_app() -> Flask:
    app = Flask("seed")

    @app.get("/")
    def index() -> str:
        return "hello"

    return app


@pytest.mark.parametrize("prefix", [None, "/admin"])
def test_blueprint_registered_directly_serves_every_endpoint(prefix: str | None) -> None:
    app = seed_app()
    if prefix is None:
        app.register_blueprint(z_blueprint)
    else:
        app.register_blueprint(z_blueprint, url_prefix=prefix)
    client = app.test_client()
    base = prefix or "/z"
    for path in SEED_ENDPOINTS:
        response = client.get(base + path)
        assert response.status_code == 200, (path, response.get_data(as_text=True))
        assert response.is_json, path
    assert client.get(base + "/version").status_code == 200
    assert client.get("/").get_data(as_text=True) == "hello"


def test_configuration_set_after_registering_the_blueprint_applies() -> None:
    app = seed_app()
    app.register_blueprint(z_blueprint)
    app.config.update(Z_ENDPOINTS={"check_functions": {"readiness": {"db": lambda: False}}})
    client = app.test_client()
    assert client.get("/z/health/readiness").status_code == 503
    assert client.get("/z/health").get_json()["components"]["db"] == {"status": "DOWN"}


def test_extension_with_prefix_and_app_factory_serves_several_apps() -> None:
    extension = ManagementEndpoints(prefix="/manage")
    apps = [Flask("first"), Flask("second")]
    apps[1].config["Z_ENDPOINTS"] = {"check_functions": {"health": {"db": lambda: False}}}
    for app in apps:
        extension.init_app(app)
    first, second = (app.test_client() for app in apps)
    assert first.get("/manage/health").status_code == 200
    assert second.get("/manage/health").status_code == 503
    assert first.get("/z/health").status_code == 404
    assert (
        apps[0].extensions["management_endpoints"] is not apps[1].extensions["management_endpoints"]
    )


def test_bool_check_functions_under_health_and_readiness() -> None:
    passing, failing = CallCounter(True), CallCounter(False)
    app = make_app(
        {"check_functions": {"health": {"cache": passing}, "readiness": {"db": failing}}}
    )
    client = app.test_client()

    body = client.get("/z/health").get_json()
    assert body["components"]["cache"] == {"status": "UP"}
    assert body["components"]["db"] == {"status": "DOWN"}
    assert body["status"] == "DOWN"

    readiness = client.get("/z/health/readiness")
    assert (readiness.status_code, readiness.get_json()) == (503, {"status": "DOWN"})


def test_health_key_checks_stay_out_of_readiness() -> None:
    app = make_app({"check_functions": {"health": {"cache": lambda: False}}})
    client = app.test_client()
    assert client.get("/z/health").status_code == 503
    assert client.get("/z/health/readiness").status_code == 200


def test_version_function_and_version_fallbacks(monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app({"version_function": lambda: ("1.4.2", 200)})
    response = app.test_client().get("/z/version")
    assert (response.status_code, response.get_data(as_text=True)) == (200, "1.4.2")
    assert response.mimetype == "text/plain"

    monkeypatch.setenv("VERSION", "from-env")
    plain = make_app()
    assert plain.test_client().get("/z/version").get_data(as_text=True) == "from-env"
    plain.config["VERSION"] = "2.0.0"  # set late, still seen
    assert plain.test_client().get("/z/version").get_data(as_text=True) == "2.0.0"


def test_enable_service_instance_id_is_accepted() -> None:
    app = make_app({"enable_service_instance_id": True})
    response = app.test_client().get("/z/info")
    assert response.status_code == 200
    assert response.is_json


def test_service_dependencies_are_components(
    fake_service: Callable[..., FakeService],
) -> None:
    users = fake_service(body={"status": "UP", "components": {"db": {"status": "UP"}}})
    widgets = fake_service(status=503, body={"status": "DOWN"})
    app = make_app(
        {
            "service_dependencies": {"users_api": users.url + "/admin", "widget_api": widgets.url},
            "show_details": "always",
        }
    )
    body = app.test_client().get("/z/health").get_json()
    assert body["components"]["users_api"] == {
        "status": "UP",
        "details": {"url": users.url + "/admin", "components": {"db": {"status": "UP"}}},
    }
    assert body["components"]["widget_api"]["status"] == "DOWN"
    assert body["status"] == "DOWN"
    assert [r.path for r in users.requests] == ["/admin"]


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def werkzeug_lines() -> Iterator[list[str]]:
    handler = _Capture()
    logger = logging.getLogger("werkzeug")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    yield handler.lines
    logger.removeHandler(handler)
    logger.setLevel(level)
    for log_filter in list(logger.filters):
        logger.removeFilter(log_filter)


def test_no_log_flag_keeps_probes_out_of_the_access_log(
    live_server: Callable[[Flask], str], werkzeug_lines: list[str]
) -> None:
    app = seed_app()
    ManagementEndpoints(app, no_log=True)
    base = live_server(app)
    assert requests.get(base + "/z/health/liveness", timeout=5).status_code == 200
    assert requests.get(base + "/", timeout=5).status_code == 200
    assert any('"GET / HTTP' in line for line in werkzeug_lines)
    assert not any("/z/health" in line for line in werkzeug_lines)


def test_configuration_mistake_with_the_blueprint_alone_is_a_json_500_naming_the_key() -> None:
    app = seed_app()
    app.register_blueprint(z_blueprint)
    app.config["Z_ENDPOINTS"] = {"groups": {"ops": {"include": ["nope"]}}}
    response = app.test_client().get("/z/health")
    assert response.status_code == 500
    assert response.is_json
    assert response.get_json()["message"].startswith('Z_ENDPOINTS["groups"]["ops"]["include"]')
    assert app.test_client().get("/").status_code == 200


def test_configuration_replaced_after_init_app_applies_until_the_first_request() -> None:
    app = make_app()
    app.config["Z_ENDPOINTS"] = {"check_functions": {"readiness": {"db": lambda: False}}}
    client = app.test_client()
    assert client.get("/z/health/readiness").status_code == 503


def test_configuration_is_not_read_again_after_the_first_request() -> None:
    app = make_app()
    config_class = type(app.config)
    client = app.test_client()
    assert client.get("/z/health/readiness").status_code == 200
    app.config["Z_ENDPOINTS"] = {"check_functions": {"readiness": {"db": lambda: False}}}
    assert client.get("/z/health/readiness").status_code == 200
    assert type(app.config) is config_class is Config  # the host's object, untouched


def test_failing_version_function_is_a_plain_text_500() -> None:
    def broken() -> str:
        raise LookupError("no build file")

    response = make_app({"version_function": broken}).test_client().get("/z/version")
    assert response.status_code == 500
    assert response.mimetype == "text/plain"
    assert response.get_data(as_text=True) == "version unavailable: LookupError: no build file"


def test_db_indicator_uses_the_given_flask_sqlalchemy_instance(sqlite_url: str) -> None:
    from flask_sqlalchemy import SQLAlchemy

    db = SQLAlchemy()
    app = seed_app()
    app.config["SQLALCHEMY_DATABASE_URI"] = sqlite_url
    app.config["Z_ENDPOINTS"] = {"show_details": "always"}
    ManagementEndpoints(app, db=db)
    db.init_app(app)  # initialised later, still found: engines are looked up per check
    component = app.test_client().get("/z/health").get_json()["components"]["db"]
    assert component["status"] == "UP"
    assert component["details"]["database"] == "SQLite"
    assert component["details"]["validationQuery"] == "SELECT 1"


def test_no_db_component_without_a_database() -> None:
    components = make_app().test_client().get("/z/health").get_json()["components"]
    assert "db" not in components
    assert {"ping", "diskSpace", "memory", "livenessState", "readinessState"} <= set(components)


def test_unknown_configuration_key_is_named_with_a_suggestion() -> None:
    with pytest.raises(ConfigurationError) as raised:
        make_app({"service_dependency": {"users": "users:8080"}})
    assert str(raised.value) == (
        """Z_ENDPOINTS["service_dependency"]: unknown key; did you mean 'service_dependencies'?"""
    )


def test_one_version_for_version_info_and_health_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VERSION", raising=False)
    answers: list[object] = [(b"7.0.1", 200)]
    app = make_app({"version_function": lambda: answers[0]}, VERSION="6.9.0")
    client = app.test_client()

    def versions() -> tuple[str, object, object]:
        health = client.get("/z/health", headers={"Accept": "application/health+json"})
        return (
            client.get("/z/version").get_data(as_text=True),
            client.get("/z/info").get_json()["app"].get("version"),
            health.get_json().get("releaseId"),
        )

    assert versions() == ("7.0.1", "7.0.1", "7.0.1")
    # A failing version_function: /version says so, the others fall back to VERSION.
    answers[0] = ("build file missing", 503)
    assert versions() == ("build file missing", "6.9.0", "6.9.0")
