"""Request capture overhead: a hello-world app with FlaskStatus against the same app without.

Requests are in-process WSGI calls (no sockets), so the measurement is the
extension's own cost per request: the request hooks, the rule lookup and the
counter update. Both apps are timed in alternating rounds and the best round
of each is compared, which keeps the ratio stable on a shared machine.

    python benchmarks/capture_overhead.py

Prints requests per second of each app and ``ratio`` = with / without (goal >= 0.90),
and the same ratio while the status database is unreachable (its flush thread
failing every 50 ms), which should be no worse.

Times are the measuring thread's CPU time (``time.thread_time``), not wall
time: on a shared machine other processes steal wall time at random, which
made wall-clock ratios swing by +-10 % between runs.
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


def hello_app(database_uri: str | None, flush_interval: float = 3600) -> Flask:
    app = Flask("hello")

    @app.route("/")
    def hello() -> str:
        return "Hello, World!"

    if database_uri is not None:
        app.config["SERVER_STATUS_DATABASE_URI"] = database_uri
        app.config["SERVER_STATUS_FLUSH_INTERVAL_SECONDS"] = flush_interval
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
        # A database file in a folder that does not exist: every flush fails.
        outage = hello_app(f"sqlite:///{Path(folder) / 'missing' / 'status.db'}", 0.05)
        apps = {"plain": plain, "status": status, "outage": outage}
        for app in apps.values():  # warm up; the flush thread creates the schema
            requests_per_second(app, 500)
        get_state(status).flush()
        best = dict.fromkeys(apps, 0.0)
        for _ in range(ROUNDS):
            for name, app in apps.items():
                best[name] = max(best[name], requests_per_second(app, REQUESTS_PER_ROUND))
        assert not get_state(outage).flush(), "the outage app should not reach its database"
        for app in (status, outage):
            state = get_state(app)
            state.flusher.stop(flush=False)
            state.engine.dispose()
    print(f"without FlaskStatus:               {best['plain']:,.0f} requests/s")
    print(f"with FlaskStatus:                  {best['status']:,.0f} requests/s")
    print(f"with FlaskStatus, database down:   {best['outage']:,.0f} requests/s")
    print(f"outage ratio (database down / without): {best['outage'] / best['plain']:.3f}")
    print(
        f"capture overhead ratio (with / without): {best['status'] / best['plain']:.3f}"
        " (goal >= 0.90)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
