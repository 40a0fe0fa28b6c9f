"""Silence is not health: no traffic and no data are told apart, and neither is 100 %.

History is written through the real flush transaction
(``tests.support.process_history``), as processes running on those days would
have written it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import Flask

from flask_server_status import get_state, reports
from flask_server_status.clock import bucket_start, utcnow
from tests.server_status.summary_view import days_of, route_component, route_days
from tests.support.process_history import run_process


def day_of(app: Flask, summary: dict[str, Any], rule: str, day: datetime) -> dict[str, Any]:
    return next(d for d in route_days(app, summary, rule) if d["date"] == day.date().isoformat())


def test_days_without_requests_are_no_traffic_or_no_data_never_100_percent(
    make_app: Callable[..., Flask],
) -> None:
    # Reporting means "flushed within two flush intervals (plus a margin)".
    app = make_app(SERVER_STATUS_FLUSH_INTERVAL_SECONDS=10)
    state = get_state(app)
    now = bucket_start(utcnow(), "day") + timedelta(hours=12)
    today = bucket_start(now, "day")
    three_days_ago, two_days_ago, yesterday = (today - timedelta(days=n) for n in (3, 2, 1))
    # Three days ago: up all day, "/" busy, "/items" asked nothing.
    run_process(state, three_days_ago, two_days_ago, {"/": 10})
    # Two days ago: the app was down (no process at all).
    # Yesterday: up, but stopped from 10:00 to 11:00.
    run_process(state, yesterday, yesterday + timedelta(hours=10), {"/": 10})
    run_process(state, yesterday + timedelta(hours=11), today, {"/": 10})
    # Today: up until an hour ago, then stopped.
    run_process(state, today, now - timedelta(hours=1), {"/": 10})

    summary = reports.summary(state.engine, state.settings, days=5, now=now)

    quiet = day_of(app, summary, "/items", three_days_ago)
    assert (quiet["requests"], quiet["uptime"], quiet["state"]) == (0, None, "no_traffic")
    assert quiet["coverage"] == 100.0
    busy = day_of(app, summary, "/", three_days_ago)
    assert (busy["requests"], busy["uptime"], busy["state"]) == (240, 100.0, "operational")
    for rule in ("/", "/items"):
        down = day_of(app, summary, rule, two_days_ago)
        assert (down["requests"], down["uptime"], down["state"]) == (0, None, "no_data")
        assert down["coverage"] == 0.0
    stopped = day_of(app, summary, "/", yesterday)
    # The stopped hour is no data: the day is not fully covered, and its uptime
    # covers only the 230 requests that were really answered.
    assert (stopped["requests"], stopped["coverage"]) == (230, round(23 * 100 / 24, 2))
    quiet_yesterday = day_of(app, summary, "/items", yesterday)
    assert (quiet_yesterday["state"], quiet_yesterday["uptime"]) == ("no_traffic", None)
    # Nothing reports now (stopped an hour ago), and the page is told so.
    assert summary["instances"] == {"reporting": 0}
    assert route_component(app, summary, "/")["status"] == "operational"
    assert route_component(app, summary, "/items")["status"] == "no_data"  # never any traffic


def test_a_route_quiet_for_a_day_is_no_traffic_while_instances_report(
    make_app: Callable[..., Flask],
) -> None:
    state = get_state(make_app(SERVER_STATUS_SHOW_RULES=True))
    now = utcnow().replace(second=0, microsecond=0)
    run_process(state, now - timedelta(days=3), now - timedelta(days=2), {"/": 5, "/items": 5})
    run_process(state, now - timedelta(days=2), now, {"/": 5})
    routes = {
        r["rule"]: r for r in reports.route_list(state.engine, state.settings, now=now)["routes"]
    }
    assert (routes["/items"]["status"], routes["/items"]["uptime"]["24h"]) == ("no_traffic", None)
    assert routes["/"]["status"] == "operational"
    summary = reports.summary(state.engine, state.settings, days=1, now=now)
    assert summary["instances"] == {"reporting": 1}


def test_a_route_whose_app_was_down_all_day_is_no_data(make_app: Callable[..., Flask]) -> None:
    state = get_state(make_app(SERVER_STATUS_SHOW_RULES=True))
    now = utcnow().replace(second=0, microsecond=0)
    run_process(state, now - timedelta(days=3), now - timedelta(days=2), {"/": 5})
    routes = {
        r["rule"]: r for r in reports.route_list(state.engine, state.settings, now=now)["routes"]
    }
    assert routes["/"]["status"] == "no_data"


def test_every_flush_records_the_process_even_without_traffic(
    make_app: Callable[..., Flask],
) -> None:
    state = get_state(make_app())
    assert state.flush()
    summary = reports.summary(state.engine, state.settings, days=1)
    assert summary["instances"] == {"reporting": 1}
    (today,) = days_of(summary, summary["components"][0])
    assert (today["requests"], today["state"]) == (0, "no_traffic")
