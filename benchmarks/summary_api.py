"""Latency of the status summary API with 50 routes (one component each) and 90 days of history.

Seeds a fresh database with ``tests.support.status_seed.seed_history`` (50
routes, 90 days: daily, hourly and minute buckets as retention keeps them,
incidents and maintenance), then times in-process WSGI calls of
``GET /status/api/summary`` (the page's one request, ~0.5 MB of JSON) next to
the JSON ``/hello`` of a bare Flask app (no extension), on SQLite and, when PostgreSQL can be
found or started (tests/support/postgres.py), on PostgreSQL (a private schema,
dropped after).

    python benchmarks/summary_api.py

Prints the median and p95 per database, the answer's size plain and gzipped
(as sent to a client whose ``Accept-Encoding`` takes gzip), and these ratios,
all measured in this run: gzipped over plain bytes, summary over the bare
app's route, and PostgreSQL over SQLite.
"""

from __future__ import annotations

import logging
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _hosts import HELLO, hello_app  # noqa: E402
from flask import Flask  # noqa: E402

from flask_server_status import FlaskStatus, get_state  # noqa: E402
from tests.support.postgres import PostgresSchema, find_or_start  # noqa: E402
from tests.support.status_seed import seed_history  # noqa: E402

ROUTES = 50
DAYS = 90
SUMMARY_CALLS = 25
TRIVIAL_CALLS = 200


def build_app(database_uri: str) -> Flask:
    app = Flask("benchmark")
    app.config["SERVER_STATUS_DATABASE_URI"] = database_uri
    app.config["SERVER_STATUS_FLUSH_INTERVAL_SECONDS"] = 3600

    FlaskStatus(app)
    return app


def timed(call: Callable[[], object], count: int) -> list[float]:
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def measure(name: str, database_uri: str) -> float:
    """Seed, time both endpoints, print a line; returns the summary median (ms)."""
    app = build_app(database_uri)
    started = time.perf_counter()
    seed_history(app, routes=ROUTES, days=DAYS)
    seeded = time.perf_counter() - started
    client = app.test_client()
    bare = hello_app("bare").test_client()

    def summary() -> None:
        response = client.get("/status/api/summary")
        assert response.status_code == 200, response.data[:200]
        assert len(response.get_json()["components"]) == ROUTES  # one per seeded route

    def trivial() -> None:
        assert bare.get(HELLO).status_code == 200

    summary()  # warm caches and the connection pool
    summary_ms = timed(summary, SUMMARY_CALLS)
    trivial_ms = timed(trivial, TRIVIAL_CALLS)
    size = len(client.get("/status/api/summary").data)
    zipped = client.get("/status/api/summary", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    gzipped = len(zipped.data)
    median = statistics.median(summary_ms)
    p95 = statistics.quantiles(summary_ms, n=20)[-1]
    trivial_median = statistics.median(trivial_ms)
    print(
        f"{name:<10} seed {seeded:5.1f} s | summary ({size / 1024:.0f} KiB,"
        f" {gzipped / 1024:.0f} KiB gzipped, ratio gzipped/plain {gzipped / size:.3f})"
        f" median {median:7.2f} ms, p95 {p95:7.2f} ms"
        f" | bare app's /hello median {trivial_median:.3f} ms"
        f" | ratio summary/bare route {median / trivial_median:.1f}"
    )
    state = get_state(app)
    state.flusher.stop(flush=False)
    state.engine.dispose()
    return median


def main() -> None:
    logging.getLogger("flask_server_status").setLevel(logging.ERROR)
    print(f"summary API, {ROUTES} routes x {DAYS} days, {SUMMARY_CALLS} calls per database")
    with tempfile.TemporaryDirectory() as folder:
        sqlite = measure("SQLite", f"sqlite:///{Path(folder) / 'status.db'}")
    server = find_or_start()
    try:
        if server.url is None:
            print(f"PostgreSQL skipped: {server.how}")
            return
        schema = PostgresSchema(server.url)
        try:
            postgres = measure("PostgreSQL", schema.url)
        finally:
            schema.drop()
    finally:
        server.close()
    print(f"ratio PostgreSQL/SQLite summary median: {postgres / sqlite:.2f}")


if __name__ == "__main__":
    main()
