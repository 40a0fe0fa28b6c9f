"""Traffic statistics: time windows, summed counters, uptime and latency percentiles.

Windows (``now`` truncated to the minute; days are calendar days of the
page's zone, ``SERVER_STATUS_TIMEZONE``, as the daily buckets are keyed):

- ``24h``: exactly the last 24 hours to the minute: minute buckets for the
  partial first hour, hourly buckets for the rest. Latency percentiles and
  ``requests_24h`` use this window too.
- ``7d``: the current UTC hour and the 167 before it (hourly buckets).
- ``30d`` and ``90d``: today and the 29 or 89 days before it (daily buckets).
- Daily history: one entry per day, ``days`` entries ending today.

Uptime is ``(requests - failures) / requests * 100``; client errors are answered
requests, not failures. A window without requests has ``None`` uptime.
Latency percentiles (p50, p95, p99) are nearest-rank percentiles read from the
geometric histogram (:func:`~..latency.percentile`), within
``latency.RELATIVE_ACCURACY`` of the exact ones: for the 24h window summed
in SQL per histogram bucket, for each history day picked in SQL with a
running sum (a window function), so no answer reads every histogram row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .. import models
from ..clock import bucket_start, day_bounds, isodate
from ..latency import PERCENTILES, percentile, rank_reached, representative
from .status_rules import day_state

WINDOWS: tuple[str, ...] = ("24h", "7d", "30d", "90d")
#: The longest daily history an answer carries (``days`` query parameter).
MAX_HISTORY_DAYS = 90

MINUTE = timedelta(minutes=1)


def uptime_percent(requests: int, failures: int) -> float | None:
    """Uptime in percent, truncated (never rounded up) to 4 decimals."""
    if requests <= 0:
        return None
    # Integer arithmetic: 999 of 1000 is exactly 99.9, not 99.8999.
    return (requests - failures) * 1_000_000 // requests / 10_000


def round_ms(value: float | None) -> float | None:
    """Milliseconds to 4 significant digits (0.2012, 34.42, 6018.0): far below the 4 % error."""
    return None if value is None else float(f"{value:.4g}")


@dataclass
class Counts:
    """Summed counters of some buckets, and their histogram ``{bucket index: requests}``."""

    requests: int = 0
    failures: int = 0
    client_errors: int = 0
    histogram: dict[int, int] = field(default_factory=dict)

    @classmethod
    def from_values(cls, values: Sequence[Any]) -> Counts:
        """From ``(requests, failures, client_errors)`` integer columns."""
        return cls(values[0], values[1], values[2])

    @classmethod
    def from_sums(cls, values: Sequence[Any]) -> Counts:
        """Like :meth:`from_values` for SUM()s, which PostgreSQL answers as Decimal."""
        return cls.from_values([int(value or 0) for value in values])

    def add(self, other: Counts) -> None:
        """Add ``other``'s counters and histogram to these."""
        self.requests += other.requests
        self.failures += other.failures
        self.client_errors += other.client_errors
        for index, requests in other.histogram.items():
            self.histogram[index] = self.histogram.get(index, 0) + requests

    @property
    def uptime(self) -> float | None:
        return uptime_percent(self.requests, self.failures)

    def latency_ms(self) -> dict[str, float | None]:
        """``{"p50": ms, "p95": ms, "p99": ms}`` of the histogram, rounded; ``None`` when empty."""
        return {
            name: round_ms(percentile(self.histogram, percent))
            for name, percent in PERCENTILES.items()
        }


@dataclass
class RouteStats:
    """Everything the API reports about one route's traffic."""

    windows: dict[str, Counts] = field(default_factory=lambda: {w: Counts() for w in WINDOWS})
    days: dict[date, Counts] = field(default_factory=dict)
    #: Latency percentiles per history day: ``{day: {percent: ms}}``.
    day_latency: dict[date, dict[int, float]] = field(default_factory=dict)


@dataclass(frozen=True)
class Window:
    """The bucket boundaries of every window for one ``now``, days in ``zone``."""

    now: datetime
    zone: tzinfo = UTC

    @property
    def minute(self) -> datetime:
        return bucket_start(self.now, "minute")

    @property
    def hour(self) -> datetime:
        return bucket_start(self.now, "hour")

    @property
    def today(self) -> datetime:
        """Today's day bucket (the zone's date at midnight, see ``clock.day_label``)."""
        return bucket_start(self.now, "day", self.zone)

    @property
    def day_start_24h(self) -> datetime:
        """First minute of the 24h window."""
        return self.minute - timedelta(minutes=24 * 60 - 1)

    @property
    def first_full_hour_24h(self) -> datetime:
        """First hourly bucket entirely inside the 24h window."""
        start = self.day_start_24h
        floor = start.replace(minute=0)
        return floor if floor == start else floor + timedelta(hours=1)

    @property
    def start_7d(self) -> datetime:
        return self.hour - timedelta(hours=7 * 24 - 1)

    def start_days(self, days: int) -> datetime:
        """The day bucket ``days - 1`` days before today."""
        return self.today - timedelta(days=days - 1)


def _sum_columns(table: sa.Table) -> list[sa.ColumnElement[Any]]:
    names = ("requests", "failures", "client_errors")
    return [sa.func.sum(table.c[name]).label(name) for name in names]


#: Route id -> the key its counts are summed under (a component's index).
Owners = Mapping[int, int]


def _owner(table: sa.Table, owners: Owners | None) -> sa.ColumnElement[int]:
    """The key a row of ``table`` is summed under: its route, or its route's owner."""
    if owners is None:
        return table.c.route_id
    return sa.case(dict(owners), value=table.c.route_id)


def load_stats(
    conn: Connection,
    route_ids: Iterable[int],
    window: Window,
    *,
    history_days: int,
    owners: Owners | None = None,
) -> dict[int, RouteStats]:
    """Window totals, daily counts and latency of ``route_ids``: six queries for any number.

    Keyed by route id; with ``owners`` (every route id mapped to a key), the
    routes of one key are summed in SQL and the answer is keyed by owner: a
    component's counts add, its percentiles come from its summed histograms.
    """
    ids = sorted(set(route_ids))
    keys = sorted(set(ids if owners is None else (owners[route_id] for route_id in ids)))
    stats: dict[int, RouteStats] = {key: RouteStats() for key in keys}
    if not ids:
        return stats
    minute, hourly, daily = models.minute_buckets, models.hourly_buckets, models.daily_buckets

    def grouped(table: sa.Table, start: datetime, end: datetime | None) -> sa.Select[Any]:
        conditions = [table.c.route_id.in_(ids), table.c.bucket_start >= start]
        if end is not None:
            conditions.append(table.c.bucket_start < end)
        owner = _owner(table, owners)
        return sa.select(owner, *_sum_columns(table)).where(*conditions).group_by(owner)

    full_hour = window.first_full_hour_24h
    parts = [
        ("24h", grouped(minute, window.day_start_24h, full_hour)),
        ("24h", grouped(hourly, full_hour, None)),
        ("7d", grouped(hourly, window.start_7d, None)),
    ]
    for name, query in parts:
        for key, *values in conn.execute(query):
            stats[key].windows[name].add(Counts.from_sums(values))
    for key, index, requests in conn.execute(
        _window_histogram(
            ids, (("minute", window.day_start_24h, full_hour), ("hour", full_hour, None)), owners
        )
    ):
        stats[key].windows["24h"].histogram[index] = int(requests)

    oldest = window.start_days(max(MAX_HISTORY_DAYS, history_days))
    start_30d = window.start_days(30)
    day_owner = _owner(daily, owners)
    day_rows = conn.execute(
        sa.select(day_owner, daily.c.bucket_start, *_sum_columns(daily))
        .where(daily.c.route_id.in_(ids), daily.c.bucket_start >= oldest)
        .group_by(day_owner, daily.c.bucket_start)
    )
    for key, day_start, *values in day_rows:
        owned = stats[key]
        day = Counts.from_sums(values)
        owned.days[day_start.date()] = day
        for name in ("90d", "30d") if day_start >= start_30d else ("90d",):
            owned.windows[name].add(day)
    for key, day_start, index, before, requests, total in conn.execute(
        _day_percentile_buckets(ids, window.start_days(history_days), owners)
    ):
        day_latency = stats[key].day_latency.setdefault(day_start.date(), {})
        for percent in PERCENTILES.values():
            if rank_reached(int(before) + int(requests), int(total), percent) and not rank_reached(
                int(before), int(total), percent
            ):
                day_latency[percent] = representative(index)
    return stats


def _window_histogram(
    ids: Sequence[int],
    parts: Sequence[tuple[str, datetime, datetime | None]],
    owners: Owners | None,
) -> sa.Select[Any]:
    """``(key, bucket_index, requests)`` summed over ``(granularity, start, end)`` parts."""
    selects = []
    for granularity, start, end in parts:
        table = models.LATENCY_TABLES[granularity]
        conditions = [table.c.route_id.in_(ids), table.c.bucket_start >= start]
        if end is not None:
            conditions.append(table.c.bucket_start < end)
        selects.append(
            sa.select(
                _owner(table, owners).label("owner"), table.c.bucket_index, table.c.requests
            ).where(*conditions)
        )
    rows = sa.union_all(*selects).subquery()
    return sa.select(rows.c.owner, rows.c.bucket_index, sa.func.sum(rows.c.requests)).group_by(
        rows.c.owner, rows.c.bucket_index
    )


def _day_percentile_buckets(
    ids: Sequence[int], start: datetime, owners: Owners | None
) -> sa.Select[Any]:
    """The daily histogram buckets holding a percentile's rank, at most one per percentile.

    Rows ``(key, bucket_start, bucket_index, before, requests, total)``:
    ``before`` counts the day's requests in lower buckets, ``total`` all of them.
    The routes of one key are summed per bucket first; a running sum (window
    function, SQLite 3.25+ and PostgreSQL) then finds the buckets in the
    database, so a 90-day history reads three rows per key and day.
    """
    table = models.LATENCY_TABLES["day"]
    owner = _owner(table, owners).label("owner")
    summed = (
        sa.select(
            owner,
            table.c.bucket_start,
            table.c.bucket_index,
            sa.func.sum(table.c.requests).label("requests"),
        )
        .where(table.c.route_id.in_(ids), table.c.bucket_start >= start)
        .group_by(owner, table.c.bucket_start, table.c.bucket_index)
        .subquery()
    )
    day = (summed.c.owner, summed.c.bucket_start)
    running = sa.func.sum(summed.c.requests).over(
        partition_by=day, order_by=summed.c.bucket_index, rows=(None, 0)
    )
    inner = sa.select(
        summed.c.owner,
        summed.c.bucket_start,
        summed.c.bucket_index,
        (running - summed.c.requests).label("before"),
        summed.c.requests,
        sa.func.sum(summed.c.requests).over(partition_by=day).label("total"),
    ).subquery()
    # rank_reached(seen, total, p) in SQL: 100 * seen >= p * total.
    holds = [
        sa.and_(
            100 * (inner.c.before + inner.c.requests) >= percent * inner.c.total,
            100 * inner.c.before < percent * inner.c.total,
        )
        for percent in PERCENTILES.values()
    ]
    return sa.select(
        inner.c.owner,
        inner.c.bucket_start,
        inner.c.bucket_index,
        inner.c.before,
        inner.c.requests,
        inner.c.total,
    ).where(sa.or_(*holds))


def history(
    stats: RouteStats,
    window: Window,
    days: int,
    covered: Mapping[date, int],
    incidents: Mapping[date, list[dict[str, Any]]] | None = None,
) -> list[dict[str, Any]]:
    """``days`` daily entries of the page's zone ending today, oldest first, empty days included.

    ``covered`` is the heartbeat coverage (minutes with an instance reporting)
    per day of the zone: each entry's ``state`` tells a day without requests
    that was covered (``no_traffic``) from one that was not (``no_data``), and
    ``coverage`` is the share of the day's minutes so far that were covered.
    With ``incidents`` (the route's incidents per day), every entry lists its
    day's incidents, an empty list on days without.
    """
    entries = []
    first = window.start_days(days).date()
    for offset in range(days):
        day = first + timedelta(days=offset)
        counts = stats.days.get(day, Counts())
        latency = stats.day_latency.get(day, {})
        minutes = covered.get(day, 0)
        start, end = day_bounds(day, window.zone)
        elapsed = max(1, (min(end, window.minute + MINUTE) - start) // MINUTE)
        entry: dict[str, Any] = {
            "date": isodate(day),
            "requests": counts.requests,
            "failures": counts.failures,
            "client_errors": counts.client_errors,
            "uptime": counts.uptime,
            "latency_p50_ms": round_ms(latency.get(PERCENTILES["p50"])),
            "latency_p95_ms": round_ms(latency.get(PERCENTILES["p95"])),
            "latency_p99_ms": round_ms(latency.get(PERCENTILES["p99"])),
            "state": day_state(counts.requests, minutes, (incidents or {}).get(day, [])),
            "coverage": min(100.0, round(minutes * 100 / elapsed, 2)),
        }
        if incidents is not None:
            entry["incidents"] = incidents.get(day, [])
        entries.append(entry)
    return entries


#: The columns of a columnar history and the day entry field each comes from.
HISTORY_COLUMNS: dict[str, str] = {
    "requests": "requests",
    "failures": "failures",
    "client_errors": "client_errors",
    "uptime": "uptime",
    "coverage": "coverage",
    "p50": "latency_p50_ms",
    "p95": "latency_p95_ms",
    "p99": "latency_p99_ms",
    "state": "state",
}


def history_columns(entries: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """:func:`history`'s entries as columns: ``start`` (the first date), one list per
    field with one value per day, and ``incidents`` as ``[day index, incident id]`` pairs.

    The summary carries 50 components x 90 days; columns spare the repeated
    keys of one object per day.
    """
    columns: dict[str, Any] = {"start": entries[0]["date"] if entries else None}
    for column, field_name in HISTORY_COLUMNS.items():
        columns[column] = [entry[field_name] for entry in entries]
    columns["incidents"] = [
        [index, incident["id"]]
        for index, entry in enumerate(entries)
        for incident in entry.get("incidents", ())
    ]
    return columns
