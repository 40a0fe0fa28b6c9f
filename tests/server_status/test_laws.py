"""The laws the status package states, checked on arbitrary inputs (Hypothesis).

- a percentile read from the latency histogram is within 4 % of the exact
  nearest-rank value, for any latencies from 0.1 ms to 60 s;
- uptime is truncated to 4 decimals, never rounded up: one failure in any
  number of requests never shows 100 %;
- a zone's days cover every instant exactly once, across daylight saving
  changes, skipped days and offsets of 30 and 45 minutes;
- heartbeat coverage splits at the zone's midnight to the minute;
- hourly and daily rows are exact sums of their minutes, for any traffic in
  any zone (written by the real upsert, on SQLite and PostgreSQL);
- a window's failures are beyond chance exactly when the Poisson tail says so.

Example counts are bounded so the suite stays quick; the database law makes
fewer examples than the pure ones.
"""

from __future__ import annotations

import math
import zoneinfo
from collections import Counter
from datetime import date, datetime, time, timedelta
from fractions import Fraction

import sqlalchemy as sa
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from flask_server_status.aggregate import Packed, add_packed
from flask_server_status.clock import EPOCH, bucket_start, day_bounds, day_label, local_date
from flask_server_status.instances import hour_masks
from flask_server_status.latency import MAX_MS, MIN_MS, RELATIVE_ACCURACY, index_of, percentile
from flask_server_status.models import BUCKET_TABLES, COUNTER_COLUMNS, LATENCY_TABLES
from flask_server_status.reports.coverage import covered_minutes, covered_minutes_by_day
from flask_server_status.reports.judgement import WindowCounts, beyond_chance
from flask_server_status.reports.judgement.rules import SIGNIFICANCE
from flask_server_status.reports.statistics import uptime_percent
from flask_server_status.routes import RouteInfo, sync_routes
from flask_server_status.store import add_counts
from tests.server_status.exact import nearest_rank
from tests.server_status.storage import bucket_counters

# Percentiles ------------------------------------------------------------------

#: Latencies spread over the whole measured range, on a log scale as real ones are.
LATENCY = st.floats(math.log(MIN_MS), math.log(MAX_MS)).map(math.exp) | st.floats(MIN_MS, MAX_MS)


@settings(max_examples=300)
@given(st.lists(LATENCY, min_size=1, max_size=300), st.integers(1, 99))
def test_a_percentile_is_within_4_percent_of_the_exact_nearest_rank_value(
    latencies: list[float], percent: int
) -> None:
    reported = percentile(Counter(index_of(ms) for ms in latencies), percent)
    exact = nearest_rank(latencies, percent)
    assert reported is not None
    # Exactly the promised bound; a latency on a bucket's edge may add float rounding.
    assert abs(reported - exact) <= RELATIVE_ACCURACY * exact * (1 + 1e-12)


# Uptime -----------------------------------------------------------------------


@settings(max_examples=300)
@given(st.integers(1, 10**12).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n))))
def test_uptime_is_truncated_to_4_decimals_never_rounded_up(counts: tuple[int, int]) -> None:
    requests, failures = counts
    shown = uptime_percent(requests, failures)
    assert shown is not None
    exact = Fraction(requests - failures, requests) * 100
    assert Fraction(str(shown)) <= exact < Fraction(str(shown)) + Fraction(1, 10_000)
    assert (shown == 100.0) is (failures == 0)


# Days of a zone ---------------------------------------------------------------

#: Zones with daylight saving time (some at midnight, one by 30 minutes), offsets of
#: 30 and 45 minutes, both sides of UTC, and Samoa, which skipped 30 December 2011.
ZONES = [
    "UTC",
    "America/New_York",
    "America/Santiago",
    "America/Havana",
    "Europe/London",
    "Asia/Tokyo",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "Pacific/Apia",
    "Pacific/Kiritimati",
]
YEARS = range(2010, 2031)


def _offset_changes(zone_name: str) -> list[date]:
    """The days a zone's UTC offset changes on, over :data:`YEARS` (zoneinfo's own data)."""
    zone = zoneinfo.ZoneInfo(zone_name)
    changes = []
    day = date(YEARS.start, 1, 1)
    previous = datetime.combine(day, time(), tzinfo=zone).utcoffset()
    while day.year < YEARS.stop:
        day += timedelta(days=1)
        offset = datetime.combine(day, time(12), tzinfo=zone).utcoffset()
        if offset != previous:
            changes.append(day)
        previous = offset
    return changes


#: ``(zone, day)``: most of them days whose length is not 24 hours.
ZONE_DAY = st.one_of(
    st.sampled_from([(zone, day) for zone in ZONES for day in _offset_changes(zone)]),
    st.tuples(
        st.sampled_from(ZONES), st.dates(date(YEARS.start, 1, 2), date(YEARS.stop - 1, 12, 30))
    ),
)


@settings(max_examples=300)
@given(ZONE_DAY, st.integers(-36 * 3600, 60 * 3600))
def test_the_days_of_a_zone_cover_every_instant_exactly_once(
    zone_day: tuple[str, date], seconds: int
) -> None:
    zone_name, day = zone_day
    zone = zoneinfo.ZoneInfo(zone_name)
    start, end = day_bounds(day, zone)
    assert day_bounds(day - timedelta(days=1), zone)[1] == start  # no gap, no overlap
    assert day_bounds(day + timedelta(days=1), zone)[0] == end
    assert timedelta(0) <= end - start <= timedelta(hours=26)
    moment = start + timedelta(seconds=seconds)  # any instant around the day
    assert (start <= moment < end) is (local_date(moment, zone) == day)
    if start <= moment < end:
        assert bucket_start(moment, "day", zone) == day_label(day)


@settings(max_examples=200)
@given(ZONE_DAY, st.sets(st.integers(-24 * 60, 48 * 60), max_size=200))
def test_coverage_splits_at_the_zones_midnight_to_the_minute(
    zone_day: tuple[str, date], offsets: set[int]
) -> None:
    zone_name, day = zone_day
    zone = zoneinfo.ZoneInfo(zone_name)
    first = int((day_bounds(day, zone)[0] - EPOCH).total_seconds()) // 60
    minutes = {first + offset for offset in offsets}
    masks = hour_masks(minutes)
    by_day = covered_minutes_by_day(masks, zone)
    expected = Counter(local_date(EPOCH + timedelta(minutes=m), zone) for m in minutes)
    assert {d: n for d, n in by_day.items() if n} == dict(expected)
    start, end = day_bounds(day, zone)
    assert covered_minutes(masks, start, end) == expected[day]


# Rollups ----------------------------------------------------------------------


#: ``(route, minute offset, requests, failures, latency ms)`` of one flushed minute.
TRAFFIC = st.tuples(
    st.integers(0, 1),
    st.integers(-36 * 60, 60 * 60),
    st.integers(1, 40),
    st.integers(0, 40),
    # Whole milliseconds: their float sums are exact in any order of addition.
    st.sampled_from([1.0, 3.0, 45.0, 900.0, 30_000.0]),
)


@settings(
    max_examples=15,
    # The example's tables are emptied first: the engine may be shared.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ZONE_DAY, st.lists(st.lists(TRAFFIC, min_size=1, max_size=12), min_size=1, max_size=3))
def test_hours_and_days_are_exact_sums_of_their_minutes_in_any_zone(
    engine: sa.Engine,
    zone_day: tuple[str, date],
    flushes: list[list[tuple[int, int, int, int, float]]],
) -> None:
    zone_name, day = zone_day
    zone = zoneinfo.ZoneInfo(zone_name)
    first = int((day_bounds(day, zone)[0] - EPOCH).total_seconds()) // 60
    with engine.begin() as connection:
        for table in (*BUCKET_TABLES.values(), *LATENCY_TABLES.values()):
            connection.execute(sa.delete(table))
        live = sync_routes(connection, {r: RouteInfo(r, r, "") for r in ("/a", "/b")}, EPOCH)
    route_ids = [live["/a"].id, live["/b"].id]
    for flush in flushes:  # each flush in its own transaction, as the flush thread writes
        counts: dict[tuple[int, int], Packed] = {}
        for route, offset, requests, failures, latency_ms in flush:
            key = (route_ids[route], first + offset)
            values = bucket_counters(requests, min(failures, requests), latency_ms)
            counts[key] = add_packed(counts[key], values) if key in counts else values
        with engine.begin() as connection:
            add_counts(connection, counts, zone)
    with engine.connect() as connection:
        minutes = _stored(connection, "minute")
        for granularity in ("hour", "day"):
            expected: dict[tuple[object, ...], Counter[str]] = {}
            for (route_id, start, *rest), values in minutes.items():
                bucket = (route_id, bucket_start(start, granularity, zone), *rest)
                expected.setdefault(bucket, Counter()).update(values)
            assert _stored(connection, granularity) == expected, granularity


def _stored(connection: sa.Connection, granularity: str) -> dict[tuple[object, ...], Counter[str]]:
    """Every stored bucket's counters, and every latency row as its own bucket
    ``(route, start, bucket index)``."""
    table, latency = BUCKET_TABLES[granularity], LATENCY_TABLES[granularity]
    found: dict[tuple[object, ...], Counter[str]] = {}
    for route_id, start, *values in connection.execute(
        sa.select(table.c.route_id, table.c.bucket_start, *(table.c[c] for c in COUNTER_COLUMNS))
    ):
        found[(route_id, start)] = Counter(dict(zip(COUNTER_COLUMNS, values, strict=True)))
    for route_id, start, index, requests in connection.execute(
        sa.select(
            latency.c.route_id, latency.c.bucket_start, latency.c.bucket_index, latency.c.requests
        )
    ):
        found[(route_id, start, index)] = Counter(requests=requests)
    return found


# Beyond chance ----------------------------------------------------------------


def _poisson_tail(failures: int, mean: float) -> float:
    """P(X >= failures) for a Poisson law of ``mean``, summed in log space."""
    return 1 - math.fsum(
        math.exp(k * math.log(mean) - mean - math.lgamma(k + 1)) for k in range(failures)
    )


@settings(max_examples=300)
@given(st.integers(1, 49_000), st.integers(0, 400), st.sampled_from([0.001, 0.006, 0.0144]))
def test_failures_are_beyond_chance_exactly_when_the_poisson_tail_is_below_1_percent(
    requests: int, failures: int, rate: float
) -> None:
    mean = requests * rate
    assume(mean < 50)  # above, the normal approximation decides (checked below)
    tail = _poisson_tail(failures, mean) if failures > mean else 1.0
    assume(abs(tail - SIGNIFICANCE) > 1e-9)  # no coin toss on float rounding
    assert beyond_chance(WindowCounts(requests, failures), rate) is (tail < SIGNIFICANCE)


@settings(max_examples=200)
@given(st.integers(1, 10**7), st.integers(0, 10**5), st.sampled_from([0.001, 0.006, 0.0144]))
def test_more_failures_in_as_many_requests_are_never_less_beyond_chance(
    requests: int, failures: int, rate: float
) -> None:
    failures = min(failures, requests - 1)
    if beyond_chance(WindowCounts(requests, failures), rate):
        assert beyond_chance(WindowCounts(requests, failures + 1), rate)
        # ... and the same failures among fewer requests are, too.
        assert beyond_chance(WindowCounts(max(failures, requests - 1), failures), rate)
