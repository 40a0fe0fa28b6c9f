"""An outage's readers: 1, then 200 concurrent readers polling the summary of one app.

gunicorn serves the app (4 gthread workers of 4 threads) on PostgreSQL (found
or started as the suite does, tests/support/postgres.py), in a database of
its own so that nothing else is counted, seeded with 50 routes x 90 days.
Readers are threads of this process, each polling ``GET /status/api/summary``
with ``Accept-Encoding: gzip`` back to back for a fixed time. PostgreSQL's own transaction counter
(``pg_stat_database``) tells how often the database was asked, whatever the
number of readers; the flushes of the four workers are part of it.

    python benchmarks/page_stampede.py [--seconds 15]

Prints, for 1 and for 200 readers with the summary kept by each process
(``SERVER_STATUS_PAGE_CACHE_SECONDS``, default 10 s) and for 200 readers with
it built for every request (``0``): requests served, database transactions
per minute, the readers' p95, and the gzipped bytes of one answer; then the
ratio of transactions per minute at 200 readers to 1 reader (goal: about 1).
The readers share this process's two cores with the server, so the p95 is
the whole machine's, not the server's alone.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import requests
import sqlalchemy as sa
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402

from flask_server_status import FlaskStatus, get_state  # noqa: E402
from tests.support.gunicorn import GunicornProcess  # noqa: E402
from tests.support.postgres import find_or_start  # noqa: E402
from tests.support.status_seed import seed_history  # noqa: E402

ROUTES = 50
DAYS = 90
WORKERS = 4
THREADS = 4
MANY = 200
DATABASE_ENV = "STAMPEDE_DATABASE_URI"
CACHE_ENV = "STAMPEDE_CACHE_SECONDS"


class OwnDatabase:
    """A database created for this run (its statistics count this run alone), dropped after."""

    def __init__(self, base_url: str) -> None:
        self.name = f"stampede_{uuid.uuid4().hex[:12]}"
        self._admin = sa.create_engine(base_url, isolation_level="AUTOCOMMIT")
        with self._admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{self.name}"'))
        self.url = make_url(base_url).set(database=self.name).render_as_string(hide_password=False)

    def drop(self) -> None:
        with self._admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self._admin.dispose()


def create_app() -> Flask:
    """The app gunicorn serves: flask-server-status on the seeded database."""
    app = Flask("stampede")
    app.config["SERVER_STATUS_DATABASE_URI"] = os.environ[DATABASE_ENV]
    app.config["SERVER_STATUS_PAGE_CACHE_SECONDS"] = float(os.environ.get(CACHE_ENV, "10"))

    @app.get("/hello")
    def hello() -> str:
        return "hello"

    FlaskStatus(app)
    return app


@dataclass
class Run:
    readers: int
    requests: int
    failed: int
    transactions_per_minute: float
    p95_ms: float
    gzipped_bytes: int


def transactions(engine: sa.Engine) -> int:
    query = sa.text(
        "SELECT xact_commit + xact_rollback FROM pg_stat_database"
        " WHERE datname = current_database()"
    )
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def poll(url: str, readers: int, seconds: float, engine: sa.Engine) -> Run:
    """``readers`` threads polling ``url`` for ``seconds``, and the transactions meanwhile."""
    samples: list[float] = []
    sizes: list[int] = []
    failed: list[str] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def reader() -> None:
        with requests.Session() as session:
            while time.monotonic() < stop:
                started = time.perf_counter()
                try:
                    response = session.get(url, headers={"Accept-Encoding": "gzip"}, timeout=120)
                    response.raise_for_status()
                except requests.RequestException as error:
                    with lock:
                        failed.append(str(error))
                    continue
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    samples.append(elapsed)
                    sizes.append(int(response.headers["Content-Length"]))

    time.sleep(0.5)  # let PostgreSQL's statistics collector catch up with earlier work
    before, started = transactions(engine), time.monotonic()
    threads = [threading.Thread(target=reader) for _ in range(readers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    time.sleep(0.5)
    minutes = (time.monotonic() - started) / 60
    counted = transactions(engine) - before - 1  # not this query's own
    p95 = statistics.quantiles(samples, n=20)[-1] if len(samples) > 1 else samples[0]
    size = int(statistics.median(sizes))
    return Run(readers, len(samples), len(failed), counted / minutes, p95, size)


def serve(database_url: str, cache_seconds: float, workdir: Path) -> GunicornProcess:
    env = {DATABASE_ENV: database_url, CACHE_ENV: str(cache_seconds)}
    return GunicornProcess(
        "benchmarks.page_stampede:create_app()",
        workdir,
        workers=WORKERS,
        worker_class="gthread",
        threads=THREADS,
        env=env,
        ready_path="/hello",
    ).start()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=15.0)
    seconds = parser.parse_args().seconds
    logging.getLogger("flask_server_status").setLevel(logging.ERROR)
    server = find_or_start()
    if server.url is None:
        print(f"page stampede skipped: PostgreSQL not available ({server.how})")
        return
    database = OwnDatabase(server.url)
    try:
        os.environ[DATABASE_ENV] = database.url
        seeding = create_app()
        seed_history(seeding, routes=ROUTES, days=DAYS)
        get_state(seeding).engine.dispose()
        engine = sa.create_engine(database.url)
        runs: list[tuple[str, Run]] = []
        with tempfile.TemporaryDirectory() as folder:
            for label, cache, readers in (
                ("kept 10 s", 10.0, 1),
                ("kept 10 s", 10.0, MANY),
                ("built per request", 0.0, MANY),
            ):
                gunicorn = serve(database.url, cache, Path(folder))
                try:
                    url = f"{gunicorn.base_url}/status/api/summary"
                    requests.get(url, timeout=60).raise_for_status()  # every worker warm
                    runs.append((label, poll(url, readers, seconds, engine)))
                finally:
                    gunicorn.stop()
        engine.dispose()
    finally:
        database.drop()
        server.close()

    print(f"page stampede: {ROUTES} routes x {DAYS} days, gunicorn {WORKERS}x{THREADS} gthread")
    for label, run in runs:
        print(
            f"summary {label:<17} {run.readers:>3} readers: {run.requests:>5} answers"
            f" ({run.failed} failed),"
            f" {run.transactions_per_minute:7.1f} database transactions/min,"
            f" p95 {run.p95_ms:7.1f} ms, {run.gzipped_bytes / 1024:.1f} KiB gzipped per answer"
        )
    one, many = runs[0][1], runs[1][1]
    print(
        f"ratio transactions/min {MANY} readers / 1 reader (kept) ="
        f" {many.transactions_per_minute / one.transactions_per_minute:.2f} (goal: about 1)"
    )
    print(f"ratio gzipped bytes per answer / 30 KiB = {one.gzipped_bytes / 30720:.2f} (goal <= 1)")


if __name__ == "__main__":
    main()
