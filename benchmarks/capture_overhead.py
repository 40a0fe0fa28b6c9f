"""Request capture overhead: a hello-world app with FlaskStatus against the same app without.

Requests are in-process WSGI calls (no sockets), so the measurement is the
extension's own cost per request: the request hooks, the rule lookup and the
counter update. Both apps are timed in alternating rounds and the best round
of each is compared, which keeps the ratio stable on a shared machine.

    python benchmarks/capture_overhead.py

Prints requests per second of each app and ``ratio`` = with / without (goal >= 0.95),
and the same ratio while the status database is unreachable (its flush thread
failing every 50 ms), which should be no worse.

Times are the measuring thread's CPU time (``time.thread_time``), not wall
time: on a shared machine other processes steal wall time at random, which
made wall-clock ratios swing by +-10 % between runs.

``--against REF`` measures this tree and the package as it was at git
revision REF (default ``BEFORE_HISTOGRAM``, the last commit before the
geometric latency histogram) in the same run: child processes take turns,
each version ``--turns`` times, and the best round of each version is kept.
It prints both capture ratios and ``ratio after / before``.

    python benchmarks/capture_overhead.py --against [REF] [--turns 6]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
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
#: The server-status package before the histogram change (issue: truthful status).
BEFORE_HISTOGRAM = "0194e7f"
ROOT = Path(__file__).resolve().parents[1]
SOURCE = "packages/server-status/src"


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


def measure() -> dict[str, float]:
    """Best requests/s of each app (plain, status, outage) over ``ROUNDS`` alternating rounds."""
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
    return best


def report(best: dict[str, float]) -> None:
    print(f"without FlaskStatus:               {best['plain']:,.0f} requests/s")
    print(f"with FlaskStatus:                  {best['status']:,.0f} requests/s")
    print(f"with FlaskStatus, database down:   {best['outage']:,.0f} requests/s")
    print(f"outage ratio (database down / without): {best['outage'] / best['plain']:.3f}")
    print(
        f"capture overhead ratio (with / without): {best['status'] / best['plain']:.3f}"
        " (goal >= 0.95)"
    )


def compare(ref: str, turns: int) -> None:
    """This tree against ``ref``'s package source, in child processes taking turns."""
    with tempfile.TemporaryDirectory() as folder:
        archive = subprocess.run(
            ["git", "archive", ref, SOURCE], cwd=ROOT, capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", folder], input=archive, check=True)
        versions = {"after": None, "before": str(Path(folder) / SOURCE)}
        best: dict[str, dict[str, float]] = {name: {} for name in versions}
        for _ in range(turns):
            for name, source in versions.items():
                env = dict(os.environ)
                if source is not None:  # ahead of the installed (editable) package
                    env["PYTHONPATH"] = os.pathsep.join([source, env.get("PYTHONPATH", "")])
                child = subprocess.run(
                    [sys.executable, __file__, "--child"],
                    env=env,
                    capture_output=True,
                    text=True,
                    check=True,
                )
                for app, rate in json.loads(child.stdout).items():
                    best[name][app] = max(best[name].get(app, 0.0), rate)
    ratios = {name: rates["status"] / rates["plain"] for name, rates in best.items()}
    print(f"capture overhead ratio at {ref} (before): {ratios['before']:.3f}")
    print(f"capture overhead ratio now (after):      {ratios['after']:.3f}")
    change = ratios["after"] / ratios["before"]
    print(f"ratio after / before: {change:.3f} (no worse: 1.00 or more, within noise)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", nargs="?", const=BEFORE_HISTOGRAM, metavar="REF")
    parser.add_argument("--turns", type=int, default=6)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:  # one measurement, as JSON, for compare()
        print(json.dumps(measure()))
    elif args.against:
        if not 1 <= args.turns <= 10:
            parser.error("--turns must be 1-10")
        compare(args.against, args.turns)
    else:
        report(measure())
    return 0


if __name__ == "__main__":
    sys.exit(main())
