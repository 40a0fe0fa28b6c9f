"""The host app is left as it was; several apps in one process stay separate."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask

from flask_server_status import FlaskStatus, get_state
from tests.server_status.storage import outcome_totals


def snapshot(app: Flask) -> dict[str, Any]:
    return {
        "template_folder": app.template_folder,
        "static_folder": app.static_folder,
        "static_url_path": app.static_url_path,
        "jinja_loader": app.jinja_loader,
        "jinja_env": app.jinja_env,
        "json": app.json,
        "json_provider_class": app.json_provider_class,
        "logger": app.logger,
        "logger_handlers": list(app.logger.handlers),
        "logger_level": app.logger.level,
        "root_handlers": list(logging.root.handlers),
        "root_level": logging.root.level,
        "werkzeug_handlers": list(logging.getLogger("werkzeug").handlers),
        # App-wide error handlers (blueprint-scoped ones are keyed by blueprint name).
        "error_handlers": dict(app.error_handler_spec.get(None, {})),
        "url_map_converters": dict(app.url_map.converters),
        # Unrouted requests under the package's prefixes need no hook on every request.
        "before_request_funcs": list(app.before_request_funcs.get(None, [])),
        "config_keys": set(app.config),
    }


def test_init_app_leaves_templates_static_loggers_and_json_alone(tmp_path: Path) -> None:
    app = Flask(
        __name__,
        template_folder=str(tmp_path / "my_templates"),
        static_folder=str(tmp_path / "my_static"),
        static_url_path="/assets",
    )
    app.config["SERVER_STATUS_DATABASE_URI"] = f"sqlite:///{tmp_path / 'status.db'}"
    before = snapshot(app)
    FlaskStatus(app)
    app.test_client().get("/status/")
    after = snapshot(app)
    for key, value in before.items():
        if isinstance(value, (list, dict, set)):
            assert after[key] == value, key
        else:
            assert after[key] is value, key
    # Any blueprint the extension added brings no template folder (which would
    # join the app's template search path).
    assert all(bp.template_folder is None for bp in app.blueprints.values())
    get_state(app).flusher.stop(flush=False)


def test_two_apps_from_one_factory_keep_separate_state(tmp_path: Path) -> None:
    status = FlaskStatus()

    def create_app(name: str) -> Flask:
        app = Flask(name)
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / name}.db"

        @app.route("/")
        def index() -> str:
            return name

        status.init_app(app)
        return app

    first, second = create_app("first"), create_app("second")
    try:
        assert get_state(first) is not get_state(second)
        for _ in range(3):
            first.test_client().get("/")
        second.test_client().get("/")
        assert get_state(first).flush()
        assert get_state(second).flush()
        assert outcome_totals(get_state(first).engine) == {"/": {"requests": 3, "successes": 3}}
        assert outcome_totals(get_state(second).engine) == {"/": {"requests": 1, "successes": 1}}
    finally:
        for app in (first, second):
            get_state(app).flusher.stop(flush=False)
