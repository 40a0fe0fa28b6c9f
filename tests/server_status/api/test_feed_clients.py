"""The Atom feed as feed readers see it: parsed with feedparser and ElementTree.

Ids are permanent (no ``Host`` header in them), entries link to their
incident, and every date is RFC 3339 with a four-digit year.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import datetime
from typing import Any

import feedparser
import sqlalchemy as sa
from flask import Flask

from flask_server_status import get_state, models
from tests.server_status.api.contract import ContractClient

A = "/flask-status"
ATOM = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def read(api: ContractClient, host: str = "localhost") -> tuple[Any, ET.Element]:
    response = api.get("/status/feed.atom", headers={"Host": host})
    assert response.status_code == 200
    parsed = feedparser.parse(response.data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    tree = ET.fromstring(response.data)  # noqa: S314 - the answer under test
    return parsed, tree


def open_incidents(api: ContractClient) -> list[int]:
    ongoing = api.admin("post", f"{A}/incidents", json={"title": "Search is down"})
    resolved = api.admin("post", f"{A}/incidents", json={"title": "Slow checkout"})
    resolved_id = resolved.get_json()["id"]
    api.admin(
        "post", f"{A}/incidents/{resolved_id}/updates", json={"status": "resolved", "message": "ok"}
    )
    return [ongoing.get_json()["id"], resolved_id]


def test_ids_do_not_follow_the_host_header(api: ContractClient) -> None:
    open_incidents(api)
    honest, _ = read(api)
    forged, _ = read(api, host="evil.example")
    assert forged.feed.id == honest.feed.id
    assert [e.id for e in forged.entries] == [e.id for e in honest.entries]
    assert all(e.id.startswith("urn:uuid:") for e in honest.entries)
    assert len({e.id for e in honest.entries} | {honest.feed.id}) == 3


def test_entries_link_to_their_incident(api: ContractClient) -> None:
    ongoing, resolved = open_incidents(api)
    parsed, _ = read(api)
    links = {entry.title: {link.rel: link.href for link in entry.links} for entry in parsed.entries}
    assert links["[Ongoing] Search is down"]["alternate"] == (
        f"http://localhost/status/#incident-{ongoing}"
    )
    assert links["[Resolved] Slow checkout"]["alternate"] == (
        f"http://localhost/status/#past-incident-{resolved}"
    )
    for entry_links, incident_id in zip(links.values(), (ongoing, resolved), strict=True):
        api_path = entry_links["related"].removeprefix("http://localhost")
        assert api.get(api_path).get_json()["id"] == incident_id


def test_a_configured_base_url_makes_links_and_tag_ids(make_app: Callable[..., Flask]) -> None:
    app = make_app(
        API_ENABLED=True, API_SECRET="s3cret-token", SERVER_STATUS_BASE_URL="https://shop.example"
    )
    api = ContractClient(app.test_client())
    api.client.environ_base["HTTP_AUTHORIZATION"] = "Bearer s3cret-token"
    incident = api.client.post(f"{A}/incidents", json={"title": "Down"}).get_json()
    parsed, tree = read(api, host="evil.example")
    day = incident["started_at"][:10]
    assert parsed.feed.id == "https://shop.example/status/feed.atom"
    assert parsed.entries[0].id == f"tag:shop.example,{day}:/status/incidents/{incident['id']}"
    hrefs = [link.get("href") or "" for link in tree.iter(f"{ATOM}link")]
    assert hrefs
    assert all(href.startswith("https://shop.example/status/") for href in hrefs)


def test_every_stored_year_is_a_valid_date(status_app: Flask, api: ContractClient) -> None:
    years = (999, 1, 2024, 9999)
    with get_state(status_app).engine.begin() as connection:
        for year in years:
            connection.execute(
                sa.insert(models.incidents).values(
                    title=f"Year {year}",
                    status="investigating",
                    impact="minor",
                    automatic=False,
                    started_at=datetime(year, 1, 2, 3, 4, 5),
                )
            )
    parsed, tree = read(api)
    published = {entry.title: entry.published for entry in parsed.entries}
    assert published == {f"[Ongoing] Year {year}": f"{year:04d}-01-02T03:04:05Z" for year in years}
    assert {entry.published_parsed.tm_year for entry in parsed.entries} == set(years)
    stamps = [
        element.text or ""
        for tag in ("updated", "published")
        for element in tree.iter(f"{ATOM}{tag}")
    ]
    assert len(stamps) == 1 + 2 * len(years)
    assert all(RFC3339.match(stamp) for stamp in stamps), stamps
    assert tree.findtext(f"{ATOM}updated") == "9999-01-02T03:04:05Z"
    for incident in api.get("/status/api/incidents").get_json()["active"]:
        assert RFC3339.match(incident["started_at"])
