"""Liveness probe cost: ``/z/health/liveness`` against a bare Flask route.

Both answer ``{"status": "UP"}`` from the same app, called in-process
through the WSGI interface (no sockets). The two alternate in short batches
timed in CPU seconds of this process, so other work on a shared machine
hardly moves the result; the ratio is the median of the per-round ratios.
Prints requests per CPU second for each and their ratio (ours / bare; the
goal is at least 0.95).

    python benchmarks/probe_overhead.py [--requests 500] [--rounds 40]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

from flask import Flask
from werkzeug.test import EnvironBuilder

from flask_management_endpoints import ManagementEndpoints


def build_app() -> Flask:
    app = Flask("probe_overhead")
    ManagementEndpoints(app)

    @app.get("/bare/liveness")
    def bare() -> dict[str, Any]:
        return {"status": "UP"}

    return app


def caller(app: Flask, path: str) -> Callable[[], bytes]:
    environ = EnvironBuilder(
        path=path, headers={"Accept": "*/*", "User-Agent": "kube-probe/1.30"}
    ).get_environ()
    statuses: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        statuses.append(status)

    def call() -> bytes:
        body = b"".join(app(dict(environ), start_response))
        if not statuses.pop().startswith("200"):
            raise RuntimeError(f"{path} did not answer 200")
        return body

    return call


def requests_per_second(call: Callable[[], bytes], count: int) -> float:
    started = time.process_time()
    for _ in range(count):
        call()
    return count / (time.process_time() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()

    app = build_app()
    ours, bare = caller(app, "/z/health/liveness"), caller(app, "/bare/liveness")
    assert ours() == b'{"status":"UP"}', ours()
    for call in (ours, bare):  # warm up
        requests_per_second(call, 500)

    ours_rates, bare_rates, ratios = [], [], []
    for _ in range(args.rounds):
        ours_rates.append(requests_per_second(ours, args.requests))
        bare_rates.append(requests_per_second(bare, args.requests))
        ratios.append(ours_rates[-1] / bare_rates[-1])
    rounds = f"median of {args.rounds} rounds of {args.requests}"
    print(f"bare Flask route      : {statistics.median(bare_rates):8.0f} req/CPU-s ({rounds})")
    print(f"/z/health/liveness    : {statistics.median(ours_rates):8.0f} req/CPU-s")
    print(f"ratio (liveness/bare) : {statistics.median(ratios):.2f}  (goal >= 0.95)")


if __name__ == "__main__":
    main()
