"""Days of ``SERVER_STATUS_TIMEZONE`` on SQLite and PostgreSQL.

Traffic is counted through the real write path (the app's aggregate, then a
flush at a fixed ``now``); incidents through the domain writes. The summary
is read at a fixed ``now`` and checked against the shipped openapi.json.
"""

from __future__ import annotations

import sys
import zoneinfo
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Connection

from flask_server_status import get_state, reports
from flask_server_status.aggregate import SUCCESSES
from flask_server_status.clock import minute_of
from flask_server_status.config import ConfigError, read_settings
from flask_server_status.incidents import create_incident, record_status
from flask_server_status.reports.coverage import covered_minutes_by_day
from flask_server_status.routes import RouteInfo, sync_routes
from tests.server_status.api.contract import shipped_document, validator
from tests.server_status.summary_view import route_id
from tests.support.process_history import run_process

MakeApp = Callable[..., Flask]
RULE = "/items"


def count_traffic(app: Flask, moments: Sequence[tuple[datetime, int]], now: datetime) -> None:
    """Count ``n`` successful requests of ``RULE`` at each ``(moment, n)`` and flush at ``now``."""
    state = get_state(app)
    for moment, requests in moments:
        for _ in range(requests):
            state.aggregate.add(RULE, minute_of(moment), SUCCESSES, 3.0)
    assert state.flush(now=now)


def read_route(app: Flask, now: datetime, days: int, rule: str = RULE) -> dict[str, Any]:
    """The route of ``rule`` with ``days`` of history at ``now``, valid against openapi.json."""
    state = get_state(app)
    answer = reports.route_detail(
        state.engine, state.settings, route_id(app, rule), days=days, now=now
    )
    schema = "/components/schemas/RouteWithHistory"
    errors = list(validator(shipped_document(), schema).iter_errors(answer))
    assert not errors, errors[0].message
    assert answer is not None
    return answer


def route_history(app: Flask, now: datetime, days: int, rule: str = RULE) -> list[dict[str, Any]]:
    return list(read_route(app, now, days, rule)["history"])


def requests_per_date(app: Flask, now: datetime, days: int) -> dict[str, int]:
    return {day["date"]: day["requests"] for day in route_history(app, now, days)}


@pytest.mark.parametrize(
    ("zone", "traffic", "expected"),
    [
        pytest.param(
            "America/New_York",
            [
                ("2026-11-20T03:00", 8),  # 22:00 EST on the 19th
                ("2026-11-20T12:00", 4),
                ("2026-11-21T04:59", 1),  # 23:59 EST on the 20th
                ("2026-11-21T05:00", 2),  # midnight EST on the 21st
            ],
            {"2026-11-19": 8, "2026-11-20": 5, "2026-11-21": 2},
            id="new-york",
        ),
        pytest.param(
            "Asia/Kolkata",
            [
                ("2026-11-19T18:29", 8),  # 23:59 IST on the 19th
                ("2026-11-19T18:30", 4),  # midnight IST on the 20th
                ("2026-11-20T18:29", 1),
                ("2026-11-20T18:30", 2),  # midnight IST on the 21st
            ],
            {"2026-11-19": 8, "2026-11-20": 5, "2026-11-21": 2},
            id="kolkata-half-hour",
        ),
        pytest.param(
            "UTC",
            [("2026-11-20T03:00", 8), ("2026-11-20T23:59", 4), ("2026-11-21T00:00", 2)],
            {"2026-11-19": 0, "2026-11-20": 12, "2026-11-21": 2},
            id="utc",
        ),
    ],
)
def test_requests_land_on_the_days_of_the_zone(
    make_app: MakeApp, zone: str, traffic: list[tuple[str, int]], expected: dict[str, int]
) -> None:
    app = make_app(SERVER_STATUS_TIMEZONE=zone)
    now = datetime(2026, 11, 21, 15, 0)
    count_traffic(app, [(datetime.fromisoformat(at), n) for at, n in traffic], now)
    assert requests_per_date(app, now, days=3) == expected
    assert all(day["incidents"] == [] for day in route_history(app, now, days=3))


def test_30d_and_90d_windows_count_days_of_the_zone(make_app: MakeApp) -> None:
    """The 30-day window starts at midnight New York time 29 days before today."""
    app = make_app(SERVER_STATUS_TIMEZONE="America/New_York")
    now = datetime(2026, 11, 21, 15, 0)
    first_day = datetime(2026, 10, 23, 4, 0)  # midnight EDT, 29 days before the 21st
    count_traffic(app, [(first_day - timedelta(minutes=1), 3), (first_day, 5)], now)
    detail = read_route(app, now, days=30)
    assert detail["uptime"]["30d"] == 100.0
    assert detail["history"][0] == {
        "date": "2026-10-23",
        "requests": 5,
        "failures": 0,
        "client_errors": 0,
        "uptime": 100.0,
        "latency_p50_ms": detail["history"][0]["latency_p50_ms"],
        "latency_p95_ms": detail["history"][0]["latency_p95_ms"],
        "latency_p99_ms": detail["history"][0]["latency_p99_ms"],
        "state": "operational",
        "coverage": 0.0,  # counts written without a heartbeat
        "incidents": [],
    }
    assert requests_per_date(app, now, days=31)["2026-10-22"] == 3


@pytest.mark.parametrize(
    ("first_utc", "hours", "now", "expected"),
    [
        pytest.param(
            # From midnight EDT on Oct 31 to midnight EST on Nov 3: clocks go back on Nov 1.
            datetime(2026, 10, 31, 4),
            24 + 25 + 24,
            datetime(2026, 11, 3, 12),
            {"2026-10-31": 24, "2026-11-01": 25, "2026-11-02": 24, "2026-11-03": 0},
            id="fall-back-25-hours",
        ),
        pytest.param(
            # From midnight EST on Mar 7 to midnight EDT on Mar 10: clocks go forward on Mar 8.
            datetime(2026, 3, 7, 5),
            24 + 23 + 24,
            datetime(2026, 3, 10, 12),
            {"2026-03-07": 24, "2026-03-08": 23, "2026-03-09": 24, "2026-03-10": 0},
            id="spring-forward-23-hours",
        ),
    ],
)
def test_a_daylight_saving_day_has_the_hours_it_has(
    make_app: MakeApp, first_utc: datetime, hours: int, now: datetime, expected: dict[str, int]
) -> None:
    """One request in every UTC hour: a New York day counts as many requests as it has hours."""
    app = make_app(SERVER_STATUS_TIMEZONE="America/New_York")
    count_traffic(app, [(first_utc + timedelta(hours=h, minutes=30), 1) for h in range(hours)], now)
    assert requests_per_date(app, now, days=4) == expected


def add_incident(
    conn: Connection, title: str, route_ids: list[int], started: datetime, resolved: datetime | None
) -> dict[str, Any]:
    """A minor incident from ``started`` to ``resolved`` (naive UTC), as a day lists it."""
    incident_id = create_incident(
        conn,
        title=title,
        status="investigating",
        impact="minor",
        route_ids=route_ids,
        message="",
        started_at=started,
        now=started,
    )
    if resolved is not None:
        record_status(conn, incident_id, status="resolved", message="", now=resolved)
    return {"id": incident_id, "title": title, "impact": "minor"}


def test_each_day_lists_the_incidents_open_during_it(make_app: MakeApp) -> None:
    app = make_app(SERVER_STATUS_TIMEZONE="America/New_York")
    state = get_state(app)
    now = datetime(2026, 11, 21, 15, 0)
    with state.engine.begin() as conn:
        routes = sync_routes(conn, {rule: RouteInfo(rule, rule, "") for rule in ("/a", "/b")}, now)
        a, b = routes["/a"].id, routes["/b"].id

        def incident(
            title: str, route_ids: list[int], started: datetime, resolved: datetime | None
        ) -> dict[str, Any]:
            return add_incident(conn, title, route_ids, started, resolved)

        # Days shown: Nov 15 to Nov 21 (New York).
        incident("Long gone", [a], datetime(2026, 10, 1), datetime(2026, 10, 2))
        before = incident(
            "Started before the window", [a], datetime(2026, 11, 1), datetime(2026, 11, 15, 6)
        )
        # 22:00 EST on the 17th until midnight EST on the 19th (exclusive).
        overnight = incident("Overnight", [a], datetime(2026, 11, 18, 3), datetime(2026, 11, 19, 5))
        still_open = incident("Still open", [b], datetime(2026, 11, 19, 12), None)
        everywhere = incident(
            "Every route", [], datetime(2026, 11, 20, 10), datetime(2026, 11, 20, 11)
        )
        incident("Not yet started", [a, b], now + timedelta(hours=1), None)

    listed = {
        rule: {day["date"]: day["incidents"] for day in route_history(app, now, 7, rule)}
        for rule in ("/a", "/b")
    }
    assert listed["/a"] == {
        "2026-11-15": [before],
        "2026-11-16": [],
        "2026-11-17": [overnight],
        "2026-11-18": [overnight],
        "2026-11-19": [],
        "2026-11-20": [everywhere],
        "2026-11-21": [],
    }
    assert listed["/b"] == {
        "2026-11-15": [],
        "2026-11-16": [],
        "2026-11-17": [],
        "2026-11-18": [],
        "2026-11-19": [still_open],
        "2026-11-20": [still_open, everywhere],  # oldest first
        "2026-11-21": [still_open],
    }


def test_an_unknown_zone_is_a_config_error_naming_the_key_and_the_fix(make_app: MakeApp) -> None:
    with pytest.raises(ConfigError, match="SERVER_STATUS_TIMEZONE") as raised:
        make_app(SERVER_STATUS_TIMEZONE="Mars/Olympus_Mons")
    assert raised.value.key == "SERVER_STATUS_TIMEZONE"
    assert "unknown IANA time zone 'Mars/Olympus_Mons'" in str(raised.value)
    assert "such as 'Europe/Madrid' or 'UTC'" in str(raised.value)
    for value in ("", "../../etc/passwd", 5, None):
        with pytest.raises(ConfigError, match="SERVER_STATUS_TIMEZONE"):
            read_settings({"SERVER_STATUS_TIMEZONE": value}, import_name="app")


def test_without_a_time_zone_database_the_error_says_to_install_tzdata(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No system zone files and no ``tzdata`` package: only UTC works, and the error says why."""
    monkeypatch.setitem(sys.modules, "tzdata", None)  # the package is not installed
    zoneinfo.reset_tzpath([])
    zoneinfo.ZoneInfo.clear_cache()
    try:
        with pytest.raises(ConfigError, match="install the `tzdata` package"):
            read_settings({"SERVER_STATUS_TIMEZONE": "America/New_York"}, import_name="app")
        settings = read_settings({}, import_name="app")
        assert settings.timezone_name == "UTC"
    finally:
        zoneinfo.reset_tzpath()
        zoneinfo.ZoneInfo.clear_cache()


def test_heartbeat_coverage_is_split_at_the_zones_midnight_to_the_minute() -> None:
    # Kolkata is UTC+5:30: its midnight falls at 18:30 UTC, inside the hour.
    every_minute = (1 << 60) - 1
    masks = {datetime(2026, 11, 20, 18, 0): every_minute, datetime(2026, 11, 20, 19, 0): 1}
    by_day = covered_minutes_by_day(masks, zoneinfo.ZoneInfo("Asia/Kolkata"))
    assert by_day == {date(2026, 11, 20): 30, date(2026, 11, 21): 31}
    assert covered_minutes_by_day(masks) == {date(2026, 11, 20): 61}


def zone_midnight(day: date, zone: str) -> datetime:
    """The naive UTC instant the zone's ``day`` starts (zoneinfo's own arithmetic)."""
    local = datetime.combine(day, time(), tzinfo=zoneinfo.ZoneInfo(zone))
    return local.astimezone(UTC).replace(tzinfo=None)


def history_day(app: Flask, now: datetime, days: int, day: date) -> dict[str, Any]:
    entries = route_history(app, now, days, "/")
    return next(entry for entry in entries if entry["date"] == day.isoformat())


#: Days of 23, 24 and 25 hours, west and east of UTC (Chatham is UTC+12:45 in its
#: winter and UTC+13:45 in its summer; Kolkata is UTC+5:30).
ZONE_DAYS = [
    pytest.param("America/New_York", date(2026, 3, 8), 23, id="new-york-spring-forward"),
    pytest.param("America/New_York", date(2026, 11, 1), 25, id="new-york-fall-back"),
    pytest.param("Asia/Tokyo", date(2026, 11, 20), 24, id="tokyo"),
    pytest.param("Asia/Kolkata", date(2026, 11, 20), 24, id="kolkata"),
    pytest.param("Pacific/Chatham", date(2026, 4, 5), 25, id="chatham-fall-back"),
    pytest.param("Pacific/Chatham", date(2026, 9, 27), 23, id="chatham-spring-forward"),
]


@pytest.mark.parametrize(("zone", "day", "hours"), ZONE_DAYS)
def test_coverage_is_the_share_of_the_days_own_minutes(
    make_app: MakeApp, zone: str, day: date, hours: int
) -> None:
    """Up all day but for its first hour: coverage is (hours - 1) / hours of the day, and
    its requests (one per hour the process ran) are all on that day of the zone."""
    app = make_app(SERVER_STATUS_TIMEZONE=zone)
    start, end = zone_midnight(day, zone), zone_midnight(day + timedelta(days=1), zone)
    assert end - start == timedelta(hours=hours)
    state = get_state(app)
    run_process(state, start + timedelta(hours=1), end, {"/": 1})
    read_at = end + timedelta(hours=12)
    entry = history_day(app, read_at, 3, day)
    assert entry["coverage"] == round((hours - 1) * 100 / hours, 2)
    assert (entry["requests"], entry["state"]) == (hours - 1, "operational")
    before, after = (history_day(app, read_at, 3, day + timedelta(days=n)) for n in (-1, 1))
    assert (before["coverage"], before["state"]) == (0.0, "no_data")
    assert (after["coverage"], after["state"]) == (0.0, "no_data")


@pytest.mark.parametrize(("zone", "day", "hours"), ZONE_DAYS)
def test_a_fully_covered_day_reads_100_percent_whatever_its_length(
    make_app: MakeApp, zone: str, day: date, hours: int
) -> None:
    app = make_app(SERVER_STATUS_TIMEZONE=zone)
    start, end = zone_midnight(day, zone), zone_midnight(day + timedelta(days=1), zone)
    run_process(get_state(app), start, end, {})
    entry = history_day(app, end + timedelta(hours=12), 3, day)
    assert (entry["coverage"], entry["state"], entry["requests"]) == (100.0, "no_traffic", 0)


def test_a_process_flushing_every_10_minutes_covers_every_minute_it_ran(
    make_app: MakeApp,
) -> None:
    """Six flushes an hour, each marking its own 10 minutes: together the whole day."""
    zone = "Asia/Tokyo"
    app = make_app(SERVER_STATUS_TIMEZONE=zone)
    day = date(2026, 11, 20)
    start, end = zone_midnight(day, zone), zone_midnight(day + timedelta(days=1), zone)
    run_process(get_state(app), start, end, {"/": 2}, flush_every=timedelta(minutes=10))
    entry = history_day(app, end + timedelta(hours=1), 2, day)
    assert (entry["coverage"], entry["requests"]) == (100.0, 48)


def test_two_processes_in_one_hour_cover_it_together(make_app: MakeApp) -> None:
    """A restart at 06:00 in Kolkata, half past a UTC hour (coverage is kept per UTC
    hour): the old process ran the hour's first half, the new one the rest."""
    zone = "Asia/Kolkata"
    app = make_app(SERVER_STATUS_TIMEZONE=zone)
    state = get_state(app)
    day = date(2026, 11, 20)
    start, end = zone_midnight(day, zone), zone_midnight(day + timedelta(days=1), zone)
    restart = start + timedelta(hours=6)
    assert restart.minute == 30
    run_process(state, start, restart, {})
    run_process(state, restart, end, {})
    entry = history_day(app, end + timedelta(hours=1), 2, day)
    assert (entry["coverage"], entry["state"]) == (100.0, "no_traffic")


@pytest.mark.parametrize(
    "zone", ["Asia/Tokyo", "Asia/Kolkata", "Pacific/Chatham", "Pacific/Kiritimati"]
)
def test_an_incident_early_on_the_first_day_east_of_utc_is_listed_on_it(
    make_app: MakeApp, zone: str
) -> None:
    """East of UTC a day starts before its UTC date does: an incident from 23:00 the day
    before the first day shown to 00:10 on it (local time) belongs to that first day."""
    app = make_app(SERVER_STATUS_TIMEZONE=zone)
    state = get_state(app)
    today = date(2026, 11, 21)
    now = zone_midnight(today, zone) + timedelta(hours=15)
    first = today - timedelta(days=6)
    with state.engine.begin() as conn:
        (route,) = sync_routes(conn, {"/a": RouteInfo("/a", "/a", "")}, now).values()
        midnight = zone_midnight(first, zone)
        overnight = add_incident(
            conn,
            "Overnight",
            [route.id],
            midnight - timedelta(hours=1),
            midnight + timedelta(minutes=10),
        )
        # Resolved at the first day's midnight: over before the first day starts.
        add_incident(conn, "The day before", [route.id], midnight - timedelta(hours=3), midnight)
    listed = {entry["date"]: entry["incidents"] for entry in route_history(app, now, 7, "/a")}
    assert listed == {
        (first + timedelta(days=n)).isoformat(): [overnight] if n == 0 else [] for n in range(7)
    }
