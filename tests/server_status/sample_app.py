"""A host app exercising every outcome class, for tests and gunicorn.

``create_app()`` reads its database URL, flush interval and spool folder from
the environment (``STATUS_TEST_DATABASE_URI``, ``STATUS_TEST_FLUSH_SECONDS``,
``STATUS_TEST_SPOOL_DIR``; the last one optional) so gunicorn workers can
build it with ``tests.server_status.sample_app:create_app()``.
"""

from __future__ import annotations

import os
import time
from typing import Any

from flask import Flask, Response, abort, redirect

from flask_server_status import FlaskStatus

#: The rules of the sample app that flask-server-status records.
RECORDED_RULES = ("/", "/user/<int:id>", "/items", "/moved", "/missing", "/fail", "/boom", "/slow")


def create_app(database_uri: str | None = None, **config: Any) -> Flask:
    app = Flask(__name__)
    app.config["SERVER_STATUS_DATABASE_URI"] = (
        database_uri or os.environ["STATUS_TEST_DATABASE_URI"]
    )
    app.config["SERVER_STATUS_FLUSH_INTERVAL_SECONDS"] = float(
        os.environ.get("STATUS_TEST_FLUSH_SECONDS", "3600")
    )
    if "STATUS_TEST_SPOOL_DIR" in os.environ:
        app.config["SERVER_STATUS_SPOOL_DIR"] = os.environ["STATUS_TEST_SPOOL_DIR"]
    # Tests write the database from other processes and from the test itself and
    # read the answer right after: every answer is built for its request here.
    # tests/server_status/test_shared_answers.py covers the kept answers.
    app.config["SERVER_STATUS_PAGE_CACHE_SECONDS"] = 0
    app.config.update(config)

    @app.route("/")
    def index() -> str:
        """# Home page

        The landing page.
        """
        return "hello"

    @app.route("/user/<int:id>")
    def user(id: int) -> dict[str, int]:
        return {"id": id, "pid": os.getpid()}

    @app.route("/items", methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
    def items() -> tuple[str, int]:
        return "", 204

    @app.route("/moved")
    def moved() -> Any:
        return redirect("/")

    @app.route("/missing")
    def missing() -> None:
        abort(404)

    @app.route("/fail")
    def fail() -> None:
        abort(503)

    @app.route("/boom")
    def boom() -> None:
        raise RuntimeError("the database said no")

    @app.route("/slow")
    def slow() -> str:
        time.sleep(0.2)
        return "slow"

    @app.route("/z/health")
    def health() -> str:
        return "UP"

    @app.after_request
    def name_the_worker(response: Response) -> Response:
        response.headers["X-Worker-Pid"] = str(os.getpid())
        return response

    FlaskStatus(app)
    return app
