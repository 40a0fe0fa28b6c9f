"""Uptime, latency and daily history from stored buckets match a brute-force
computation over the raw requests they were built from, on SQLite and PostgreSQL.

Raw requests go through the real write path (the capture aggregate, then the
additive upsert into minute, hourly and daily buckets); the expected values
are computed here from the raw list alone.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_server_status import clock, get_state, latency, reports
from flask_server_status.aggregate import CLIENT_ERRORS, FAILURES, SUCCESSES, Aggregate
from flask_server_status.clock import minute_of
from flask_server_status.reports.statistics import round_ms
from flask_server_status.routes import RouteInfo, sync_routes
from flask_server_status.store import add_counts, apply_retention
from tests.server_status.api.contract import ContractClient
from tests.server_status.exact import nearest_rank
from tests.support.status_seed import seed_history

NOW = datetime(2026, 11, 21, 15, 37, 20)
RULES = ("/orders", "/search", "/users/<int:id>")


@dataclass(frozen=True)
class Request:
    rule: str
    at: datetime
    status: int
    latency_ms: float


def _edges(now: datetime) -> list[datetime]:
    """Instants just inside and just outside every window boundary."""
    minute = now.replace(second=0, microsecond=0)
    hour = now.replace(minute=0, second=0, microsecond=0)
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    starts = [
        minute - timedelta(minutes=24 * 60 - 1),
        hour - timedelta(hours=167),
        today - timedelta(days=29),
        today - timedelta(days=89),
    ]
    return [s + delta for s in starts for delta in (timedelta(0), timedelta(seconds=-1))]


def raw_requests(now: datetime, rng: random.Random) -> list[Request]:
    """About 6,000 requests over 100 days, denser recently, plus boundary cases."""
    moments = [now - timedelta(seconds=rng.uniform(0, 100 * 86400)) for _ in range(2500)]
    moments += [now - timedelta(seconds=rng.uniform(0, 8 * 86400)) for _ in range(2000)]
    moments += [now - timedelta(seconds=rng.uniform(0, 30 * 3600)) for _ in range(1500)]
    moments += _edges(now) * 3
    requests = []
    for at in moments:
        status = rng.choices((200, 302, 404, 429, 500, 503), weights=(80, 5, 6, 2, 4, 3))[0]
        latency = rng.lognormvariate(math.log(rng.choice((12, 60, 300))), 0.9)
        requests.append(Request(rng.choice(RULES), at, status, latency))
    return requests


def store_requests(app: Flask, requests: Sequence[Request], now: datetime) -> dict[str, int]:
    """Write ``requests`` through the real aggregate and upsert; returns route ids."""
    aggregate = Aggregate()
    for request in requests:
        outcome = (
            FAILURES
            if request.status >= 500
            else CLIENT_ERRORS
            if request.status >= 400
            else SUCCESSES
        )
        aggregate.add(request.rule, minute_of(request.at), outcome, request.latency_ms)
    buckets, _errors = aggregate.drain()
    with get_state(app).engine.begin() as conn:
        infos = {rule: RouteInfo(rule.strip("/"), rule, "") for rule in RULES}
        ids = sync_routes(conn, infos, now)
        add_counts(
            conn,
            {(ids[rule].id, minute): counters for (rule, minute), counters in buckets.items()},
        )
    return {rule: route.id for rule, route in ids.items()}


def expected_uptime(requests: Sequence[Request]) -> float | None:
    if not requests:
        return None
    failures = sum(1 for r in requests if r.status >= 500)
    return (len(requests) - failures) / len(requests) * 100


def expected_percentile(latencies: Sequence[float], percent: int) -> float | None:
    """What the histogram answers: the representative of the bucket of the exact value."""
    if not latencies:
        return None
    return latency.representative(latency.index_of(nearest_rank(latencies, percent)))


def in_window(request: Request, window: str, now: datetime) -> bool:
    minute = now.replace(second=0, microsecond=0)
    starts = {
        "24h": minute - timedelta(minutes=24 * 60 - 1),
        "7d": now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=167),
        "30d": now.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=29),
        "90d": now.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=89),
    }
    return starts[window] <= request.at.replace(second=0, microsecond=0) and request.at <= now


def assert_route_matches(route: dict, requests: Sequence[Request], now: datetime) -> None:
    for window in reports.WINDOWS:
        inside = [r for r in requests if in_window(r, window, now)]
        expected = expected_uptime(inside)
        if expected is None:
            assert route["uptime"][window] is None
        else:
            assert route["uptime"][window] == pytest.approx(expected, abs=1e-4), window
            assert route["uptime"][window] <= expected  # truncated, never rounded up
    last_day = [r for r in requests if in_window(r, "24h", now)]
    assert route["requests_24h"] == len(last_day)
    latencies = [r.latency_ms for r in last_day]
    for name, percent in latency.PERCENTILES.items():
        expected = expected_percentile(latencies, percent)
        assert route["latency_ms"][name] == round_ms(expected), name
        exact = nearest_rank(latencies, percent)
        assert route["latency_ms"][name] == pytest.approx(exact, rel=latency.RELATIVE_ACCURACY)


def assert_history_matches(history: list[dict], requests: Sequence[Request], now: datetime) -> None:
    today = now.date()
    assert [entry["date"] for entry in history] == [
        (today - timedelta(days=offset)).isoformat() for offset in range(len(history) - 1, -1, -1)
    ]
    for entry in history:
        day = [r for r in requests if r.at.date().isoformat() == entry["date"] and r.at <= now]
        assert entry["requests"] == len(day)
        assert entry["failures"] == sum(1 for r in day if r.status >= 500)
        assert entry["client_errors"] == sum(1 for r in day if 400 <= r.status < 500)
        if day:
            assert entry["uptime"] == pytest.approx(expected_uptime(day), abs=1e-4)
            for key, percent in (("latency_p95_ms", 95), ("latency_p99_ms", 99)):
                assert entry[key] == round_ms(
                    expected_percentile([r.latency_ms for r in day], percent)
                )
        else:
            assert entry["uptime"] is None
            assert entry["latency_p95_ms"] is None
            assert entry["latency_p99_ms"] is None


def test_uptime_latency_and_history_match_brute_force(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    state = get_state(app)
    requests = raw_requests(NOW, random.Random(7))
    ids = store_requests(app, requests, NOW)

    def check() -> None:
        listed = reports.route_list(state.engine, state.settings, now=NOW)["routes"]
        assert sorted(route["id"] for route in listed) == sorted(ids.values())
        for rule, route_id in ids.items():
            mine = [r for r in requests if r.rule == rule]
            detail = reports.route_detail(state.engine, state.settings, route_id, days=90, now=NOW)
            assert detail is not None
            assert_route_matches(detail, mine, NOW)
            assert_history_matches(detail["history"], mine, NOW)
            assert next(r for r in listed if r["id"] == route_id) == {
                k: v for k, v in detail.items() if k != "history"
            }

    check()
    # What retention deletes (minutes older than 48 h, hours older than 30 days)
    # is never read: each window reads the table that still covers it.
    with state.engine.begin() as conn:
        assert apply_retention(conn, NOW, state.settings) > 0
    check()


def test_summary_history_starts_when_recording_began_and_ends_today(api: ContractClient) -> None:
    """Five days recorded: a 1- or 3-day history shows its days, a longer one only those five."""
    app = api.client.application
    now = clock.utcnow()
    requests = [Request("/orders", now - timedelta(days=d, minutes=1), 200, 20.0) for d in range(5)]
    store_requests(app, requests, now)
    for days, shown in ((1, 1), (3, 3), (30, 5), (90, 5)):
        summary = api.get(f"/status/api/summary?days={days}").get_json()
        first_day = (now - timedelta(days=4, minutes=1)).date()
        assert summary["recording_since"] == first_day.isoformat()
        for component in summary["components"]:
            history = component["history"]
            assert all(len(history[column]) == shown for column in ("requests", "uptime", "state"))
            # The last entry is the UTC day of generated_at: both come from one clock reading.
            last = date.fromisoformat(history["start"]) + timedelta(days=shown - 1)
            assert last.isoformat() == summary["generated_at"][:10]
    # The route's own history keeps every requested day, recorded or not.
    assert len(api.get("/status/api/routes/1?days=90").get_json()["history"]) == 90


@pytest.mark.parametrize("value", ["0", "91", "-1", "1.5", "abc", "", "1e2", "\uff19"])
def test_days_outside_1_to_90_is_a_422_json_error(api: ContractClient, value: str) -> None:
    for url in (f"/status/api/summary?days={value}", f"/status/api/routes/1?days={value}"):
        response = api.get(url)
        assert response.status_code == 422
        assert response.get_json()["error"]["reason"] == "days must be an integer from 1 to 90"


def _count_queries(engine: sa.Engine, call: Callable[[], object]) -> int:
    statements: list[str] = []

    def record(*args: object) -> None:
        statements.append(str(args[2]))

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    return len(statements)


def test_summary_query_count_does_not_grow_with_routes(make_app: Callable[..., Flask]) -> None:
    state = get_state(make_app())
    now = clock.utcnow()
    counts = []
    for prefix, routes in (("/few", 2), ("/many", 30)):
        seed_history(state.app, routes=routes, days=10, now=now, rule_prefix=prefix)
        counts.append(
            _count_queries(
                state.engine, lambda: reports.summary(state.engine, state.settings, days=90)
            )
        )
    assert counts[0] == counts[1]
    # routes, 4 bucket reads, 2 latency reads, incidents (with their routes, components
    # and updates), maintenance (with routes and components), day incidents, coverage,
    # first heartbeat, first day, instances
    assert counts[1] <= 21


@pytest.mark.parametrize(
    ("requests", "failures", "uptime"),
    [
        (1000, 1, 99.9),
        (3, 1, 66.6666),
        (7, 0, 100.0),
        (10**9, 1, 99.9999),
        (5, 5, 0.0),
        (0, 0, None),
    ],
)
def test_uptime_is_exact_and_truncated(requests: int, failures: int, uptime: float | None) -> None:
    assert reports.uptime_percent(requests, failures) == uptime


def test_percentile_answers_the_representative_of_the_bucket_holding_the_rank() -> None:
    assert reports.percentile({}, 50) is None
    ten_ms = latency.index_of(10.0)
    histogram = {ten_ms: 94, ten_ms + 5: 5, latency.MAX_INDEX: 1}
    assert reports.percentile(histogram, 50) == latency.representative(ten_ms)
    assert reports.percentile(histogram, 94) == latency.representative(ten_ms)
    assert reports.percentile(histogram, 95) == latency.representative(ten_ms + 5)
    assert reports.percentile(histogram, 99) == latency.representative(ten_ms + 5)
    # The last bucket holds everything above 60 s (clamped).
    assert reports.percentile(histogram, 100) == pytest.approx(60_000, rel=0.04)
    assert reports.percentile(histogram, 50) == pytest.approx(10.0, rel=0.04)


def test_only_configured_routes_are_shown_and_quiet_ones_have_no_data(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(SERVER_STATUS_ROUTES=["/", "/items"], SERVER_STATUS_SHOW_RULES=True)
    api = ContractClient(app.test_client())
    assert api.get("/status/api/status").get_json()["status"]["indicator"] == "no_data"
    for path in ("/", "/", "/user/1"):
        api.client.get(path)
    assert get_state(app).flush()
    routes = {r["rule"]: r for r in api.get("/status/api/routes").get_json()["routes"]}
    assert set(routes) == {"/", "/items"}
    assert (routes["/"]["status"], routes["/"]["requests_24h"]) == ("operational", 2)
    assert routes["/items"]["status"] == "no_data"
    assert routes["/items"]["uptime"] == {"24h": None, "7d": None, "30d": None, "90d": None}
    assert routes["/items"]["latency_ms"] == {"p50": None, "p95": None, "p99": None}
    assert api.get("/status/api/status").get_json()["status"]["indicator"] == "operational"
