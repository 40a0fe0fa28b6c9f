"""The seeded status page in real Chromium: rows, bars, tooltips, incidents, zones, themes, axe."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
from flask import Flask
from playwright.sync_api import Page, expect
from werkzeug.exceptions import NotFound
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from tests.browser.conftest import AXE_SCRIPT, send_traffic, summary, wait_ready
from tests.server_status.summary_view import days_of

pytestmark = pytest.mark.browser

NewPage = Callable[..., Page]

ROUTE_LABELS = {
    "operational": "Operational",
    "degraded": "Degraded",
    "outage": "Outage",
    "maintenance": "Maintenance",
    "no_traffic": "No traffic",
    "no_data": "No data",
}


UPTIME_TEXT = re.compile(r"^(100|\d{1,2}\.\d\d)%$")


DAY_STATE_TONES = {
    "operational": "ok",
    "degraded": "warn",
    "partial_outage": "bad",
    "major_outage": "bad",
    "maintenance": "maint",
    "no_traffic": "idle",
    "no_data": "none",
}


def day_tone(day: dict[str, Any]) -> str:
    """The tone the page must give a day: the rule of frontend/src/model.js, stated again.

    The server's ``state`` when it sends one, else the day's failure rate.
    """
    if day.get("state") in DAY_STATE_TONES:
        return DAY_STATE_TONES[day["state"]]
    served, failures = day["requests"], day["failures"]
    if not served:
        return "none"
    if failures * 1000 <= served:  # uptime of 99.9% and more
        return "ok"
    return "warn" if failures * 1000 <= served * 50 else "bad"


def test_rows_and_bars_follow_the_api(seeded_page_url: str, new_page: NewPage) -> None:
    data = summary(seeded_page_url)
    page = new_page()
    wait_ready(page, seeded_page_url)

    expect(page).to_have_title(f"{data['page']['title']} status: {data['status']['description']}")
    expect(page.locator("#overall-heading")).to_have_text(data["status"]["description"])
    rows = page.locator("#component-list > li")
    expect(rows).to_have_count(len(data["components"]))
    assert rows.evaluate_all("rows => rows.map(r => r.id)") == [
        f"component-{component['id']}" for component in data["components"]
    ]
    for component in data["components"]:
        row = page.locator(f"#component-{component['id']}")
        expect(row.locator(".component-name")).to_have_text(component["name"])
        expect(row.locator("code")).to_have_count(0)  # no URL rule on the public page
        expect(row.locator(".component-state")).to_have_text(
            re.compile(rf"^.{re.escape(ROUTE_LABELS[component['status']])}$")
        )
        expect(row.locator(".bars > li")).to_have_count(90)
        expect(row.locator("[data-window='24h']")).to_have_text(
            "No data" if component["uptime"]["24h"] is None else UPTIME_TEXT
        )
    # Every bar's tone is the one its day's counts call for.
    shown = Counter(page.locator(".bars > li").evaluate_all("bars => bars.map(b => b.className)"))
    expected = Counter(
        f"bar tone-{day_tone(d)}" for c in data["components"] for d in days_of(data, c)
    )
    assert shown == expected
    assert set(expected) >= {"bar tone-ok", "bar tone-warn", "bar tone-none"}, "varied seed"
    expect(page.locator("#days-zone")).to_have_text(f"Days in {data.get('timezone', 'UTC')}")
    if "instances" not in data:
        expect(page.locator("#instances")).to_be_hidden()
    assert page.errors == []  # type: ignore[attr-defined]


def test_states_differ_in_shape_not_only_in_colour(seeded_page_url: str, new_page: NewPage) -> None:
    page = new_page()
    wait_ready(page, seeded_page_url)
    look = page.evaluate(
        """() => Object.fromEntries(['ok', 'warn', 'none'].map(tone => {
             const bar = document.querySelector(`.bars > li.tone-${tone}`);
             const style = getComputedStyle(bar);
             return [tone, {image: style.backgroundImage, height: bar.offsetHeight,
                            background: style.backgroundColor, border: style.borderTopStyle}];
           }))"""
    )
    assert look["ok"]["image"] == "none"
    assert "repeating-linear-gradient" in look["warn"]["image"]  # striped
    assert look["none"]["background"] == "rgba(0, 0, 0, 0)"  # without requests: hollow
    assert look["none"]["border"] == "dashed"  # and dashed
    # Route and overall states carry a glyph in a shaped icon next to their words.
    shapes = page.evaluate(
        """() => [...document.querySelectorAll('.state .icon, #overall .icon')].map(icon => {
             const style = getComputedStyle(icon);
             return [icon.textContent, style.clipPath, style.borderRadius];
           })"""
    )
    glyph_shapes = {glyph: (clip, radius) for glyph, clip, radius in shapes}
    assert glyph_shapes["\u2713"] == ("none", "50%")  # operational: a circle with a check
    assert glyph_shapes["!"][0].startswith("polygon")  # degraded: a triangle


def test_landmarks_and_headings_structure_the_page(seeded_page_url: str, new_page: NewPage) -> None:
    page = new_page()
    wait_ready(page, seeded_page_url)
    expect(page.get_by_role("banner")).to_have_count(1)
    expect(page.get_by_role("main")).to_have_count(1)
    expect(page.get_by_role("contentinfo")).to_have_count(1)
    expect(page.get_by_role("navigation", name="Follow this status")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Acme Shop status")
    for name in ("Active incidents", "Components", "Past incidents", "Scheduled maintenance"):
        expect(page.get_by_role("heading", level=2, name=name)).to_be_visible()
    expect(page.get_by_role("heading", level=3)).not_to_have_count(0)
    expect(page.get_by_role("region", name="Components")).to_be_visible()
    # The skip link leads keyboard users past the header to the components.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to components")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#components-heading")).to_be_focused()


def test_period_control_switches_between_30_60_and_90_days(
    seeded_page_url: str, new_page: NewPage
) -> None:
    page = new_page()
    wait_ready(page, seeded_page_url)
    first_bars = page.locator("#component-list > li").first.locator(".bars > li")
    expect(first_bars).to_have_count(90)

    page.get_by_text("30 days", exact=True).click()
    expect(first_bars).to_have_count(30)
    assert page.url.endswith("?days=30")
    expect(page.locator("#component-list > li").first.locator(".axis-start")).to_have_text(
        "30 days ago"
    )

    # The choice is in the URL, so a reload or a shared link keeps it.
    page.reload()
    page.wait_for_selector("body[data-state=ready]")
    expect(first_bars).to_have_count(30)
    expect(page.locator("#days-30")).to_be_checked()

    page.locator("#days-30").focus()
    page.keyboard.press("ArrowRight")  # radio group: the keyboard picks 60 days
    expect(first_bars).to_have_count(60)
    assert page.url.endswith("?days=60")


def test_bar_tooltips_open_on_keyboard_focus_and_on_hover(
    seeded_page_url: str, new_page: NewPage
) -> None:
    page = new_page()
    wait_ready(page, seeded_page_url)
    tooltip = page.locator("#bar-tooltip")
    expect(tooltip).to_be_hidden()

    # Tab from the top of the page until a bar has focus: bars are reachable by keyboard.
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.matches('.bars > li')"):
            break
    focused = page.evaluate("() => document.activeElement.id")
    assert focused.startswith("bar-"), f"no bar reached by Tab, focus on {focused!r}"
    expect(tooltip).to_be_visible()
    expect(tooltip).to_have_attribute("role", "tooltip")
    expect(page.locator(f"#{focused}")).to_have_attribute("aria-describedby", "bar-tooltip")
    today = _date_of(focused)
    zone = summary(seeded_page_url).get("timezone", "UTC")
    expect(tooltip.locator("strong")).to_have_text(_tip_title(page, focused, zone))

    page.keyboard.press("ArrowLeft")
    previous = page.evaluate("() => document.activeElement.id")
    assert _date_of(previous) < today
    expect(tooltip.locator("strong")).to_have_text(_tip_title(page, previous, zone))
    expect(page.locator(f"#{focused}")).not_to_have_attribute("aria-describedby", "bar-tooltip")
    # One Tab stop per row: the roving stop moved with the arrow key.
    assert page.locator(f"#{previous}").get_attribute("tabindex") == "0"
    assert page.locator(f"#{focused}").get_attribute("tabindex") == "-1"

    page.keyboard.press("Escape")
    expect(tooltip).to_be_hidden()

    hovered = page.locator("#component-list > li").nth(1).locator(".bars > li").nth(10)
    hovered.hover()
    expect(tooltip).to_be_visible()
    hovered_id = hovered.get_attribute("id") or ""
    expect(tooltip.locator("strong")).to_have_text(_tip_title(page, hovered_id, zone))
    bar_box, tip_box = hovered.bounding_box(), tooltip.bounding_box()
    assert bar_box
    assert tip_box
    assert tip_box["y"] + tip_box["height"] <= bar_box["y"] or tip_box["y"] >= bar_box["y"]


def _date_of(bar_id: str) -> str:
    return bar_id[-10:]


def _tip_title(page: Page, bar_id: str, zone: str) -> str:
    """The tooltip title a bar must get: the day its own label names, and the days' zone."""
    label = page.locator(f"#{bar_id}").get_attribute("aria-label") or ""
    return f"{label.split(':')[0]} ({zone})"


def test_incidents_show_their_timeline_and_maintenance_its_window(
    seeded_page_url: str, new_page: NewPage
) -> None:
    data = summary(seeded_page_url)
    assert data["incidents"]["active"], "the seed has an open incident"
    assert data["incidents"]["recent"], "the seed has resolved incidents"
    page = new_page()
    wait_ready(page, seeded_page_url)

    for incident in data["incidents"]["active"]:
        card = page.locator(f"#incident-{incident['id']}")
        expect(card.locator(".card-title")).to_have_text(incident["title"])
        items = card.locator(".timeline > li")
        expect(items).to_have_count(len(incident["updates"]))
        # Newest first.
        newest = incident["updates"][-1]
        expect(items.first.locator(".timeline-message")).to_have_text(newest["message"])
        expect(items.first.locator("time")).to_have_attribute("datetime", newest["created_at"])

    past = data["incidents"]["recent"][0]
    summary_line = page.locator(f"#past-incident-{past['id']}")
    body = page.locator(f"#past-incident-{past['id']} + .details-body")
    expect(summary_line).to_contain_text(past["title"])
    expect(body).to_be_hidden()
    summary_line.click()
    expect(body).to_be_visible()
    expect(body.locator(".timeline > li")).to_have_count(len(past["updates"]))
    expect(body.locator(".meta")).to_contain_text("Resolved")

    windows = data["maintenance"]["active"] + data["maintenance"]["upcoming"]
    assert windows, "seed has maintenance"
    titles = page.locator("#maintenance-list .card-title")
    expect(titles).to_have_text([w["title"] for w in windows])
    expect(page.locator("#maintenance-list time").first).to_have_attribute(
        "datetime", windows[0]["starts_at"]
    )


def _zone_short_name(local: datetime) -> str:
    """The short zone name Chromium's ICU gives under en-GB: CET/CEST, else GMT-5 style."""
    name = local.tzname() or ""
    if name in ("CET", "CEST"):
        return name
    offset = local.utcoffset()
    assert offset is not None
    return f"GMT{int(offset.total_seconds() // 3600):+d}"


@pytest.mark.parametrize("zone", ["Europe/Berlin", "America/New_York"])
def test_times_are_shown_in_the_reader_zone_with_the_zone_named(
    seeded_page_url: str, new_page: NewPage, zone: str
) -> None:
    page = new_page(timezone_id=zone)
    wait_ready(page, seeded_page_url)
    generated = page.locator("#updated time").get_attribute("datetime") or ""
    local = datetime.fromisoformat(generated.replace("Z", "+00:00")).astimezone(ZoneInfo(zone))
    expect(page.locator("#updated time")).to_contain_text(f"{local:%H:%M:%S}")
    expect(page.locator("#updated")).to_contain_text(
        f"your time zone, {zone} ({_zone_short_name(local)})"
    )


def test_light_and_dark_themes_follow_the_system_with_screenshots(
    seeded_page_url: str, new_page: NewPage, artifacts: Path
) -> None:
    page = new_page(color_scheme="light")
    wait_ready(page, seeded_page_url)
    background = "() => getComputedStyle(document.body).backgroundColor"
    icon = "() => document.querySelector('link[rel=icon]').href"
    assert page.evaluate(background) == "rgb(246, 247, 249)"
    assert page.evaluate("() => document.documentElement.dataset.theme") == "light"
    light_icon = page.evaluate(icon)
    page.screenshot(path=artifacts / "status-light.png", full_page=True)

    page.emulate_media(color_scheme="dark")
    assert page.evaluate(background) == "rgb(14, 17, 22)"
    page.wait_for_function("() => document.documentElement.dataset.theme === 'dark'")
    assert page.evaluate(icon) != light_icon, "the tab icon is redrawn in the dark palette"
    page.screenshot(path=artifacts / "status-dark.png", full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=artifacts / "status-dark-narrow.png", full_page=False)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_serious_or_critical_violations(
    seeded_page_url: str, new_page: NewPage, scheme: str
) -> None:
    if not AXE_SCRIPT.exists():
        pytest.fail(f"{AXE_SCRIPT} is missing; run `npm ci` in frontend/ (nox -s frontend)")
    # The page's Content-Security-Policy forbids injected scripts; axe is one.
    page = new_page(color_scheme=scheme, bypass_csp=True)
    wait_ready(page, seeded_page_url)
    page.locator("#component-list .bars > li[tabindex='0']").first.focus()  # with a tooltip open
    page.locator("#past-list summary").first.click()  # and an incident opened
    page.add_script_tag(path=str(AXE_SCRIPT))
    results = page.evaluate("() => axe.run(document, { resultTypes: ['violations'] })")
    serious = [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"][:3]]}
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], json.dumps(serious, indent=1)


def test_page_works_under_a_prefix_behind_a_proxy_sub_path(
    make_app: Callable[..., Flask], live_server: Callable[[Flask], str], new_page: NewPage
) -> None:
    app = make_app(url_prefix="/ops/status")
    send_traffic(app)
    # Mounted at /proxy like a reverse proxy passing SCRIPT_NAME.
    app.wsgi_app = DispatcherMiddleware(NotFound(), {"/proxy": app.wsgi_app})  # type: ignore[method-assign]
    page = new_page()
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    base = live_server(app)
    wait_ready(page, f"{base}/proxy/ops/status/")

    expect(page.locator("#component-list > li")).to_have_count(2)
    paths = {url.removeprefix(base).split("?")[0] for url in requested}
    assert {
        "/proxy/ops/status/static/status.js",
        "/proxy/ops/status/static/status.css",
        "/proxy/ops/status/api/summary",
    } <= paths
    feed = page.locator("#feed-link").get_attribute("href") or ""
    badge = page.locator("#component-list .badge-link").first.get_attribute("href") or ""
    assert feed == f"{base}/proxy/ops/status/feed.atom"
    assert badge.startswith(f"{base}/proxy/ops/status/badges/")
    # The links lead to the feed and the badge, through the same sub-path.
    assert "atom" in requests.get(feed, timeout=10).headers["Content-Type"]
    assert requests.get(badge, timeout=10).headers["Content-Type"].startswith("image/svg+xml")
