"""Request capture overhead: a hello-world app with FlaskStatus against the same app without.

Requests are in-process WSGI calls (no sockets), so the measurement is the
extension's own cost per request: the request hooks, the rule lookup and the
counter update. Both apps are timed in alternating rounds and the best round
of each is compared, which keeps the ratio stable on a shared machine.

    python benchmarks/capture_overhead.py

Prints requests per second of each app and ``ratio`` = with / without (goal >= 0.90).
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.test import EnvironBuilder

from flask_server_status import FlaskStatus, get_state

REQUESTS_PER_ROUND = 3_000
ROUNDS = 15


def hello_app(database_uri: str | None) -> Flask:
    app = Flask("hello")

    @app.route("/")
    def hello() -> str:
        return "Hello, World!"

    if database_uri is not None:
        app.config["SERVER_STATUS_DATABASE_URI"] = database_uri
        app.config["SERVER_STATUS_FLUSH_INTERVAL_SECONDS"] = 3600
        FlaskStatus(app)
    return app


def requests_per_second(app: Flask, count: int) -> float:
    environ = EnvironBuilder(path="/").get_environ()
    wsgi: Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]] = app.wsgi_app

    def start_response(*_args: Any) -> None:
        return None

    start = time.thread_time()
    for _ in range(count):
        for _chunk in wsgi(dict(environ), start_response):
            pass
    return count / (time.thread_time() - start)


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        plain = hello_app(None)
        status = hello_app(f"sqlite:///{Path(folder) / 'status.db'}")
        requests_per_second(plain, 500)  # warm up both, and let the flush thread
        requests_per_second(status, 500)  # create the schema before timing
        get_state(status).flush()
        best_plain = best_status = 0.0
        for _ in range(ROUNDS):
            best_plain = max(best_plain, requests_per_second(plain, REQUESTS_PER_ROUND))
            best_status = max(best_status, requests_per_second(status, REQUESTS_PER_ROUND))
        state = get_state(status)
        state.flush()
        state.flusher.stop(flush=False)
        state.engine.dispose()
    print(f"without FlaskStatus: {best_plain:,.0f} requests/s")
    print(f"with FlaskStatus:    {best_status:,.0f} requests/s")
    print(f"capture overhead ratio (with / without): {best_status / best_plain:.3f} (goal >= 0.90)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
