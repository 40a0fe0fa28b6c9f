"""What heartbeats and the crash spool cost one flush.

A flush of one batch covering ``ROUTES`` routes in one minute is timed as the
flusher writes it (spool file, heartbeat, ledger row, counts), against the
same counts in the same transaction without heartbeat and spool (the ledger
row, one ``INSERT ... RETURNING``, is part of both). Best of ``ROUNDS``
rounds each, alternating.

    python benchmarks/flush_cost.py [postgresql://postgres@127.0.0.1:5432/test]

Prints milliseconds per flush for both and ``ratio`` = full / baseline, and
the spool file's write time alone.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from flask import Flask

from flask_server_status import FlaskStatus, get_state
from flask_server_status.aggregate import SUCCESSES, Aggregate
from flask_server_status.batches import Batch
from flask_server_status.clock import minute_of, utcnow
from flask_server_status.spool import Spool
from flask_server_status.store import Heartbeat, write_flush

ROUTES = 50
ROUNDS = 30


def main() -> None:
    folder = Path(tempfile.mkdtemp())
    uri = sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{folder / 'bench.db'}"
    app = Flask("bench")
    app.config["SERVER_STATUS_DATABASE_URI"] = uri
    for index in range(ROUTES):
        app.add_url_rule(f"/r{index}", f"r{index}", lambda: "")
    FlaskStatus(app)
    state = get_state(app)
    instance = state.flusher.instance
    spool = Spool(folder / "spool", instance.id)
    routes = state.app_routes()

    def batch() -> Batch:
        aggregate = Aggregate()
        minute = minute_of(utcnow())
        for index in range(ROUTES):
            for _ in range(20):
                aggregate.add(f"/r{index}", minute, SUCCESSES, 3.0)
        buckets, errors = aggregate.drain()
        return Batch.new(utcnow(), buckets, errors)

    def full() -> float:
        batches = [batch()]
        now = utcnow()
        start = time.perf_counter()
        spool.save(batches)
        write_flush(
            state.engine,
            batches,
            routes,
            now,
            state.settings,
            heartbeat=Heartbeat(instance, range(minute_of(now), minute_of(now) + 1)),
            prune=False,
        )
        spool.clear()
        return time.perf_counter() - start

    def baseline() -> float:
        batches = [batch()]
        now = utcnow()
        start = time.perf_counter()
        write_flush(state.engine, batches, routes, now, state.settings, heartbeat=None, prune=False)
        return time.perf_counter() - start

    def spool_only() -> float:
        batches = [batch()]
        start = time.perf_counter()
        spool.save(batches)
        spool.clear()
        return time.perf_counter() - start

    full(), baseline()  # schema, route rows, warm caches
    best_full = best_base = best_spool = float("inf")
    for _ in range(ROUNDS):
        best_full = min(best_full, full())
        best_base = min(best_base, baseline())
        best_spool = min(best_spool, spool_only())
    print(f"database: {state.engine.dialect.name}, {ROUTES} routes per flush")
    print(f"full flush (heartbeat + ledger + spool): {best_full * 1000:.2f} ms")
    print(f"counts only (ledger row, no heartbeat, no spool): {best_base * 1000:.2f} ms")
    print(f"spool write + remove alone: {best_spool * 1000:.3f} ms")
    print(f"ratio: {best_full / best_base:.2f}")
    state.engine.dispose()


if __name__ == "__main__":
    main()
