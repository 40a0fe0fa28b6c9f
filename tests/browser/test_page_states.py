"""The status page's states in real Chromium: empty, unavailable, stale, refreshed, hostile text."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from flask import Flask, Response
from playwright.sync_api import Page, Request, expect

from tests.browser.conftest import Admin, send_traffic, summary, wait_ready
from tests.server_status.summary_view import days_of
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.browser

NewPage = Callable[..., Page]
MakeApp = Callable[..., Flask]
LiveServerFactory = Callable[[Flask], str]

HOSTILE = (
    "\"'><script>window.__xss = 'script'</script>"
    "<img src=x onerror=\"window.__xss = 'img'\"> & \"quotes\" 'single'"
)


def test_empty_state_before_any_traffic(
    make_app: MakeApp, live_server: LiveServerFactory, new_page: NewPage, artifacts: Path
) -> None:
    page = new_page()
    wait_ready(page, f"{live_server(make_app())}/status/")

    expect(page.locator("#components-empty")).to_be_visible()
    expect(page.locator("#components-empty")).to_contain_text("No components yet")
    expect(page.locator("#component-list > li")).to_have_count(0)
    expect(page.locator("#days")).to_be_hidden()
    expect(page.locator("#overall-heading")).to_have_text("No data yet")
    expect(page.locator("#overall .icon")).to_have_text("\u2013")  # the "no data" glyph, an en dash
    expect(page.locator("#past-empty")).to_be_visible()
    expect(page.locator("#active-incidents")).to_be_hidden()
    assert page.errors == []  # type: ignore[attr-defined]
    page.screenshot(path=artifacts / "status-empty.png")


def test_unavailable_state_when_the_api_fails_from_the_start(
    make_app: MakeApp,
    live_server: LiveServerFactory,
    new_page: NewPage,
    closed_port_url: str,
    artifacts: Path,
) -> None:
    # The page itself is served, but the status database cannot be reached: the API says 503.
    port = urlsplit(closed_port_url).port
    app = make_app(SERVER_STATUS_DATABASE_URI=f"postgresql+psycopg://postgres@127.0.0.1:{port}/x")
    page = new_page()
    page.goto(f"{live_server(app)}/status/")
    page.wait_for_selector("body[data-state=error]", timeout=15_000)

    notice = page.locator("#notice")
    expect(notice).to_be_visible()
    expect(notice).to_have_attribute("role", "status")
    # Whole sentences: the server's reason closed with a full stop, then the retry.
    expect(notice).to_have_text(
        "The status service answered 503: the status database is unavailable; try again "
        "shortly. The page tries again every 60 seconds."
    )
    # One heading says it, and nothing the page did not load is stated.
    expect(page.locator("#overall-heading")).to_have_text("Status unavailable")
    expect(page.get_by_text("Status unavailable")).to_have_count(1)
    expect(page.get_by_text("No incidents")).to_be_hidden()
    for section in ("components", "past-incidents", "active-incidents", "maintenance"):
        expect(page.locator(f"#{section}")).to_be_hidden()
    expect(page.locator("#updated")).to_have_text("No status data has been loaded.")
    visible_text = page.locator("main").inner_text()
    assert "No traffic recorded" not in visible_text
    assert "Operational" not in visible_text
    assert page.errors == []  # type: ignore[attr-defined]
    page.screenshot(path=artifacts / "status-unavailable.png")


def test_stale_state_keeps_the_last_data_when_the_server_goes_away(
    make_app: MakeApp, new_page: NewPage, artifacts: Path
) -> None:
    app = make_app(SERVER_STATUS_PAGE_REFRESH_SECONDS=1)
    send_traffic(app)
    server = LiveServer(app)
    page_url = f"{server.start()}/status/"
    try:
        page = new_page()
        wait_ready(page, page_url)
        rows_before = page.locator("#component-list > li").all_text_contents()
        banner_before = page.locator("#overall-heading").text_content()
        generated = page.locator("#updated time").get_attribute("datetime")
    finally:
        server.stop()

    page.wait_for_selector("body[data-state=stale]", timeout=15_000)
    notice = page.locator("#notice")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text(
        re.compile(
            r"^Live updates paused\. The status service could not be reached\. "
            r"Showing data from less than a minute ago \(.+\)\. "
            r"The page tries again every second\.$"
        )
    )
    expect(notice.locator("time")).to_have_attribute("datetime", generated or "")
    assert page.locator("#component-list > li").all_text_contents() == rows_before
    expect(page.locator("#overall-heading")).to_have_text(banner_before or "")
    page.screenshot(path=artifacts / "status-stale.png")


def test_stale_state_tells_how_old_the_data_it_still_shows_is(
    make_app: MakeApp, new_page: NewPage
) -> None:
    # Refresh every 60 s (the default). The page's clock is Playwright's: after the server is
    # gone, jumping 3 minutes ahead fires the due refresh, which fails.
    app = make_app()
    send_traffic(app)
    server = LiveServer(app)
    page_url = f"{server.start()}/status/"
    try:
        page = new_page()
        page.clock.install()
        wait_ready(page, page_url)
    finally:
        server.stop()

    page.clock.fast_forward("03:00")
    page.wait_for_selector("body[data-state=stale]", timeout=15_000)
    expect(page.locator("#notice")).to_contain_text("Showing data from 3 minutes ago (")
    expect(page.locator("#notice")).to_contain_text("The page tries again every 60 seconds.")
    expect(page.locator("#component-list > li")).to_have_count(2)
    assert page.errors == []  # type: ignore[attr-defined]


def test_server_text_renders_as_text_and_never_runs(
    make_app: MakeApp, live_server: LiveServerFactory, new_page: NewPage
) -> None:
    app = make_app(SERVER_STATUS_PAGE_TITLE=HOSTILE)
    send_traffic(app)
    base = live_server(app)
    admin = Admin(base)
    admin.call(
        "PUT", "/configure", {"rule": "/users/<int:user_id>", "name": HOSTILE, "doc": HOSTILE}
    )
    route_ids = [
        route["id"]
        for route in requests.get(f"{base}/status/api/routes", timeout=10).json()["routes"]
    ]
    incident = admin.call(
        "POST",
        "/incidents",
        {"title": HOSTILE, "impact": "major", "route_ids": route_ids, "message": HOSTILE},
    )
    admin.call(
        "POST", f"/incidents/{incident['id']}/updates", {"status": "identified", "message": HOSTILE}
    )
    start = datetime.now(UTC) + timedelta(hours=1)
    admin.call(
        "POST",
        "/maintenance",
        {
            "title": HOSTILE,
            "description": HOSTILE,
            "starts_at": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "ends_at": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
    )

    page = new_page()
    wait_ready(page, f"{base}/status/")

    assert HOSTILE in page.locator(".component-name").all_text_contents()
    assert HOSTILE in page.locator(".component-description").all_text_contents()
    expect(page.locator("#active-list .card-title")).to_have_text(HOSTILE)
    assert page.locator("#active-list .timeline-message").all_text_contents() == [HOSTILE, HOSTILE]
    expect(page.locator("#maintenance-list .card-title")).to_have_text(HOSTILE)
    expect(page.locator("#maintenance-list .card-text")).to_have_text(HOSTILE)
    expect(page.locator("#page-title")).to_have_text(f"{HOSTILE} status")
    # Nothing was parsed as markup and nothing ran.
    assert page.locator("body img, body script").count() == 0
    assert page.evaluate("() => window.__xss") is None
    assert page.errors == []  # type: ignore[attr-defined]


def test_auto_refresh_picks_up_new_data_and_keeps_focus_and_scroll(
    make_app: MakeApp, live_server: LiveServerFactory, new_page: NewPage
) -> None:
    app = make_app(SERVER_STATUS_PAGE_REFRESH_SECONDS=1)
    send_traffic(app, ok=5, failed=0)
    base = live_server(app)
    page = new_page(viewport={"width": 900, "height": 420})
    refreshes: list[str] = []

    def count_refresh(request: Request) -> None:
        if "/api/summary" in request.url:
            refreshes.append(request.url)

    page.on("request", count_refresh)
    wait_ready(page, f"{base}/status/")
    data = summary(f"{base}/status/")
    (users,) = (c for c in data["components"] if c["name"] == "Users")
    today = days_of(data, users)[-1]["date"]
    bar_id = f"bar-{users['id']}-{today}"

    # Put the reader somewhere: focus today's bar of Users, scroll a bit past it, mark the node.
    page.focus(f"#{bar_id}")
    page.evaluate("() => { window.scrollTo(0, 150); document.activeElement.__marker = 'kept'; }")
    scroll_before = page.evaluate("() => window.scrollY")
    assert scroll_before == 150
    expect(page.locator("#bar-tooltip")).to_be_visible()
    expect(page.locator("#bar-tooltip")).to_contain_text("5 requests")

    Admin(base).call(
        "PUT", "/configure", {"rule": "/users/<int:user_id>", "name": "People", "doc": "Renamed"}
    )
    send_traffic(app, ok=7, failed=0)

    expect(page.locator(f"#component-{users['id']}-name")).to_have_text("People", timeout=10_000)
    expect(page.locator("#bar-tooltip")).to_contain_text("12 requests")
    assert len(refreshes) >= 2
    assert page.evaluate("() => document.activeElement.id") == bar_id
    assert page.evaluate("() => document.activeElement.__marker") == "kept"
    assert page.evaluate("() => window.scrollY") == scroll_before
    expect(page.locator("#notice")).to_be_hidden()


STRICT_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def test_page_runs_under_a_strict_content_security_policy(
    make_app: MakeApp, live_server: LiveServerFactory, new_page: NewPage
) -> None:
    # No inline script or style, no eval: a host app may serve the page with a strict policy.
    app = make_app()

    @app.after_request
    def strict_policy(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = STRICT_CSP
        return response

    send_traffic(app)

    page = new_page()
    page.add_init_script(
        "window.__violations = [];"
        "document.addEventListener('securitypolicyviolation',"
        " e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    wait_ready(page, f"{live_server(app)}/status/")
    page.locator(".bars > li[tabindex='0']").first.focus()
    expect(page.locator("#bar-tooltip")).to_be_visible()

    expect(page.locator("#component-list > li")).to_have_count(2)
    assert page.evaluate("() => window.__violations") == []
    assert page.errors == []  # type: ignore[attr-defined]


def test_a_hidden_tab_stops_polling_until_shown_again(
    make_app: MakeApp, live_server: LiveServerFactory, new_page: NewPage
) -> None:
    app = make_app(SERVER_STATUS_PAGE_REFRESH_SECONDS=1)
    send_traffic(app)
    page = new_page()
    # Page Visibility as the browser reports it for a background tab, switched by the test.
    page.add_init_script(
        "window.__hidden = false;"
        "Object.defineProperty(document, 'hidden', { get: () => window.__hidden });"
        "Object.defineProperty(document, 'visibilityState',"
        " { get: () => (window.__hidden ? 'hidden' : 'visible') });"
    )
    loads: list[str] = []

    def count_load(request: Request) -> None:
        if "/api/summary" in request.url:
            loads.append(request.url)

    page.on("request", count_load)
    wait_ready(page, f"{live_server(app)}/status/")
    page.wait_for_timeout(1500)
    assert len(loads) >= 2, "a visible page polls every refresh_seconds"

    page.evaluate("() => { window.__hidden = true; }")
    page.wait_for_timeout(1200)  # a load already started may still finish
    hidden_from = len(loads)
    page.wait_for_timeout(3000)
    assert len(loads) == hidden_from, "a hidden page does not poll"

    page.evaluate(
        "() => { window.__hidden = false; document.dispatchEvent(new Event('visibilitychange')); }"
    )
    page.wait_for_timeout(1500)
    assert len(loads) > hidden_from, "a page shown again polls again"


def test_without_javascript_the_page_shows_banner_components_and_incidents(
    make_app: MakeApp, live_server: LiveServerFactory, new_page: NewPage, artifacts: Path
) -> None:
    """The server's first paint: what a reader without JavaScript (or before it ran) sees."""
    app = make_app()
    send_traffic(app)
    base = live_server(app)
    incident = Admin(base).call(
        "POST", "/incidents", {"title": "Orders are slow", "impact": "minor", "message": "Looking"}
    )
    page = new_page(java_script_enabled=False)
    page.goto(f"{base}/status/")
    expect(page).to_have_title("Acme Shop status: Degraded performance")
    expect(page.locator("#overall-heading")).to_have_text("Degraded performance")
    expect(page.get_by_role("region", name="Components")).to_be_visible()
    names = page.locator("#component-list .component-name").all_text_contents()
    assert sorted(names) == ["Orders", "Users"]
    expect(page.locator("#component-list .component-state").first).to_be_visible()
    expect(page.locator("#component-list dd").first).to_have_text(re.compile(r"^[0-9.]+%$"))
    card = page.locator("#active-list > li")
    expect(card).to_have_count(1)
    expect(card.locator(".card-title")).to_have_text(incident["title"])
    expect(card).to_contain_text("Minor impact")
    expect(card).to_contain_text("Affects All components")
    expect(page.locator("#updated")).to_contain_text("As of ")
    page.screenshot(path=str(artifacts / "status-without-javascript.png"))
    # All of it came from the server: the script never ran.
    expect(page.locator("body")).to_have_attribute("data-state", "loading")
    assert page.errors == []  # type: ignore[attr-defined]
