"""Incidents and maintenance windows that name components, as the admin writes them
and as the page, the JSON API, the feeds, the badge and the flush read them.

An incident or window concerns a component when it names the component, names
one of its routes, or names neither (the whole service). Every answer is
checked against openapi.json by the contract client; on SQLite and PostgreSQL.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import feedparser
import sqlalchemy as sa
from flask import Flask

from flask_server_status import get_state, models
from flask_server_status.clock import isoformat, utcnow
from tests.server_status.api.contract import SECRET, ContractClient
from tests.server_status.summary_view import component_of, days_of, route_id

MakeApp = Callable[..., Flask]
A = "/flask-status"
COMPONENTS = [
    {"id": "checkout", "name": "Checkout", "endpoints": ["boom"]},
    {"id": "search", "name": "Search", "endpoints": ["fail", "slow"]},
    {"name": "Home", "endpoints": ["index"]},
]
ALL = ["checkout", "search", "home"]


def admin_app(make_app: MakeApp, **config: Any) -> tuple[Flask, ContractClient]:
    """The sample app with the admin API on, its routes stored and "/" answered once."""
    app = make_app(API_ENABLED=True, API_SECRET=SECRET, **config)
    app.test_client().get("/")
    assert get_state(app).flush()
    return app, ContractClient(app.test_client())


def created(response: Any) -> dict[str, Any]:
    assert response.status_code == 201, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def summary(api: ContractClient) -> dict[str, Any]:
    body: dict[str, Any] = api.get("/status/api/summary?days=3").get_json()
    return body


def statuses(api: ContractClient) -> dict[str, str]:
    return {c["id"]: c["status"] for c in summary(api)["components"]}


def route_statuses(app: Flask, api: ContractClient) -> dict[str, str]:
    routes = api.get("/status/api/routes").get_json()["routes"]
    by_id = {r["id"]: r["status"] for r in routes}
    return {rule: by_id[route_id(app, rule)] for rule in ("/boom", "/fail", "/")}


def test_an_incident_naming_a_component_reaches_every_public_answer(make_app: MakeApp) -> None:
    app, api = admin_app(make_app, SERVER_STATUS_COMPONENTS=COMPONENTS)
    incident = created(
        api.admin(
            "post",
            f"{A}/incidents",
            json={"title": "Payments fail", "impact": "major", "component_ids": ["checkout"]},
        )
    )
    # The admin answers show what is stored: the component named, no route.
    assert (incident["component_ids"], incident["route_ids"]) == (["checkout"], [])
    stored = api.admin("get", f"{A}/incidents/{incident['id']}").get_json()
    assert stored["component_ids"] == ["checkout"]

    page = summary(api)
    assert {c["id"]: c["status"] for c in page["components"]} == {
        "checkout": "outage",
        "search": "no_data",
        "home": "operational",
    }
    assert page["status"]["indicator"] == "partial_outage"
    (active,) = page["incidents"]["active"]
    assert active["component_ids"] == ["checkout"]
    # Today's bar of Checkout lists the incident; the others' do not.
    for component_id, listed in (("checkout", [incident["id"]]), ("search", []), ("home", [])):
        component = component_of(page, component_id)
        today = days_of(page, component)[-1]
        assert [i["id"] for i in today["incidents"]] == listed, component_id
    assert page["incidents"]["referenced"] == {
        str(incident["id"]): {"title": "Payments fail", "impact": "major"}
    }

    public = api.get("/status/api/incidents").get_json()["active"]
    assert [i["component_ids"] for i in public] == [["checkout"]]
    one = api.get(f"/status/api/incidents/{incident['id']}").get_json()
    assert one["component_ids"] == ["checkout"]
    # The route of the component is affected; the others are not.
    assert route_statuses(app, api) == {"/boom": "outage", "/fail": "no_data", "/": "operational"}
    route = api.get(f"/status/api/routes/{route_id(app, '/boom')}?days=1").get_json()
    assert [i["id"] for i in route["history"][-1]["incidents"]] == [incident["id"]]
    badge = api.get("/status/badge.svg").get_data(as_text=True)
    assert "partial outage" in badge
    for component_id, label, colour in (
        ("checkout", "Checkout: outage", "#cb2431"),
        ("search", "Search: no data", "#9f9f9f"),
        ("home", "Home: operational", "#2ea44f"),
    ):
        svg = api.get(f"/status/badges/components/{component_id}/status.svg")
        assert f'aria-label="{label}"' in svg.get_data(as_text=True)
        assert f'fill="{colour}"' in svg.get_data(as_text=True)
    assert api.get("/status/badges/components/nowhere/status.svg").status_code == 404
    v2 = api.get("/status/api/v2/components.json").get_json()["components"]
    assert {c["name"]: c["status"] for c in v2} == {
        "Checkout": "partial_outage",
        "Search": "operational",
        "Home": "operational",
    }

    # PATCH replaces the components; naming nothing at all is the whole service.
    patched = api.admin(
        "patch", f"{A}/incidents/{incident['id']}", json={"component_ids": ["search"]}
    ).get_json()
    assert patched["component_ids"] == ["search"]
    assert statuses(api) == {"checkout": "no_data", "search": "outage", "home": "operational"}
    api.admin("patch", f"{A}/incidents/{incident['id']}", json={"component_ids": []})
    assert set(statuses(api).values()) == {"outage"}
    whole = api.get(f"/status/api/incidents/{incident['id']}").get_json()
    assert whole["component_ids"] == ALL
    admin_view = api.admin("get", f"{A}/incidents").get_json()["incidents"]
    assert [i["component_ids"] for i in admin_view] == [[]]


def test_route_ids_keep_working_beside_component_ids(make_app: MakeApp) -> None:
    app, api = admin_app(make_app, SERVER_STATUS_COMPONENTS=COMPONENTS)
    by_route = created(
        api.admin(
            "post",
            f"{A}/incidents",
            json={"title": "Errors", "impact": "minor", "route_ids": [route_id(app, "/boom")]},
        )
    )
    assert by_route["component_ids"] == []  # stored: names a route only
    assert api.get(f"/status/api/incidents/{by_route['id']}").get_json()["component_ids"] == [
        "checkout"
    ]
    assert statuses(api)["checkout"] == "degraded"
    both = created(
        api.admin(
            "post",
            f"{A}/incidents",
            json={
                "title": "Both",
                "impact": "major",
                "route_ids": [route_id(app, "/fail")],
                "component_ids": ["home"],
            },
        )
    )
    public = api.get(f"/status/api/incidents/{both['id']}").get_json()
    assert (public["route_ids"], public["component_ids"]) == (
        [route_id(app, "/fail")],
        ["search", "home"],
    )
    assert statuses(api) == {"checkout": "degraded", "search": "outage", "home": "outage"}
    assert route_statuses(app, api) == {"/boom": "degraded", "/fail": "outage", "/": "outage"}


def test_unknown_or_malformed_component_ids_are_refused(make_app: MakeApp) -> None:
    app, api = admin_app(make_app, SERVER_STATUS_COMPONENTS=COMPONENTS)
    now = utcnow()
    window = {
        "title": "Upgrade",
        "starts_at": isoformat(now),
        "ends_at": isoformat(now + timedelta(hours=1)),
    }
    maintenance_id = created(api.admin("post", f"{A}/maintenance", json=window))["id"]
    incident_id = created(api.admin("post", f"{A}/incidents", json={"title": "x"}))["id"]
    for method, url, base in (
        ("post", f"{A}/incidents", {"title": "x"}),
        ("patch", f"{A}/incidents/{incident_id}", {}),
        ("post", f"{A}/maintenance", window),
        ("patch", f"{A}/maintenance/{maintenance_id}", {}),
    ):
        for component_ids, reason in (
            (["checkout", "nowhere", "gone"], "unknown component id(s): gone, nowhere"),
            (["other"], "unknown component id(s): other"),  # SERVER_STATUS_OTHER_COMPONENT off
            (["Check Out"], "component ids such as 'checkout', got 'Check Out'"),
            ([7], "component ids such as 'checkout', got 7"),
            (["home", "home"], "component_ids repeats id(s): home"),
            ("checkout", "must be a list of at most 500 component ids"),
        ):
            response = api.admin(method, url, json={**base, "component_ids": component_ids})
            assert response.status_code == 422, (url, component_ids)
            assert reason in response.get_json()["error"]["reason"], response.get_json()
    with get_state(app).engine.connect() as conn:
        for table in (models.incident_components, models.maintenance_components):
            assert conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() == 0
        assert conn.execute(sa.select(sa.func.count()).select_from(models.incidents)).scalar() == 1


def test_the_ids_a_write_may_name_follow_the_configuration(make_app: MakeApp) -> None:
    # Without SERVER_STATUS_COMPONENTS: the default components, one per route.
    app, api = admin_app(make_app)
    boom = f"route-{route_id(app, '/boom')}"
    incident = created(
        api.admin(
            "post",
            f"{A}/incidents",
            json={"title": "x", "impact": "major", "component_ids": [boom]},
        )
    )
    assert api.get(f"/status/api/incidents/{incident['id']}").get_json()["component_ids"] == [boom]
    assert statuses(api)[boom] == "outage"
    refused = api.admin(
        "post", f"{A}/incidents", json={"title": "x", "component_ids": ["checkout"]}
    )
    assert refused.status_code == 422
    # With SERVER_STATUS_OTHER_COMPONENT: "other" names the routes in no component.
    app, api = admin_app(
        make_app, SERVER_STATUS_COMPONENTS=COMPONENTS, SERVER_STATUS_OTHER_COMPONENT=True
    )
    incident = created(
        api.admin(
            "post",
            f"{A}/incidents",
            json={"title": "x", "impact": "minor", "component_ids": ["other"]},
        )
    )
    assert statuses(api) == {
        "checkout": "no_data",
        "search": "no_data",
        "home": "operational",
        "other": "degraded",
    }
    user = api.get(f"/status/api/routes/{route_id(app, '/user/<int:id>')}").get_json()
    assert user["status"] == "degraded"


def test_maintenance_naming_a_component(make_app: MakeApp) -> None:
    app, api = admin_app(make_app, SERVER_STATUS_COMPONENTS=COMPONENTS)
    now = utcnow()
    window = created(
        api.admin(
            "post",
            f"{A}/maintenance",
            json={
                "title": "Index rebuild",
                "starts_at": isoformat(now - timedelta(minutes=5)),
                "ends_at": isoformat(now + timedelta(hours=1)),
                "component_ids": ["search"],
            },
        )
    )
    assert (window["component_ids"], window["route_ids"]) == (["search"], [])
    assert statuses(api) == {"checkout": "no_data", "search": "maintenance", "home": "operational"}
    assert route_statuses(app, api)["/fail"] == "maintenance"
    (active,) = api.get("/status/api/maintenance").get_json()["active"]
    assert active["component_ids"] == ["search"]
    (in_summary,) = summary(api)["maintenance"]["active"]
    assert in_summary["component_ids"] == ["search"]

    url = f"{A}/maintenance/{window['id']}"
    assert api.admin("patch", url, json={"component_ids": ["home"]}).get_json()[
        "component_ids"
    ] == ["home"]
    assert statuses(api) == {"checkout": "no_data", "search": "no_data", "home": "maintenance"}
    assert api.admin("get", f"{A}/maintenance").get_json()["maintenance"][0]["component_ids"] == [
        "home"
    ]
    assert api.admin("delete", url).status_code == 204
    with get_state(app).engine.connect() as conn:
        table = models.maintenance_components
        assert conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() == 0


def test_a_window_naming_a_component_silences_automatic_incidents_of_its_routes_only(
    make_app: MakeApp,
) -> None:
    app, api = admin_app(
        make_app,
        SERVER_STATUS_COMPONENTS=COMPONENTS,
        SERVER_STATUS_SLO=99.9,
        SERVER_STATUS_INCIDENT_QUIET_SECONDS=600,
    )
    now = utcnow()
    created(
        api.admin(
            "post",
            f"{A}/maintenance",
            json={
                "title": "Payment provider migration",
                "starts_at": isoformat(now - timedelta(hours=1)),
                "ends_at": isoformat(now + timedelta(hours=1)),
                "component_ids": ["checkout"],
            },
        )
    )
    client = app.test_client()
    for _ in range(10):  # the default minimum volume, all failed: a fast burn
        client.get("/boom")
        client.get("/fail")
    assert get_state(app).flush()
    automatic = api.get("/status/api/incidents").get_json()["active"]
    assert [(i["automatic"], i["component_ids"]) for i in automatic] == [(True, ["search"])]


def read_feed(api: ContractClient, path: str) -> Any:
    response = api.get(path)
    assert response.status_code == 200
    parsed = feedparser.parse(response.data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def test_each_component_has_a_feed_and_entries_name_their_components(make_app: MakeApp) -> None:
    app, api = admin_app(
        make_app, SERVER_STATUS_COMPONENTS=COMPONENTS, SERVER_STATUS_PAGE_TITLE="Acme"
    )
    for title, body in (
        ("Payments fail", {"component_ids": ["checkout"]}),
        ("Search is slow", {"route_ids": [route_id(app, "/slow")]}),
        ("Everything is down", {}),
    ):
        created(api.admin("post", f"{A}/incidents", json={"title": title, **body}))

    page = read_feed(api, "/status/feed.atom")
    assert page.feed.title == "Acme status"
    tags = {e.title: [(t.term, t.label) for t in e.tags] for e in page.entries}
    assert tags == {
        "[Ongoing] Everything is down": [
            ("checkout", "Checkout"),
            ("search", "Search"),
            ("home", "Home"),
        ],
        "[Ongoing] Search is slow": [("search", "Search")],
        "[Ongoing] Payments fail": [("checkout", "Checkout")],
    }
    contents = {e.title: e.content[0].value for e in page.entries}
    assert "Affects: Search." in contents["[Ongoing] Search is slow"]
    assert "Affects: Checkout, Search, Home." in contents["[Ongoing] Everything is down"]

    checkout = read_feed(api, "/status/components/checkout/feed.atom")
    assert checkout.feed.title == "Acme status: Checkout"
    assert checkout.feed.links[0].href == "http://localhost/status/components/checkout/feed.atom"
    assert [e.title for e in checkout.entries] == [
        "[Ongoing] Everything is down",
        "[Ongoing] Payments fail",
    ]
    assert checkout.feed.id != page.feed.id
    # An incident keeps its entry id in every feed.
    ids = {e.title: e.id for e in page.entries}
    assert all(ids[e.title] == e.id for e in checkout.entries)
    search = read_feed(api, "/status/components/search/feed.atom")
    assert [e.title for e in search.entries] == [
        "[Ongoing] Everything is down",
        "[Ongoing] Search is slow",
    ]
    # By name, never by URL rule.
    for path in ("/status/feed.atom", "/status/components/search/feed.atom"):
        body = api.get(path).get_data(as_text=True)
        assert "/slow" not in body.replace("/status/", "")
        assert "/boom" not in body
        ET.fromstring(body)  # noqa: S314 - the answer under test

    missing = api.get("/status/components/nowhere/feed.atom")
    assert missing.status_code == 404
    assert missing.get_json()["error"]["reason"] == "no component with id 'nowhere'"
