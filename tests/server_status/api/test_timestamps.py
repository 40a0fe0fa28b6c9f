"""Every timestamp is RFC 3339 with a four-digit year, in the API and the Atom feed."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, datetime

import pytest

from flask_server_status import clock
from tests.server_status.api.contract import ContractClient

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.mark.parametrize(
    ("moment", "written"),
    [
        (datetime(999, 6, 1), "0999-06-01T00:00:00Z"),
        (datetime(1, 1, 1, 0, 0, 5, 999_999), "0001-01-01T00:00:05Z"),
        (datetime(2026, 11, 21, 15, 7, 9), "2026-11-21T15:07:09Z"),
        (datetime(9999, 12, 31, 23, 59, 59), "9999-12-31T23:59:59Z"),
    ],
)
def test_isoformat_writes_four_digit_years(moment: datetime, written: str) -> None:
    assert clock.isoformat(moment) == written
    assert clock.isodate(moment.date()) == written[:10]


def test_isodate_pads_the_year() -> None:
    assert clock.isodate(date(42, 3, 4)) == "0042-03-04"


def test_a_year_999_incident_round_trips_through_the_api_and_the_feed(api: ContractClient) -> None:
    """Stored, answered (validated against openapi.json) and fed exactly as sent."""
    created = api.admin(
        "post",
        "/flask-status/incidents",
        json={"title": "Ancient", "impact": "minor", "started_at": "0999-06-01T00:00:00Z"},
    )
    assert created.status_code == 201, created.get_json()
    incident_id = created.get_json()["id"]
    assert created.get_json()["started_at"] == "0999-06-01T00:00:00Z"
    public = api.get(f"/status/api/incidents/{incident_id}").get_json()
    assert public["started_at"] == "0999-06-01T00:00:00Z"
    (listed,) = api.get("/status/api/incidents").get_json()["active"]
    assert listed["started_at"] == "0999-06-01T00:00:00Z"
    summary = api.get("/status/api/summary?days=1").get_json()
    assert summary["incidents"]["active"][0]["started_at"] == "0999-06-01T00:00:00Z"

    feed = ET.fromstring(api.get("/status/feed.atom").data)  # noqa: S314 - the answer under test
    (entry,) = feed.findall(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}published") == "0999-06-01T00:00:00Z"


def test_a_year_999_maintenance_window_round_trips(api: ContractClient) -> None:
    created = api.admin(
        "post",
        "/flask-status/maintenance",
        json={
            "title": "Long ago",
            "starts_at": "0999-06-01T00:00:00Z",
            "ends_at": "0999-06-01T02:30:00+02:00",
        },
    )
    assert created.status_code == 201, created.get_json()
    window_id = created.get_json()["id"]
    answer = api.admin("get", f"/flask-status/maintenance/{window_id}").get_json()
    assert (answer["starts_at"], answer["ends_at"]) == (
        "0999-06-01T00:00:00Z",
        "0999-06-01T00:30:00Z",
    )
