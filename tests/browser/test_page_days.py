"""Days on the status page in real Chromium: the server zone's dates, day tooltips, idle days.

The server sends ``timezone`` (``SERVER_STATUS_TIMEZONE``), ``instances`` and each day's
``incidents``, ``state`` and ``coverage``. Tests that need states their data cannot
produce in seconds (a partial outage, a day of no data) take the real server's summary
and change those fields in Playwright's route interception, keeping everything else the
server sent.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
from flask import Flask
from playwright.sync_api import Page, Route, expect

from flask_server_status import get_state
from flask_server_status.clock import bucket_start, utcnow
from tests.browser.conftest import Admin, send_traffic, summary, wait_ready
from tests.server_status.summary_view import by_rule, days_of
from tests.support.process_history import run_process

pytestmark = pytest.mark.browser

NewPage = Callable[..., Page]
MakeApp = Callable[..., Flask]
LiveServerFactory = Callable[[Flask], str]
Summary = dict[str, Any]

# UTC+14 and UTC-11, 25 hours apart: the reader's date is never the server's, and a date
# string read as UTC midnight falls on the day before in the reader's zone.
SERVER_ZONE = "Pacific/Kiritimati"
READER_ZONE = "Pacific/Pago_Pago"


def serve_changed_summary(page: Page, change: Callable[[Summary], None]) -> None:
    """Answer the page's ``api/summary`` with the server's own answer, passed through ``change``."""

    def handle(route: Route) -> None:
        response = route.fetch()
        body = response.json()
        change(body)
        route.fulfill(response=response, json=body)

    page.route("**/api/summary?*", handle)


def day_label(page: Page, day: date) -> str:
    """``day`` as the page must write it under en-GB: "Sat, 21 Nov 2026".

    The month's short name comes from the browser's ICU ("Sep" or "Sept" depending on its
    version); weekday, day and year, the parts a wrong zone would change, are checked here.
    """
    label: str = page.evaluate(
        """iso => new Intl.DateTimeFormat('en-GB', {timeZone: 'UTC', weekday: 'short',
               day: 'numeric', month: 'short', year: 'numeric'})
             .format(new Date(iso + 'T12:00Z'))""",
        day.isoformat(),
    )
    assert label.startswith(f"{day:%a}, {day.day} ")
    assert label.endswith(f" {day.year}")
    return label


def bar_of(page: Page, component_id: str, day: str) -> Any:
    return page.locator(f"#bar-{component_id}-{day}")


def named(data: Summary, name: str) -> dict[str, Any]:
    """The component called ``name`` (without configuration, one per route, by its docstring)."""
    (found,) = (c for c in data["components"] if c["name"] == name)
    return found


def prepend_days(component: dict[str, Any], count: int) -> None:
    """Give the component's columnar history ``count`` earlier days, as a server that had
    recorded them would send (no requests; their states are set by the caller)."""
    history = component["history"]
    start = date.fromisoformat(history["start"]) - timedelta(days=count)
    history["start"] = start.isoformat()
    for column in ("requests", "failures", "client_errors"):
        history[column] = [0] * count + history[column]
    for column in ("uptime", "p50", "p95", "p99"):
        history[column] = [None] * count + history[column]
    history["coverage"] = [100.0] * count + history["coverage"]
    history["state"] = ["no_traffic"] * count + history["state"]
    history["incidents"] = [[day + count, incident] for day, incident in history["incidents"]]


def tooltip_lines(page: Page, bar: Any) -> list[str]:
    """Focus ``bar`` and read its tooltip, one entry per line."""
    bar.focus()
    tooltip = page.locator("#bar-tooltip")
    expect(tooltip).to_be_visible()
    return [line.strip() for line in tooltip.locator("strong, span").all_text_contents()]


def format_latency(ms: float) -> str:
    """frontend/src/model.js formatLatency for the values these tests meet (under 1 s)."""
    return "<1 ms" if ms < 1 else f"{round(ms)} ms"


def test_day_labels_are_days_of_the_server_zone_for_a_reader_elsewhere(
    make_app: MakeApp, live_server: LiveServerFactory, new_page: NewPage
) -> None:
    app = make_app(SERVER_STATUS_TIMEZONE=SERVER_ZONE)
    send_traffic(app)
    base = live_server(app)
    incident = Admin(base).call(
        "POST", "/incidents", {"title": "Slow checkout", "impact": "minor", "message": "Looking"}
    )
    today = datetime.now(ZoneInfo(SERVER_ZONE)).date()
    assert today != datetime.now(ZoneInfo(READER_ZONE)).date()

    page = new_page(timezone_id=READER_ZONE)
    wait_ready(page, f"{base}/status/")

    answer = summary(f"{base}/status/")
    assert answer["timezone"] == SERVER_ZONE
    users = named(answer, "Users")
    expect(page.locator("#days-zone")).to_have_text(f"Days in {SERVER_ZONE}")
    # Recording began today (of the server's zone): one bar, no empty days before it.
    assert answer["recording_since"] == today.isoformat()
    bars = page.locator(f"#component-{users['id']} .bars > li")
    expect(bars).to_have_count(1)
    expect(bars.last).to_have_id(f"bar-{users['id']}-{today.isoformat()}")
    expect(page.locator(f"#component-{users['id']} .axis-start")).to_have_text(
        f"Recording since {day_label(page, today)}"
    )
    # Today's minor incident makes the day degraded, whatever its uptime.
    assert users["history"]["state"][-1] == "degraded"
    # The app started seconds ago: for the rest of the day so far nothing reported.
    expect(bars.last).to_have_attribute(
        "aria-label",
        re.compile(
            re.escape(f"{day_label(page, today)}: Degraded, 100% uptime")
            + r"( while reporting, no data for [0-9.]+% of the day so far)?$"
        ),
    )
    assert tooltip_lines(page, bars.last)[0] == f"{day_label(page, today)} ({SERVER_ZONE})"

    # Times of events stay in the reader's zone, with the zone shown.
    started = datetime.fromisoformat(incident["started_at"].replace("Z", "+00:00"))
    local = started.astimezone(ZoneInfo(READER_ZONE))
    expect(page.locator(f"#incident-{incident['id']} .meta time")).to_have_text(
        f"{local.day} {local:%b %Y, %H:%M} GMT-11"
    )
    expect(page.locator("#updated")).to_contain_text(f"your time zone, {READER_ZONE} (GMT-11)")
    assert page.errors == []  # type: ignore[attr-defined]


def test_day_tooltip_gives_requests_failures_uptime_p95_and_incidents(
    make_app: MakeApp, live_server: LiveServerFactory, new_page: NewPage, artifacts: Path
) -> None:
    app = make_app()
    send_traffic(app, ok=3, failed=2)  # /orders today: 3 requests, 2 of them failed
    base = live_server(app)
    orders_route = by_rule(
        app, requests.get(f"{base}/status/api/routes", timeout=10).json()["routes"]
    )
    incident = Admin(base).call(
        "POST",
        "/incidents",
        {
            "title": "Orders failing",
            "impact": "major",
            "route_ids": [orders_route["/orders"]["id"]],
        },
    )
    answer = summary(f"{base}/status/")
    assert answer["timezone"] == "UTC"
    orders = named(answer, "Orders")
    today = days_of(answer, orders)[-1]
    assert today["incidents"] == [
        {"id": incident["id"], "title": incident["title"], "impact": incident["impact"]}
    ]

    def with_day_states(body: Summary) -> None:
        """Two earlier days, the day before yesterday without data, and a partial outage."""
        body["instances"] = {"reporting": 2}
        history = named(body, "Orders")["history"]
        prepend_days(named(body, "Orders"), 2)
        history["state"][-1] = "partial_outage"
        history["state"][-3] = "no_data"
        history["coverage"][-3] = 0.0

    page = new_page()
    serve_changed_summary(page, with_day_states)
    wait_ready(page, f"{base}/status/")

    assert today["requests"] == 3
    assert today["failures"] == 2
    assert today["latency_p95_ms"] is not None
    label = day_label(page, date.fromisoformat(today["date"]))
    lines = tooltip_lines(page, bar_of(page, orders["id"], today["date"]))
    # The app started minutes ago: for the rest of today (unless today is that young) no
    # instance reported, and the bar and the tooltip say so.
    partly = 0 < today["coverage"] < 100
    bar_classes = bar_of(page, orders["id"], today["date"]).get_attribute("class") or ""
    assert ("partial" in bar_classes.split()) is partly
    if partly:
        gap_line = lines.pop(5)
        assert gap_line.startswith("No data for ")
        assert gap_line.endswith("% of the day so far: no instance reported")
    assert lines == [
        f"{label} (UTC)",
        "Partial outage",
        # 1 of 3: truncated, never rounded up; of the time an instance reported
        "33.33% uptime" + (" while reporting" if partly else ""),
        "3 requests, 2 failed",
        "Latency "
        + ", ".join(
            f"{p} {format_latency(today[f'latency_{p}_ms'])}" for p in ("p50", "p95", "p99")
        ),
        "Major impact: Orders failing",
    ]

    quiet = (date.fromisoformat(today["date"]) - timedelta(days=1)).isoformat()
    assert tooltip_lines(page, bar_of(page, orders["id"], quiet)) == [
        f"{day_label(page, date.fromisoformat(quiet))} (UTC)",
        "No traffic",
        "Instances were reporting; no requests came in.",
        "No uptime without requests",
        "0 requests, 0 failed",
        "No incidents",
    ]
    gap = (date.fromisoformat(today["date"]) - timedelta(days=2)).isoformat()
    assert tooltip_lines(page, bar_of(page, orders["id"], gap)) == [
        f"{day_label(page, date.fromisoformat(gap))} (UTC)",
        "No data",
        "No instance of the service reported.",
        "No incidents",
    ]
    page.screenshot(path=artifacts / "status-day-tooltip.png")
    expect(page.locator("#instances")).to_have_text("2 instances reporting now")
    expect(page.locator(f"#component-{orders['id']} .axis-uptime")).to_have_text(
        "33.33% uptime · 1 day without data" + (" · 1 day partly without data" if partly else "")
    )
    assert page.errors == []  # type: ignore[attr-defined]


def test_no_traffic_and_no_data_days_differ_in_shape_from_each_other_and_from_up(
    make_app: MakeApp, live_server: LiveServerFactory, new_page: NewPage
) -> None:
    app = make_app()
    send_traffic(app)
    base = live_server(app)

    def idle_and_gap(body: Summary) -> None:
        for component in body["components"]:
            prepend_days(component, 4)
            history = component["history"]
            history["state"] = [
                "operational" if requests else ("no_data" if index % 2 else "no_traffic")
                for index, requests in enumerate(history["requests"])
            ]

    page = new_page()
    serve_changed_summary(page, idle_and_gap)
    wait_ready(page, f"{base}/status/")
    look = page.evaluate(
        """() => Object.fromEntries(['ok', 'idle', 'none'].map(tone => {
             const bar = document.querySelector(`.bars > li.tone-${tone}`);
             const style = getComputedStyle(bar);
             return [tone, {height: bar.offsetHeight, background: style.backgroundColor,
                            border: style.borderTopStyle, label: bar.getAttribute('aria-label')}];
           }))"""
    )
    assert look["idle"]["height"] < look["ok"]["height"]  # no traffic: short and solid
    assert look["idle"]["background"] != "rgba(0, 0, 0, 0)"
    assert look["idle"]["background"] != look["ok"]["background"]
    assert look["none"]["height"] == look["ok"]["height"]  # no data: full height,
    assert look["none"]["background"] == "rgba(0, 0, 0, 0)"  # hollow
    assert look["none"]["border"] == "dashed"  # and dashed
    assert look["idle"]["label"].endswith(": No traffic")
    assert look["none"]["label"].endswith(": No data")
    assert "100%" not in look["idle"]["label"] + look["none"]["label"]


def test_a_day_the_app_was_down_for_an_hour_is_partly_without_data(
    make_app: MakeApp, live_server: LiveServerFactory, new_page: NewPage, artifacts: Path
) -> None:
    app = make_app()
    today = bucket_start(utcnow(), "day")
    yesterday = today - timedelta(days=1)
    # Yesterday the app ran all day but from 10:00 to 11:00, when nothing ran at all.
    state = get_state(app)
    run_process(state, yesterday, yesterday + timedelta(hours=10), {"/orders": 10})
    run_process(state, yesterday + timedelta(hours=11), today, {"/orders": 10})
    base = live_server(app)
    data = summary(f"{base}/status/")
    orders = named(data, "Orders")
    day = next(d for d in days_of(data, orders) if d["date"] == yesterday.date().isoformat())
    # Every request answered succeeded; the hour without an instance has no requests to count.
    assert (day["requests"], day["uptime"], day["state"]) == (230, 100.0, "operational")
    assert day["coverage"] == 95.83

    page = new_page()
    wait_ready(page, f"{base}/status/")
    bar = bar_of(page, orders["id"], day["date"])
    assert "partial" in (bar.get_attribute("class") or "").split()
    expect(bar).to_have_attribute(
        "aria-label",
        f"{day_label(page, yesterday.date())}: Operational, 100% uptime while reporting, "
        "no data for 4.17% of the day",
    )
    lines = tooltip_lines(page, bar)
    assert "100% uptime while reporting" in lines
    assert "No data for 4.17% of the day: no instance reported" in lines
    # The bar's top is hollow and dashed, as a day without data is in full.
    cap = page.evaluate(
        """id => { const style = getComputedStyle(document.getElementById(id), '::before');
                   return {border: style.borderTopStyle, height: style.height}; }""",
        f"bar-{orders['id']}-{day['date']}",
    )
    assert cap["border"] == "dashed"
    assert float(cap["height"].removesuffix("px")) > 0
    page.screenshot(path=str(artifacts / "day-partly-without-data.png"))
    assert page.errors == []  # type: ignore[attr-defined]
