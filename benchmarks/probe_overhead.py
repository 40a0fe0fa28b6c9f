"""Liveness probe cost: ``/z/health/liveness`` against a bare Flask route, beside the peers.

Each probe is served by its own app next to a bare route answering
``{"status": "UP"}``, called in-process through the WSGI interface (no
sockets): ours, and, when installed (the ``bench`` dependency group), the
liveness probes of flask-healthz, py-healthcheck and pyctuator. Probe and bare
route alternate in short batches timed in CPU seconds of this process, so other
work on a shared machine hardly moves the result; each ratio is the median of
the per-round ratios (probe / bare route of the same app; our goal is at least
0.95).

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


def with_bare_route(app: Flask) -> Flask:
    @app.get("/bare/liveness")
    def bare() -> dict[str, Any]:
        return {"status": "UP"}

    return app


def ours() -> tuple[Flask, str]:
    app = Flask("probe_overhead")
    ManagementEndpoints(app)
    return with_bare_route(app), "/z/health/liveness"


def flask_healthz() -> tuple[Flask, str]:
    from flask_healthz import healthz

    app = Flask("flask_healthz_peer")
    app.register_blueprint(healthz, url_prefix="/healthz")
    app.config["HEALTHZ"] = {"live": lambda: None}
    return with_bare_route(app), "/healthz/live"


def py_healthcheck() -> tuple[Flask, str]:
    from healthcheck import HealthCheck

    app = Flask("py_healthcheck_peer")
    health = HealthCheck()
    app.add_url_rule("/healthcheck", "healthcheck", view_func=health.run)
    return with_bare_route(app), "/healthcheck"


def pyctuator() -> tuple[Flask, str]:
    from pyctuator.pyctuator import Pyctuator

    app = Flask("pyctuator_peer")
    base = "http://localhost"
    Pyctuator(app, "peer", base, f"{base}/pyctuator", registration_url=None)
    return with_bare_route(app), "/pyctuator/health"


PROBES: dict[str, Callable[[], tuple[Flask, str]]] = {
    "flask-management-endpoints": ours,
    "flask-healthz": flask_healthz,
    "py-healthcheck": py_healthcheck,
    "pyctuator": pyctuator,
}


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


def measure(probe: Callable[[], bytes], bare: Callable[[], bytes], args: Any) -> list[float]:
    """Per-round (probe rate, bare rate) ratios."""
    for call in (probe, bare):  # warm up
        requests_per_second(call, 500)
    ratios = []
    for _ in range(args.rounds):
        probe_rate = requests_per_second(probe, args.requests)
        ratios.append(probe_rate / requests_per_second(bare, args.requests))
    return ratios


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()

    print(f"probe / bare route of the same app, median of {args.rounds} rounds of {args.requests}")
    for name, build in PROBES.items():
        try:
            app, path = build()
        except ImportError:
            print(f"{name:28}: not installed (the bench dependency group installs it)")
            continue
        probe, bare = caller(app, path), caller(app, "/bare/liveness")
        probe()
        ratio = statistics.median(measure(probe, bare, args))
        goal = "  (goal >= 0.95)" if build is ours else ""
        print(f"ratio {name:22}: {ratio:.2f}{goal}")


if __name__ == "__main__":
    main()
