"""Components in the public answers: chosen routes summed, the rest hidden, rules private.

Traffic is counted into the real aggregate and written by the real flush; the
expected figures are recounted here from the requests themselves (counts
summed, percentiles of the pooled latencies), never read back from the code
under test.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

import pytest
from flask import Flask

from flask_server_status import get_state, latency, reports
from flask_server_status.aggregate import FAILURES, SUCCESSES
from flask_server_status.clock import minute_of, utcnow
from flask_server_status.incidents import create_incident
from flask_server_status.reports.statistics import round_ms, uptime_percent
from flask_server_status.reports.statuspage_v2 import ANSWERS
from tests.server_status.api.contract import ContractClient
from tests.server_status.summary_view import by_rule, component_of, days_of, route_id

MakeApp = Callable[..., Flask]

COMPONENTS = [
    {
        "name": "Accounts",
        "description": "Sign-in and profiles",
        "group": "Shop",
        "endpoints": ["user"],
    },
    {"id": "catalogue", "name": "Catalogue", "group": "Shop", "rules": ["/items", "/sl*"]},
    {"name": "Home", "endpoints": ["index"]},
]

#: rule -> (successes, failures, latency of each success in ms, of each failure)
TRAFFIC: dict[str, tuple[int, int, float, float]] = {
    "/user/<int:id>": (40, 10, 10.0, 200.0),
    "/items": (30, 0, 5.0, 0.0),
    "/slow": (20, 5, 900.0, 1500.0),
    "/": (7, 0, 2.0, 0.0),
    "/boom": (0, 3, 0.0, 30.0),  # in no component
}


def count(app: Flask, rules: Iterable[str] = TRAFFIC) -> datetime:
    """Count :data:`TRAFFIC` of ``rules`` in this minute and flush it; the moment read."""
    state = get_state(app)
    now = utcnow()
    for rule in rules:
        successes, failures, success_ms, failure_ms = TRAFFIC[rule]
        for _ in range(successes):
            state.aggregate.add(rule, minute_of(now), SUCCESSES, success_ms)
        for _ in range(failures):
            state.aggregate.add(rule, minute_of(now), FAILURES, failure_ms)
    assert state.flush()
    return now


def pooled_percentiles(rules: Iterable[str]) -> dict[str, float | None]:
    """p50, p95 and p99 of every request of ``rules``, from a histogram built here."""
    histogram: dict[int, int] = {}
    for rule in rules:
        successes, failures, success_ms, failure_ms = TRAFFIC[rule]
        for ms, times in ((success_ms, successes), (failure_ms, failures)):
            if times:
                index = latency.index_of(ms)
                histogram[index] = histogram.get(index, 0) + times
    return {
        name: round_ms(latency.percentile(histogram, percent))
        for name, percent in latency.PERCENTILES.items()
    }


def open_incident(app: Flask, title: str, impact: str, rule: str, now: datetime) -> int:
    """A manual incident naming the route of ``rule``, opened at ``now``."""
    with get_state(app).engine.begin() as conn:
        return create_incident(
            conn,
            title=title,
            status="investigating",
            impact=impact,
            route_ids=[route_id(app, rule)],
            message="",
            started_at=now,
            now=now,
        )


def summary_of(app: Flask) -> dict[str, Any]:
    return ContractClient(app.test_client()).get("/status/api/summary?days=7").get_json()


def test_a_component_is_the_sum_of_the_routes_it_selects(make_app: MakeApp) -> None:
    app = make_app(SERVER_STATUS_COMPONENTS=COMPONENTS)
    count(app)
    summary = summary_of(app)
    assert [c["id"] for c in summary["components"]] == ["accounts", "catalogue", "home"]
    assert summary["components_truncated"] == 0
    catalogue = component_of(summary, "catalogue")
    members = ("/items", "/slow")
    requests = sum(TRAFFIC[rule][0] + TRAFFIC[rule][1] for rule in members)
    failures = sum(TRAFFIC[rule][1] for rule in members)
    assert catalogue["requests_24h"] == requests == 55
    assert catalogue["uptime"]["24h"] == uptime_percent(requests, failures)
    assert catalogue["latency_ms"] == pooled_percentiles(members)
    (today,) = days_of(summary, catalogue)
    assert (today["requests"], today["failures"]) == (requests, failures)
    assert {today[f"latency_{name}_ms"] for name in ("p50", "p95", "p99")} == set(
        pooled_percentiles(members).values()
    )
    # The same sums as the member routes' own answers.
    state = get_state(app)
    routes = [
        reports.route_detail(state.engine, state.settings, route_id(app, rule), days=None)
        for rule in members
    ]
    assert catalogue["requests_24h"] == sum(route["requests_24h"] for route in routes if route)
    accounts = component_of(summary, "accounts")
    assert (accounts["name"], accounts["description"]) == ("Accounts", "Sign-in and profiles")
    assert accounts["latency_ms"] == pooled_percentiles(["/user/<int:id>"])
    assert summary["groups"] == [
        {"id": "shop", "name": "Shop", "component_ids": ["accounts", "catalogue"]}
    ]
    assert component_of(summary, "home")["group_id"] is None


def test_routes_in_no_component_are_hidden_or_shown_as_other(make_app: MakeApp) -> None:
    hidden = make_app(SERVER_STATUS_COMPONENTS=COMPONENTS)
    count(hidden)
    assert "other" not in [c["id"] for c in summary_of(hidden)["components"]]
    # The same stored traffic, read by an app that shows the rest as "Other".
    shown = make_app(SERVER_STATUS_COMPONENTS=COMPONENTS, SERVER_STATUS_OTHER_COMPONENT=True)
    other = summary_of(shown)["components"][-1]
    assert (other["id"], other["name"], other["requests_24h"]) == ("other", "Other", 3)
    assert other["uptime"]["24h"] == 0.0
    listed = ContractClient(shown.test_client()).get("/status/api/components/other").get_json()
    rest = ("/moved", "/missing", "/fail", "/boom")  # the sample app's routes no one selects
    assert {route["id"] for route in listed["routes"]} == {route_id(shown, rule) for rule in rest}


def test_without_configuration_each_route_is_a_component(make_app: MakeApp) -> None:
    app = make_app()
    count(app, ["/user/<int:id>", "/items"])
    summary = summary_of(app)
    user = component_of(summary, f"route-{route_id(app, '/user/<int:id>')}")
    assert (user["name"], user["requests_24h"]) == ("user", 50)
    assert user["latency_ms"] == pooled_percentiles(["/user/<int:id>"])


def test_a_page_limit_leaves_components_out_and_says_how_many(make_app: MakeApp) -> None:
    app = make_app(SERVER_STATUS_COMPONENTS=COMPONENTS, SERVER_STATUS_PAGE_MAX_COMPONENTS=2)
    count(app)
    summary = summary_of(app)
    assert [c["id"] for c in summary["components"]] == ["accounts", "catalogue"]
    assert summary["components_truncated"] == 1
    everything = ContractClient(app.test_client()).get("/status/api/components").get_json()
    assert [c["id"] for c in everything["components"]] == ["accounts", "catalogue", "home"]
    assert (everything["total"], everything["pages"]) == (3, 1)


def test_an_incident_on_a_route_concerns_its_component(make_app: MakeApp) -> None:
    app = make_app(SERVER_STATUS_COMPONENTS=COMPONENTS)
    now = count(app, ["/items", "/"])  # no failures: no automatic incident
    incident_id = open_incident(app, "Slow pages time out", "major", "/items", now)
    summary = summary_of(app)
    statuses = {c["id"]: c["status"] for c in summary["components"]}
    assert statuses == {"accounts": "no_data", "catalogue": "outage", "home": "operational"}
    (active,) = summary["incidents"]["active"]
    assert active["component_ids"] == ["catalogue"]
    catalogue = component_of(summary, "catalogue")
    last = len(catalogue["history"]["requests"]) - 1
    assert catalogue["history"]["incidents"] == [[last, incident_id]]
    assert catalogue["history"]["state"][-1] == "major_outage"
    assert component_of(summary, "home")["history"]["incidents"] == []
    assert summary["incidents"]["referenced"] == {
        str(incident_id): {"title": "Slow pages time out", "impact": "major"}
    }
    assert summary["status"]["indicator"] == "partial_outage"


#: Every public GET a reader can make, with the route and component ids filled in.
PUBLIC_URLS = (
    "/status/api/summary",
    "/status/api/status",
    "/status/api/routes",
    "/status/api/routes/{route}?days=2",
    "/status/api/components",
    "/status/api/components/{component}?days=2",
    "/status/api/incidents",
    "/status/api/maintenance",
    "/status/feed.atom",
    "/status/badge.svg",
    "/status/badges/{route}/uptime.svg",
    "/status/badges/components/{component}/uptime.svg",
    *(f"/status/api/v2/{name}" for name in ANSWERS),
)


def public_text(app: Flask) -> str:
    """Every public answer's body, unescaped (HTML, XML and JSON escapes alike)."""
    client = app.test_client()
    route = route_id(app, "/user/<int:id>")
    component = client.get("/status/api/summary").get_json()["components"][0]["id"]
    bodies = []
    for url in PUBLIC_URLS:
        response = client.get(url.format(route=route, component=component))
        assert response.status_code == 200, url
        bodies.append(html.unescape(response.get_data(as_text=True)).replace("\\u003c", "<"))
    return "\n".join(bodies)


@pytest.mark.parametrize("components", [None, COMPONENTS], ids=["per-route", "configured"])
def test_url_rules_appear_in_no_public_answer_unless_shown(
    make_app: MakeApp, components: list[dict[str, Any]] | None
) -> None:
    for show in (False, True):
        app = make_app(SERVER_STATUS_COMPONENTS=components, SERVER_STATUS_SHOW_RULES=show)
        now = count(app)
        open_incident(app, "Profiles fail", "minor", "/user/<int:id>", now)
        text = public_text(app)
        assert ("/user/<int:id>" in text) is show
        assert ("<int:" in text) is show
    listed = by_rule(app, app.test_client().get("/status/api/routes").get_json()["routes"])
    assert listed["/user/<int:id>"]["rule"] == "/user/<int:id>"


def test_a_component_badge_names_the_component(make_app: MakeApp) -> None:
    app = make_app(SERVER_STATUS_COMPONENTS=COMPONENTS)
    count(app)
    svg = app.test_client().get("/status/badges/components/catalogue/uptime.svg?window=24h")
    text = svg.get_data(as_text=True)
    assert "Catalogue 24h" in text
    assert ">90.9%<" in text  # 50 of 55
    missing = app.test_client().get("/status/badges/components/nowhere/uptime.svg")
    assert missing.status_code == 404
    assert missing.get_json()["error"]["reason"] == "no component with id 'nowhere'"
