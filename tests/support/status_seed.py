"""Realistic synthetic history for flask-server-status, written straight into its tables.

``seed_history(app, routes=50, days=90)`` gives an app with FlaskStatus the
history a real deployment would have after ``days`` days: a daily row per
route and day, hourly rows for the last 30 days and minute rows for the last
25 hours (as the default retention keeps them), with a daily traffic cycle,
a few percent client errors, rare failures, short failure spikes with their
resolved automatic incidents, one open manual incident and maintenance
windows. Hourly rows are exact sums of their minutes and daily rows of their
hours, like the real write path guarantees; daily rows are days of the app's
``SERVER_STATUS_TIMEZONE`` (in a zone offset by a half or quarter hour, an hour
that straddles midnight counts on the day it starts).

It is deterministic for a given ``now`` and ``seed``. It is NOT idempotent:
it adds new routes (rules under ``rule_prefix``, default ``/seeded``) every
call, and a second call with the same ``rule_prefix`` on the same database
fails on the unique rule constraint. Use a fresh database or another prefix.

Used by the API tests, ``benchmarks/summary_api.py``, the browser tests and
the demo.
"""

from __future__ import annotations

import functools
import math
import random
import statistics
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask

from flask_server_status import latency as latency_histogram
from flask_server_status import models
from flask_server_status.clock import bucket_start
from flask_server_status.maintenance import create_maintenance
from flask_server_status.state import get_state

MINUTE_HOURS = 25
HOURLY_DAYS = 30

_NAMES = (
    ("/", "Home"),
    ("/login", "Sign in"),
    ("/logout", "Sign out"),
    ("/api/users/<int:id>", "Users"),
    ("/api/orders", "Orders"),
    ("/api/orders/<int:id>", "Order details"),
    ("/api/cart", "Cart"),
    ("/api/checkout", "Checkout"),
    ("/api/search", "Search"),
    ("/api/products/<slug>", "Products"),
    ("/api/inventory", "Inventory"),
    ("/api/payments", "Payments"),
    ("/api/invoices/<int:id>", "Invoices"),
    ("/api/reports/daily", "Daily reports"),
    ("/api/webhooks/stripe", "Payment webhooks"),
    ("/static-assets/<path:name>", "Assets"),
)

_COLUMNS = models.COUNTER_COLUMNS
#: Latency strata of a bucket: ``(quantile, share of requests)``. Each stands for
#: its share of the requests at that log-normal quantile: a few histogram rows
#: per bucket keep seeding 90 days of 50 routes fast, and p50 < p95 < p99.
_STRATA = ((0.1, 0.2), (0.3, 0.2), (0.5, 0.2), (0.7, 0.2), (0.9, 0.14), (0.97, 0.04), (0.995, 0.02))
#: A bucket's counters (in COUNTER_COLUMNS order) and its histogram ``{slot: requests}``.
_Counts = tuple[list[float], dict[int, int]]


@dataclass
class SeededHistory:
    """What :func:`seed_history` wrote."""

    now: datetime
    route_ids: list[int]
    incident_ids: list[int] = field(default_factory=list)
    maintenance_ids: list[int] = field(default_factory=list)
    quiet_route_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class _Profile:
    """How one synthetic route behaves."""

    hourly_requests: float
    failure_rate: float
    client_error_rate: float
    median_ms: float
    first_day: int  # index of the first day with traffic (later for newer routes)
    spikes: tuple[tuple[datetime, int], ...]  # (start hour, length in hours)


@functools.cache
def _strata(median_ms: float, sigma: float = 0.7) -> tuple[tuple[int, float], ...]:
    """``(histogram slot, latency ms)`` of every stratum of a log-normal latency."""
    normal = statistics.NormalDist()
    latencies = [median_ms * math.exp(sigma * normal.inv_cdf(q)) for q, _share in _STRATA]
    return tuple((latency_histogram.slot_of(latency), latency) for latency in latencies)


def _split(total: int, shares: Sequence[float]) -> list[int]:
    """``total`` split by ``shares`` into integers that sum to ``total``."""
    parts = [int(total * share) for share in shares]
    remainders = sorted(
        range(len(shares)), key=lambda i: total * shares[i] - parts[i], reverse=True
    )
    for index in remainders[: total - sum(parts)]:
        parts[index] += 1
    return parts


def _stochastic(value: float, rng: random.Random) -> int:
    whole = int(value)
    return whole + (1 if rng.random() < value - whole else 0)


def _bucket(
    requests: int, failure_rate: float, client_rate: float, median_ms: float, rng: random.Random
) -> _Counts:
    failures = min(requests, _stochastic(requests * failure_rate, rng))
    client_errors = min(requests - failures, _stochastic(requests * client_rate, rng))
    histogram: dict[int, int] = {}
    latency_sum = 0.0
    shares = [share for _quantile, share in _STRATA]
    for count, (slot, latency) in zip(_split(requests, shares), _strata(median_ms), strict=True):
        if count:
            histogram[slot] = histogram.get(slot, 0) + count
            latency_sum += count * latency
    successes = requests - failures - client_errors
    return [requests, successes, failures, client_errors, latency_sum], histogram


def _diurnal(moment: datetime) -> float:
    """Traffic multiplier: quiet at night (UTC), busy in the afternoon."""
    return 1.0 + 0.6 * math.sin((moment.hour + moment.minute / 60 - 9) / 24 * 2 * math.pi)


def _in_spike(profile: _Profile, moment: datetime) -> bool:
    return any(start <= moment < start + timedelta(hours=hours) for start, hours in profile.spikes)


def _profiles(
    count: int, days: int, first_day: datetime, now: datetime, rng: random.Random
) -> list[_Profile]:
    profiles = []
    for index in range(count):
        # With enough routes, the last one never sees traffic and the one
        # before it is new (traffic for the last 10 days only).
        quiet = count >= 5 and index == count - 1
        first = max(0, days - 10) if count >= 5 and index == count - 2 else 0
        spikes = []
        for _ in range(0 if quiet else rng.choice((0, 0, 1, 1, 2, 3))):
            day = rng.randrange(first, days)
            start = first_day + timedelta(days=day, hours=rng.randrange(24))
            if start + timedelta(hours=3) < now - timedelta(hours=2):
                spikes.append((start, rng.randint(1, 3)))
        volume = rng.choice((30, 120, 600, 2400)) * rng.uniform(0.5, 1.5)
        profiles.append(
            _Profile(
                hourly_requests=0.0 if quiet else volume,
                failure_rate=rng.choice((0.0, 0.0005, 0.002, 0.01)),
                client_error_rate=rng.uniform(0.005, 0.04),
                median_ms=rng.choice((8, 15, 35, 80, 220)) * rng.uniform(0.8, 1.2),
                first_day=first,
                spikes=tuple(sorted(spikes)),
            )
        )
    return profiles


def _buckets(
    profile: _Profile, start: datetime, end: datetime, step: timedelta, rng: random.Random
) -> Iterator[tuple[datetime, _Counts]]:
    """Synthetic counters for every ``step`` from ``start`` to ``end`` (exclusive)."""
    per_step = profile.hourly_requests * step / timedelta(hours=1)
    moment = start
    while moment < end:
        requests = _stochastic(per_step * _diurnal(moment) * rng.uniform(0.8, 1.2), rng)
        if requests:
            spiking = _in_spike(profile, moment)
            yield (
                moment,
                _bucket(
                    requests,
                    rng.uniform(0.2, 0.6) if spiking else profile.failure_rate,
                    profile.client_error_rate,
                    profile.median_ms * (4 if spiking else 1),
                    rng,
                ),
            )
        moment += step


def _add(target: dict[Any, _Counts], key: Any, counts: _Counts) -> None:
    held = target.get(key)
    if held is None:
        target[key] = (list(counts[0]), dict(counts[1]))
        return
    for index, value in enumerate(counts[0]):
        held[0][index] += value
    for slot, requests in counts[1].items():
        held[1][slot] = held[1].get(slot, 0) + requests


def _rows(counts: dict[tuple[int, datetime], _Counts]) -> list[dict[str, Any]]:
    return [
        {
            "route_id": route_id,
            "bucket_start": start,
            **dict(zip(_COLUMNS, counters, strict=True)),
        }
        for (route_id, start), (counters, _histogram) in sorted(counts.items())
    ]


def _latency_rows(counts: dict[tuple[int, datetime], _Counts]) -> list[dict[str, Any]]:
    """The latency table rows of ``counts``: one per non-empty histogram slot."""
    return [
        {
            "route_id": route_id,
            "bucket_start": start,
            "bucket_index": latency_histogram.MIN_INDEX + slot,
            "requests": requests,
        }
        for (route_id, start), (_counters, histogram) in sorted(counts.items())
        for slot, requests in sorted(histogram.items())
    ]


def seed_history(
    app: Flask,
    *,
    routes: int = 50,
    days: int = 90,
    incidents: bool = True,
    maintenance: bool = True,
    now: datetime | None = None,
    seed: int = 20261121,
    rule_prefix: str = "/seeded",
) -> SeededHistory:
    """Write ``days`` days of history for ``routes`` new routes into the app's status tables.

    ``now`` is a naive UTC datetime (default: the current time). See the module
    docstring for what is written; not idempotent.
    """
    moment = now if now is not None else datetime.now(UTC).replace(tzinfo=None)
    moment = moment.replace(second=0, microsecond=0)
    engine = get_state(app).engine
    rng = random.Random(seed)
    today = moment.replace(hour=0, minute=0)
    first_day = today - timedelta(days=days - 1)
    minute_from = moment.replace(minute=0) - timedelta(hours=MINUTE_HOURS - 1)
    hourly_from = today - timedelta(days=HOURLY_DAYS - 1)
    profiles = _profiles(routes, days, first_day, moment, rng)

    with engine.begin() as conn:
        route_rows = []
        for index in range(routes):
            rule, name = _NAMES[index % len(_NAMES)]
            suffix = index // len(_NAMES)
            route_rows.append(
                {
                    "rule": f"{rule_prefix}/{index}{rule}",
                    "endpoint": f"seeded_{index}",
                    "name": name if suffix == 0 else f"{name} {suffix + 1}",
                    "doc": f"Synthetic route {index} ({rule})",
                    "name_overridden": False,
                    "created_at": first_day,
                }
            )
        route_ids: list[int] = []
        for row in route_rows:
            route_ids.append(
                conn.execute(
                    sa.insert(models.routes).values(row).returning(models.routes.c.id)
                ).scalar_one()
            )

        minutes: dict[tuple[int, datetime], _Counts] = {}
        hours: dict[tuple[int, datetime], _Counts] = {}
        daily: dict[tuple[int, datetime], _Counts] = {}
        end = moment + timedelta(minutes=1)
        for route_id, profile in zip(route_ids, profiles, strict=True):
            start = first_day + timedelta(days=profile.first_day)
            hourly_end = max(start, minute_from)
            for hour, counters in _buckets(profile, start, hourly_end, timedelta(hours=1), rng):
                _add(hours, (route_id, hour), counters)
            for minute, counters in _buckets(profile, hourly_end, end, timedelta(minutes=1), rng):
                minutes[(route_id, minute)] = counters
                _add(hours, (route_id, minute.replace(minute=0)), counters)
        zone = get_state(app).settings.timezone
        for (route_id, hour), counters in hours.items():
            _add(daily, (route_id, bucket_start(hour, "day", zone)), counters)

        recent_hours = {key: value for key, value in hours.items() if key[1] >= hourly_from}
        for granularity, counts in (("minute", minutes), ("hour", recent_hours), ("day", daily)):
            if counts:
                conn.execute(sa.insert(models.BUCKET_TABLES[granularity]), _rows(counts))
                conn.execute(sa.insert(models.LATENCY_TABLES[granularity]), _latency_rows(counts))

        seeded = SeededHistory(now=moment, route_ids=route_ids)
        seeded.quiet_route_ids = [
            rid for rid, p in zip(route_ids, profiles, strict=True) if p.hourly_requests == 0
        ]
        if incidents:
            seeded.incident_ids = _seed_incidents(conn, route_ids, route_rows, profiles, moment)
        if maintenance and route_ids:
            seeded.maintenance_ids = _seed_maintenance(conn, route_ids, moment)
    return seeded


def _insert_incident(conn: sa.Connection, values: dict[str, Any]) -> int:
    incident_id: int = conn.execute(
        sa.insert(models.incidents).values(values).returning(models.incidents.c.id)
    ).scalar_one()
    return incident_id


def _seed_incidents(
    conn: sa.Connection,
    route_ids: Sequence[int],
    route_rows: Sequence[dict[str, Any]],
    profiles: Sequence[_Profile],
    now: datetime,
) -> list[int]:
    ids = []
    for route_id, row, profile in zip(route_ids, route_rows, profiles, strict=True):
        for start, hours in profile.spikes:
            end = start + timedelta(hours=hours)
            ids.append(
                _insert_incident(
                    conn,
                    {
                        "route_id": route_id,
                        "title": f"Elevated error rate on {row['name']}",
                        "status": "resolved",
                        "impact": "major",
                        "automatic": True,
                        "started_at": start + timedelta(minutes=3),
                        "resolved_at": end + timedelta(minutes=10),
                        "last_failure_at": end,
                        "error_type": "sqlalchemy.exc.OperationalError",
                        "error_message": "connection to server at 10.0.0.7 port 5432 timed out",
                    },
                )
            )
    if not route_ids:
        return ids
    # A manual incident resolved two days ago, with its full timeline.
    started = now - timedelta(days=2, hours=3)
    resolved_id = _insert_incident(
        conn,
        {
            "title": "Slow checkout for some customers",
            "status": "resolved",
            "impact": "minor",
            "automatic": False,
            "started_at": started,
            "resolved_at": started + timedelta(hours=2),
        },
    )
    timeline = (
        ("investigating", "We are looking into reports of slow checkouts.", 0),
        ("identified", "A payment provider is answering slowly; we enabled a fallback.", 25),
        ("monitoring", "Checkout times are back to normal; we keep watching.", 70),
        ("resolved", "The provider confirmed the fix. Sorry for the trouble.", 120),
    )
    conn.execute(
        sa.insert(models.incident_updates),
        [
            {
                "incident_id": resolved_id,
                "status": status,
                "message": message,
                "created_at": started + timedelta(minutes=minutes),
            }
            for status, message, minutes in timeline
        ],
    )
    conn.execute(
        sa.insert(models.incident_routes), [{"incident_id": resolved_id, "route_id": route_ids[0]}]
    )
    # One open incident on the second route.
    open_started = now - timedelta(minutes=40)
    open_id = _insert_incident(
        conn,
        {
            "title": "Search results may be incomplete",
            "status": "identified",
            "impact": "minor",
            "automatic": False,
            "started_at": open_started,
        },
    )
    conn.execute(
        sa.insert(models.incident_updates),
        [
            {
                "incident_id": open_id,
                "status": "investigating",
                "message": "Some searches return fewer results than expected.",
                "created_at": open_started,
            },
            {
                "incident_id": open_id,
                "status": "identified",
                "message": "An index rebuild is running; results fill in as it completes.",
                "created_at": open_started + timedelta(minutes=15),
            },
        ],
    )
    conn.execute(
        sa.insert(models.incident_routes),
        [{"incident_id": open_id, "route_id": route_ids[min(1, len(route_ids) - 1)]}],
    )
    return [*ids, resolved_id, open_id]


def _seed_maintenance(conn: sa.Connection, route_ids: Sequence[int], now: datetime) -> list[int]:
    windows = (
        ("Database upgrade", "PostgreSQL minor version upgrade.", now - timedelta(days=5), 1, []),
        (
            "Payment provider migration",
            "Checkout may be unavailable for a few minutes.",
            (now + timedelta(days=2)).replace(hour=2, minute=0),
            2,
            list(route_ids[:2]),
        ),
    )
    return [
        create_maintenance(
            conn,
            title=title,
            description=description,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=hours),
            route_ids=linked,
            now=now - timedelta(days=7),  # scheduled a week ago
        )
        for title, description, starts_at, hours, linked in windows
    ]
