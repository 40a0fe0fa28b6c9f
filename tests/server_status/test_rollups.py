"""The additive upsert, hourly and daily rollups, and retention with synthetic time."""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from flask_server_status.aggregate import COUNTER_COUNT, HISTOGRAM_START, pack_counters
from flask_server_status.clock import bucket_start, minute_of, minute_start
from flask_server_status.config import read_settings
from flask_server_status.latency import MIN_INDEX
from flask_server_status.models import BUCKET_TABLES, COUNTER_COLUMNS, LATENCY_TABLES
from flask_server_status.routes import RouteInfo, sync_routes
from flask_server_status.store import add_counts, apply_retention, retention_bounds
from tests.server_status.processes import run_together

START = datetime(2026, 1, 1)
#: The aggregate's counter list: the bucket counters, then the histogram slots.
WIDTH = COUNTER_COUNT


def make_routes(engine: sa.Engine, *rules: str) -> list[int]:
    infos = {rule: RouteInfo(rule, rule, "") for rule in rules}
    with engine.begin() as connection:
        live = sync_routes(connection, infos, START)
    return [live[rule].id for rule in rules]


def counters(requests: int, failures: int = 0) -> list[float]:
    values = [0.0] * WIDTH
    values[0] = requests
    values[1] = requests - failures
    values[2] = failures
    values[4] = 1.5 * requests
    # Three histogram slots far apart, so buckets merge histograms of several slots.
    values[HISTOGRAM_START + (requests % 3) * 60] = requests
    return values


def rows(engine: sa.Engine, granularity: str) -> dict[tuple[int, datetime], tuple[float, ...]]:
    """Stored buckets as counter lists like the aggregate's (histogram slots included)."""
    table = BUCKET_TABLES[granularity]
    latency = LATENCY_TABLES[granularity]
    query = sa.select(
        table.c.route_id, table.c.bucket_start, *(table.c[c] for c in COUNTER_COLUMNS)
    )
    stored: dict[tuple[int, datetime], list[float]] = {}
    with engine.connect() as connection:
        for row in connection.execute(query):
            stored[(row[0], row[1])] = [*row[2:], *[0] * (WIDTH - HISTOGRAM_START)]
        histogram = sa.select(
            latency.c.route_id, latency.c.bucket_start, latency.c.bucket_index, latency.c.requests
        )
        for route_id, start, index, requests in connection.execute(histogram):
            stored[(route_id, start)][HISTOGRAM_START + index - MIN_INDEX] = requests
    return {key: tuple(values) for key, values in stored.items()}


def test_hours_and_days_are_exact_sums_of_minutes(engine: sa.Engine) -> None:
    route_ids = make_routes(engine, "/a", "/b")
    generator = random.Random(4)
    expected: dict[str, dict[tuple[int, datetime], Counter[int]]] = {g: {} for g in BUCKET_TABLES}
    for _flush in range(20):  # twenty flushes, each touching random minutes of three days
        batch: dict[tuple[int, int], list[float]] = {}
        for _ in range(30):
            route_id = generator.choice(route_ids)
            moment = START + timedelta(minutes=generator.randrange(3 * 24 * 60))
            requests = generator.randint(1, 50)
            values = counters(requests, generator.randint(0, requests))
            key = (route_id, minute_of(moment))
            held = batch.setdefault(key, [0.0] * WIDTH)
            for index, value in enumerate(values):
                held[index] += value
            for granularity in BUCKET_TABLES:
                bucket = (route_id, bucket_start(moment, granularity))
                total = expected[granularity].setdefault(bucket, Counter())
                for index, value in enumerate(values):
                    total[index] += int(value * 2)  # doubled: latency sum is x.5
        with engine.begin() as connection:
            add_counts(connection, {key: pack_counters(values) for key, values in batch.items()})
    for granularity, buckets in expected.items():
        stored = rows(engine, granularity)
        assert set(stored) == set(buckets)
        for key, total in buckets.items():
            assert [int(v * 2) for v in stored[key]] == [total[i] for i in range(WIDTH)]


def test_processes_adding_to_the_same_buckets_lose_nothing(
    engine: sa.Engine, database_url: str, tmp_path: Path
) -> None:
    (route_id,) = make_routes(engine, "/shared")
    minute = minute_of(START)
    run_together(
        f"""
        for _ in range(25):
            values = pack_counters([1.0, 1.0, 0.0, 0.0, 2.0, 1.0])  # one request, at slot 0
            batch = {{({route_id}, {minute}): values, ({route_id}, {minute + 90}): values}}
            with engine.begin() as connection:
                add_counts(connection, batch)
        """,
        4,
        tmp_path,
        prepare=f"""
        from flask_server_status.engine import create_engine
        from flask_server_status.aggregate import pack_counters
        from flask_server_status.store import add_counts
        engine = create_engine({database_url!r}, key="test")
        """,
    )
    for granularity in BUCKET_TABLES:
        total = sum(values[0] for values in rows(engine, granularity).values())
        assert total == 4 * 25 * 2, granularity
    assert rows(engine, "minute")[(route_id, minute_start(minute))][:5] == (100, 100, 0, 0, 200)


def test_retention_keeps_rows_per_route_bounded(engine: sa.Engine) -> None:
    settings = read_settings(
        {
            "SERVER_STATUS_RETENTION_MINUTE_HOURS": 25,
            "SERVER_STATUS_RETENTION_HOUR_DAYS": 8,
            "SERVER_STATUS_RETENTION_DAY_DAYS": 90,
        },
        import_name="test",
    )
    bounds = retention_bounds(settings)
    assert bounds == {"minute": 25 * 60 + 1, "hour": 8 * 24 + 1, "day": 91}
    route_ids = make_routes(engine, "/kept", "/also-kept")
    now = START
    for _day in range(100):  # a hundred days, a flush every 10 minutes, pruned as it goes
        batch = {
            (route_id, minute_of(now + timedelta(minutes=m))): pack_counters(counters(1))
            for route_id in route_ids
            for m in range(0, 24 * 60, 10)
        }
        with engine.begin() as connection:
            add_counts(connection, batch)
            now += timedelta(days=1)
            apply_retention(connection, now, settings)
        for granularity in BUCKET_TABLES:
            per_route = Counter(route_id for route_id, _ in rows(engine, granularity))
            assert all(count <= bounds[granularity] for count in per_route.values())
    # After 100 days: exactly the retained windows are left.
    minute_rows = rows(engine, "minute")
    assert len(minute_rows) == 2 * 25 * 6  # one row per 10 minutes, 25 hours, two routes
    assert min(start for _, start in minute_rows) >= now - timedelta(hours=25)
    assert len(rows(engine, "hour")) == 2 * 8 * 24
    assert len(rows(engine, "day")) == 2 * 90
    # Latency rows are pruned with their buckets: one per bucket here (one slot each).
    with engine.connect() as connection:
        for granularity, table in LATENCY_TABLES.items():
            count = connection.execute(sa.select(sa.func.count()).select_from(table)).scalar()
            assert count == len(rows(engine, granularity)), granularity
