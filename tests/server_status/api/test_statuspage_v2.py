"""The Statuspage API v2 answers, read by a Statuspage client we did not write.

The reader is the ``statuspage.io`` client from npm (``tests/server_status/
statuspage_client``, installed there with ``npm ci`` on first use), pointed at
our page on a loopback server; what it returns must show our components,
incidents and maintenance in Statuspage's words. The mapping itself and the
conditional GET are checked in-process against the OpenAPI document.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from flask_server_status import get_state
from flask_server_status.clock import utcnow
from flask_server_status.incidents import create_incident
from flask_server_status.maintenance import create_maintenance
from flask_server_status.reports import statuspage_v2
from flask_server_status.reports.statuspage_v2 import (
    ANSWERS,
    INDICATORS,
    component_status,
    status_object,
)
from tests.server_status.api.contract import ContractClient
from tests.server_status.summary_view import route_id
from tests.server_status.test_component_answers import COMPONENTS, count, open_incident
from tests.support.node_reference import run_node

MakeApp = Callable[..., Flask]
CLIENT = Path(__file__).resolve().parents[1] / "statuspage_client"


def seeded(make_app: MakeApp, **config: Any) -> tuple[Flask, dict[str, int]]:
    """Components with traffic, an open and a resolved incident, an active and an
    upcoming maintenance window; the ids of the four."""
    app = make_app(SERVER_STATUS_COMPONENTS=COMPONENTS, **config)
    now = count(app, ["/items", "/"])  # no failures: no automatic incident
    ids = {"open": open_incident(app, "Catalogue pages time out", "major", "/items", now)}
    with get_state(app).engine.begin() as conn:
        ids["resolved"] = create_incident(
            conn,
            title="Sign-in was slow",
            status="resolved",
            impact="minor",
            route_ids=[route_id(app, "/user/<int:id>")],
            message="Fixed.",
            started_at=now - timedelta(hours=3),
            now=now - timedelta(hours=2),
        )
        for name, starts in (("active", now - timedelta(minutes=5)), ("upcoming", now)):
            ids[name] = create_maintenance(
                conn,
                title=f"Home {name} upgrade",
                description="New servers",
                starts_at=starts + (timedelta(days=1) if name == "upcoming" else timedelta()),
                ends_at=starts + timedelta(days=2),
                route_ids=[route_id(app, "/")],
                now=now,
            )
    return app, ids


def names(listed: list[dict[str, Any]]) -> list[str]:
    return [entry["name"] for entry in listed]


def test_the_statuspage_client_reads_our_components_incidents_and_maintenance(
    make_app: MakeApp, live_server: Callable[[Flask], str]
) -> None:
    app, ids = seeded(make_app)
    base = live_server(app) + "/status"
    read = json.loads(run_node(CLIENT, "statuspage.io", "read.cjs", base))

    summary = read["getSummary"]
    assert summary["status"] == {"indicator": "major", "description": "Partial System Outage"}
    assert names(summary["components"]) == ["Shop", "Accounts", "Catalogue", "Home"]
    shop, accounts, catalogue, home = summary["components"]
    assert (shop["group"], shop["components"]) == (True, ["accounts", "catalogue"])
    assert [c["group_id"] for c in (accounts, catalogue, home)] == [shop["id"], shop["id"], None]
    assert (accounts["description"], accounts["status"]) == ("Sign-in and profiles", "operational")
    assert catalogue["status"] == "partial_outage"  # a major incident names its route
    assert shop["status"] == "partial_outage"  # a group reads as its worst member
    assert home["status"] == "under_maintenance"
    assert [c["position"] for c in summary["components"]] == [1, 2, 3, 4]
    (incident,) = summary["incidents"]
    assert (incident["id"], incident["name"]) == (str(ids["open"]), "Catalogue pages time out")
    assert (incident["status"], incident["impact"]) == ("investigating", "major")
    assert names(incident["components"]) == ["Catalogue"]
    assert [u["status"] for u in incident["incident_updates"]] == ["investigating"]
    assert names(summary["scheduled_maintenances"]) == [
        "Home active upgrade",
        "Home upcoming upgrade",
    ]
    assert [m["status"] for m in summary["scheduled_maintenances"]] == ["in_progress", "scheduled"]
    assert names(summary["scheduled_maintenances"][0]["components"]) == ["Home"]

    assert read["getStatus"]["status"] == summary["status"]
    assert read["getComponents"]["components"] == summary["components"]
    assert names(read["incidents.getAll"]["incidents"]) == [
        "Catalogue pages time out",
        "Sign-in was slow",
    ]
    resolved = read["incidents.getAll"]["incidents"][1]
    assert (resolved["status"], resolved["impact"]) == ("resolved", "minor")
    assert [u["body"] for u in resolved["incident_updates"]] == ["Fixed."]
    assert names(resolved["components"]) == ["Accounts"]
    assert read["incidents.getUnresolved"]["incidents"] == summary["incidents"]
    (upcoming,) = read["scheduledMaintenances.getUpcoming"]["scheduled_maintenances"]
    assert (upcoming["id"], upcoming["status"]) == (str(ids["upcoming"]), "scheduled")
    assert (upcoming["scheduled_for"], upcoming["impact"]) == (
        summary["scheduled_maintenances"][1]["scheduled_for"],
        "maintenance",
    )
    # This client's getActive and getAll ask for upcoming.json too (its own
    # slip); active.json and scheduled-maintenances.json are read in-process below.
    for slip in ("scheduledMaintenances.getActive", "scheduledMaintenances.getAll"):
        assert read[slip]["scheduled_maintenances"] == [upcoming]
    for answer in read.values():
        assert answer["page"]["url"] == base + "/"


def test_every_answer_is_documented_conditional_and_open_to_any_origin(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, ids = seeded(make_app)
    # The clock stands still: answers carry their time to the second.
    moment = utcnow()
    monkeypatch.setattr(statuspage_v2, "utcnow", lambda: moment)
    client = ContractClient(app.test_client())
    raw = app.test_client()  # the contract client reads plain bodies; this one takes gzip
    for name in ANSWERS:
        url = f"/status/api/v2/{name}"
        assert client.get(url).status_code == 200, name  # valid against the document
        first = raw.get(url, headers={"Accept-Encoding": "gzip"})
        assert first.headers["Access-Control-Allow-Origin"] == "*"
        again = raw.get(
            url, headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["ETag"]}
        )
        assert again.status_code == 304, name
    summary = raw.get("/status/api/v2/summary.json", headers={"Accept-Encoding": "gzip"})
    assert summary.headers["Content-Encoding"] == "gzip"
    active = client.get("/status/api/v2/scheduled-maintenances/active.json").get_json()
    (window,) = active["scheduled_maintenances"]
    assert (window["id"], window["status"], window["impact"]) == (
        str(ids["active"]),
        "in_progress",
        "maintenance",
    )
    listed = client.get("/status/api/v2/scheduled-maintenances.json").get_json()
    assert [w["id"] for w in listed["scheduled_maintenances"]] == [
        str(ids["upcoming"]),
        str(ids["active"]),
    ]


def test_the_answers_are_at_the_root_only_when_asked(make_app: MakeApp) -> None:
    off = make_app()
    assert off.test_client().get("/api/v2/summary.json").status_code == 404
    app, _ = seeded(make_app, SERVER_STATUS_V2_AT_ROOT=True)
    client = app.test_client()
    for name in ANSWERS:
        at_root = client.get(f"/api/v2/{name}")
        assert at_root.headers["Access-Control-Allow-Origin"] == "*"
        under_prefix = client.get(f"/status/api/v2/{name}")
        assert _timeless(at_root.get_json()) == _timeless(under_prefix.get_json()), name


def _timeless(answer: dict[str, Any]) -> dict[str, Any]:
    """``answer`` without ``page.updated_at``, the moment each answer was made."""
    page = {key: value for key, value in answer["page"].items() if key != "updated_at"}
    return answer | {"page": page}


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        ("operational", "none"),
        ("no_data", "none"),
        ("degraded", "minor"),
        ("partial_outage", "major"),
        ("major_outage", "critical"),
        ("maintenance", "maintenance"),
    ],
)
def test_every_banner_has_its_statuspage_indicator(ours: str, theirs: str) -> None:
    assert status_object(ours)["indicator"] == theirs
    assert status_object(ours)["description"] == INDICATORS[ours][1]


def test_an_outage_with_a_critical_incident_is_a_major_outage() -> None:
    assert component_status("outage", ["minor", "critical"]) == "major_outage"
    assert component_status("outage", ["major"]) == "partial_outage"
    assert component_status("degraded", ["minor"]) == "degraded_performance"
    assert component_status("no_traffic", []) == "operational"


def test_an_incident_naming_a_component_concerns_it_alone(make_app: MakeApp) -> None:
    app = make_app(SERVER_STATUS_COMPONENTS=COMPONENTS)
    now = count(app, ["/items", "/"])
    with get_state(app).engine.begin() as conn:
        create_incident(
            conn,
            title="Home page is down",
            status="identified",
            impact="critical",
            route_ids=[],
            message="",
            started_at=now,
            now=now,
            component_ids=["home"],
            known_components=["accounts", "catalogue", "home"],
        )
    summary = app.test_client().get("/status/api/v2/summary.json").get_json()
    statuses = {c["id"]: c["status"] for c in summary["components"]}
    assert statuses["home"] == "major_outage"  # named, with a critical incident
    assert statuses["catalogue"] == "operational"
    (incident,) = summary["incidents"]
    assert names(incident["components"]) == ["Home"]
    home = next(c for c in summary["components"] if c["id"] == "home")
    assert home["updated_at"] == incident["started_at"]
