"""A host app with one route that fails on demand, for the burn-rate traffic tests.

``GET /flaky`` answers 200, ``GET /flaky?fail=1`` 503. gunicorn workers build
it with ``tests.server_status.slo_app:create_app()``; the database URL, flush
interval and quiet period come from the environment
(``STATUS_TEST_DATABASE_URI``, ``STATUS_TEST_FLUSH_SECONDS``,
``STATUS_TEST_QUIET_SECONDS``).
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, abort, request

from flask_server_status import FlaskStatus


def create_app(database_uri: str | None = None, **config: Any) -> Flask:
    app = Flask(__name__)
    app.config["SERVER_STATUS_DATABASE_URI"] = (
        database_uri or os.environ["STATUS_TEST_DATABASE_URI"]
    )
    app.config["SERVER_STATUS_FLUSH_INTERVAL_SECONDS"] = float(
        os.environ.get("STATUS_TEST_FLUSH_SECONDS", "3600")
    )
    app.config["SERVER_STATUS_INCIDENT_QUIET_SECONDS"] = int(
        os.environ.get("STATUS_TEST_QUIET_SECONDS", "600")
    )
    app.config.update(config)

    @app.route("/flaky")
    def flaky() -> str:
        """# Flaky

        Fails when asked to.
        """
        if request.args.get("fail"):
            abort(503)
        return "ok"

    FlaskStatus(app)
    return app
