"""Days of ``SERVER_STATUS_TIMEZONE`` on SQLite and PostgreSQL.

Traffic is counted through the real write path (the app's aggregate, then a
flush at a fixed ``now``); incidents through the domain writes. The summary
is read at a fixed ``now`` and checked against the shipped openapi.json.
"""

from __future__ import annotations

import sys
import zoneinfo
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from flask_server_status import get_state, reports
from flask_server_status.aggregate import SUCCESSES
from flask_server_status.clock import minute_of
from flask_server_status.config import ConfigError, read_settings
from flask_server_status.incidents import create_incident, record_status
from flask_server_status.reports.coverage import covered_minutes_by_day
from flask_server_status.routes import RouteInfo, sync_routes
from tests.server_status.api.contract import shipped_document, validator

MakeApp = Callable[..., Flask]
RULE = "/items"


def count_traffic(app: Flask, moments: Sequence[tuple[datetime, int]], now: datetime) -> None:
    """Count ``n`` successful requests of ``RULE`` at each ``(moment, n)`` and flush at ``now``."""
    state = get_state(app)
    for moment, requests in moments:
        for _ in range(requests):
            state.aggregate.add(RULE, minute_of(moment), SUCCESSES, 3.0)
    assert state.flush(now=now)


def read_summary(app: Flask, now: datetime, days: int) -> dict[str, Any]:
    """The summary at ``now``, valid against the shipped openapi.json."""
    state = get_state(app)
    answer = reports.summary(state.engine, state.settings, days=days, now=now)
    errors = list(validator(shipped_document(), "/components/schemas/Summary").iter_errors(answer))
    assert not errors, errors[0].message
    return answer


def requests_per_date(summary: dict[str, Any], rule: str = RULE) -> dict[str, int]:
    (route,) = (route for route in summary["routes"] if route["rule"] == rule)
    return {day["date"]: day["requests"] for day in route["history"]}


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
    summary = read_summary(app, now, days=3)
    assert summary["timezone"] == zone
    assert requests_per_date(summary) == expected
    (route,) = (route for route in summary["routes"] if route["rule"] == RULE)
    assert all(day["incidents"] == [] for day in route["history"])


def test_30d_and_90d_windows_count_days_of_the_zone(make_app: MakeApp) -> None:
    """The 30-day window starts at midnight New York time 29 days before today."""
    app = make_app(SERVER_STATUS_TIMEZONE="America/New_York")
    now = datetime(2026, 11, 21, 15, 0)
    first_day = datetime(2026, 10, 23, 4, 0)  # midnight EDT, 29 days before the 21st
    count_traffic(app, [(first_day - timedelta(minutes=1), 3), (first_day, 5)], now)
    (route,) = (r for r in read_summary(app, now, days=1)["routes"] if r["rule"] == RULE)
    assert route["uptime"]["30d"] == 100.0
    state = get_state(app)
    detail = reports.route_detail(state.engine, state.settings, route["id"], days=30, now=now)
    assert detail is not None
    assert detail["history"][0] == {
        "date": "2026-10-23",
        "requests": 5,
        "failures": 0,
        "client_errors": 0,
        "uptime": 100.0,
        "latency_p95_ms": detail["history"][0]["latency_p95_ms"],
        "latency_p99_ms": detail["history"][0]["latency_p99_ms"],
        "state": "operational",
        "coverage": 0.0,  # counts written without a heartbeat
        "incidents": [],
    }
    summary = read_summary(app, now, days=31)
    assert requests_per_date(summary)["2026-10-22"] == 3


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
    assert requests_per_date(read_summary(app, now, days=4)) == expected


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

    summary = read_summary(app, now, days=7)
    listed = {
        route["rule"]: {day["date"]: day["incidents"] for day in route["history"]}
        for route in summary["routes"]
        if route["rule"] in ("/a", "/b")
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
