"""The sample app reduced to one route that fails on demand, for the burn-rate tests.

``GET /flaky`` answers 200, ``GET /flaky?fail=1`` 503; no other route is
recorded or shown. gunicorn workers build it with
``tests.server_status.slo_app:create_app()``; besides the sample app's
environment it reads the quiet period from ``STATUS_TEST_QUIET_SECONDS``.
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, abort, request

from tests.server_status import sample_app


def create_app(database_uri: str | None = None, **config: Any) -> Flask:
    config.setdefault(
        "SERVER_STATUS_INCIDENT_QUIET_SECONDS",
        int(os.environ.get("STATUS_TEST_QUIET_SECONDS", "600")),
    )
    app = sample_app.create_app(database_uri, SERVER_STATUS_ROUTES=["/flaky"], **config)

    @app.route("/flaky")
    def flaky() -> str:
        """# Flaky

        Fails when asked to.
        """
        if request.args.get("fail"):
            abort(503)
        return "ok"

    return app
