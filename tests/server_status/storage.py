"""Reading what flask-server-status stored, for assertions."""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa

from flask_server_status.aggregate import Packed, pack
from flask_server_status.latency import slot_of
from flask_server_status.models import BUCKET_TABLES, COUNTER_COLUMNS, LATENCY_TABLES, routes

OUTCOMES = ("requests", "successes", "failures", "client_errors")


def stored_totals(engine: sa.Engine, granularity: str = "minute") -> dict[str, Counter[str]]:
    """``{rule: Counter(requests=..., successes=..., ...)}`` summed over all buckets."""
    table = BUCKET_TABLES[granularity]
    query = sa.select(routes.c.rule, *(sa.func.sum(table.c[name]) for name in COUNTER_COLUMNS))
    query = query.join(routes, routes.c.id == table.c.route_id).group_by(routes.c.rule)
    with engine.connect() as connection:
        return {
            row[0]: Counter(
                {name: int(value) for name, value in zip(COUNTER_COLUMNS, row[1:], strict=True)}
            )
            for row in connection.execute(query)
        }


def stored_histograms(engine: sa.Engine, granularity: str = "minute") -> dict[str, dict[int, int]]:
    """``{rule: {bucket index: requests}}`` of the latency rows, summed over all buckets."""
    table = LATENCY_TABLES[granularity]
    query = (
        sa.select(routes.c.rule, table.c.bucket_index, sa.func.sum(table.c.requests))
        .join(routes, routes.c.id == table.c.route_id)
        .group_by(routes.c.rule, table.c.bucket_index)
    )
    histograms: dict[str, dict[int, int]] = {}
    with engine.connect() as connection:
        for rule, index, requests in connection.execute(query):
            histograms.setdefault(rule, {})[index] = int(requests)
    return histograms


def outcome_totals(engine: sa.Engine, granularity: str = "minute") -> dict[str, dict[str, int]]:
    """Only the outcome counters of :func:`stored_totals`, with zeros left out."""
    return {
        rule: {name: counts[name] for name in OUTCOMES if counts[name]}
        for rule, counts in stored_totals(engine, granularity).items()
    }


def stored_requests(engine: sa.Engine) -> int:
    """All requests stored so far; 0 while the tables are still being created."""
    try:
        return sum(counts["requests"] for counts in stored_totals(engine).values())
    except sa.exc.DBAPIError:
        return 0


def bucket_counters(requests: int, failures: int = 0, latency_ms: float = 1.0) -> Packed:
    """One bucket's counts as a flush batch holds them, for :func:`store.add_counts`:
    ``requests`` of which ``failures`` failed, every one answered in ``latency_ms``."""
    values = dict.fromkeys(COUNTER_COLUMNS, 0.0)
    values.update(
        requests=requests,
        successes=requests - failures,
        failures=failures,
        latency_sum_ms=requests * latency_ms,
    )
    return pack([values[name] for name in COUNTER_COLUMNS], {slot_of(latency_ms): requests})


def failed_counts(requests: int) -> Packed:
    """Counts of ``requests`` requests that all failed."""
    return bucket_counters(requests, requests)
