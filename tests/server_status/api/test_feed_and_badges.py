"""The Atom feed of incidents and the SVG badges: well-formed XML, escaped text,
the right content types and values."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from flask_server_status import get_state
from flask_server_status.web.badges import format_percent
from tests.server_status.api.contract import ContractClient
from tests.server_status.summary_view import by_rule

A = "/flask-status"
ATOM = "{http://www.w3.org/2005/Atom}"
SVG = "{http://www.w3.org/2000/svg}"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
TRICKY = '<script>alert("x")</script> ]]> &amp; it\'s \x01\x1f done'


def _parse(document: bytes) -> ET.Element:
    return ET.fromstring(document)  # noqa: S314 - the answer under test, not untrusted input


def _atom(api: ContractClient) -> ET.Element:
    response = api.get("/status/feed.atom")
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    assert response.data.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    return _parse(response.data)


def test_empty_feed_is_valid_atom(api: ContractClient) -> None:
    feed = _atom(api)
    assert feed.tag == f"{ATOM}feed"
    assert (feed.findtext(f"{ATOM}id") or "").startswith("urn:uuid:")
    assert RFC3339.match(feed.findtext(f"{ATOM}updated") or "")
    assert feed.findtext(f"{ATOM}author/{ATOM}name")
    links = {link.get("rel"): link.get("href") for link in feed.findall(f"{ATOM}link")}
    assert links == {
        "self": "http://localhost/status/feed.atom",
        "alternate": "http://localhost/status/",
    }
    assert feed.findall(f"{ATOM}entry") == []


def test_feed_entries_escape_incident_text(api: ContractClient) -> None:
    first = api.admin("post", f"{A}/incidents", json={"title": TRICKY, "message": TRICKY})
    second = api.admin("post", f"{A}/incidents", json={"title": "Slow search"})
    api.admin(
        "post",
        f"{A}/incidents/{second.get_json()['id']}/updates",
        json={"status": "resolved", "message": "Index rebuilt"},
    )
    feed = _atom(api)
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 2
    titles = [entry.findtext(f"{ATOM}title") for entry in entries]
    visible = TRICKY.replace("\x01", "\ufffd").replace("\x1f", "\ufffd")
    assert titles == [f"[Ongoing] {visible}", "[Resolved] Slow search"]
    for entry in entries:
        assert entry.findtext(f"{ATOM}id", "").startswith("urn:uuid:")
        assert RFC3339.match(entry.findtext(f"{ATOM}updated") or "")
        assert RFC3339.match(entry.findtext(f"{ATOM}published") or "")
        assert entry.find(f"{ATOM}content").get("type") == "text"  # type: ignore[union-attr]
    assert visible in (entries[0].findtext(f"{ATOM}content") or "")
    assert "Index rebuilt" in (entries[1].findtext(f"{ATOM}content") or "")
    assert first.get_json()["title"] == TRICKY  # the stored text is unchanged


def test_feed_urls_follow_the_proxy_prefix(api: ContractClient) -> None:
    response = api.get("/status/feed.atom", environ_overrides={"SCRIPT_NAME": "/shop"})
    feed = _parse(response.data)
    links = {link.get("rel"): link.get("href") for link in feed.findall(f"{ATOM}link")}
    assert links["self"] == "http://localhost/shop/status/feed.atom"


def _svg(api: ContractClient, url: str) -> ET.Element:
    response = api.get(url)
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    svg = _parse(response.data)
    assert svg.tag == f"{SVG}svg"
    return svg


def _texts(svg: ET.Element) -> list[str]:
    return [text.text or "" for text in svg.iter(f"{SVG}text")]


def test_status_badge_shows_the_overall_indicator(api: ContractClient) -> None:
    svg = _svg(api, "/status/badge.svg")
    assert _texts(svg) == ["status", "no data"]
    assert svg.get("aria-label") == "status: no data"
    api.admin("post", f"{A}/incidents", json={"title": "Down", "impact": "critical"})
    svg = _svg(api, "/status/badge.svg")
    assert _texts(svg) == ["status", "major outage"]
    fills = [rect.get("fill") for rect in svg.iter(f"{SVG}rect")]
    assert "#cb2431" in fills


def test_uptime_badge_shows_the_route_uptime_with_escaped_name(api: ContractClient) -> None:
    app = api.client.application
    for path in ("/user/1", "/user/2", "/user/3", "/boom"):
        api.client.get(path)
    api.client.get("/items")
    assert get_state(app).flush()
    routes = by_rule(app, api.get("/status/api/routes").get_json()["routes"])
    user = routes["/user/<int:id>"]
    boom = routes["/boom"]
    assert _texts(_svg(api, f"/status/badges/{user['id']}/uptime.svg")) == ["user 30d", "100%"]
    assert _texts(_svg(api, f"/status/badges/{boom['id']}/uptime.svg?window=24h")) == [
        "boom 24h",
        "0%",
    ]
    api.admin("put", f"{A}/configure", json={"rule": "/user/<int:id>", "name": TRICKY})
    svg = _svg(api, f"/status/badges/{user['id']}/uptime.svg?window=7d")
    visible = TRICKY.replace("\x01", "\ufffd").replace("\x1f", "\ufffd")
    # The name is shortened, the window after it kept.
    assert _texts(svg)[0] == visible[:36].rstrip() + "\u2026 7d"
    assert svg.findtext(f"{SVG}title", "").startswith(visible[:20])
    bad = api.get(f"/status/badges/{user['id']}/uptime.svg?window=1y")
    assert bad.status_code == 422
    assert bad.get_json()["error"]["reason"] == "window must be one of 24h, 7d, 30d, 90d"


def test_uptime_badge_without_data_says_so(api: ContractClient) -> None:
    app = api.client.application
    api.client.get("/")
    assert get_state(app).flush()
    quiet = by_rule(app, api.get("/status/api/routes").get_json()["routes"])["/items"]
    assert _texts(_svg(api, f"/status/badges/{quiet['id']}/uptime.svg")) == ["items 30d", "no data"]


@pytest.mark.parametrize(
    ("value", "text"),
    [(100.0, "100"), (99.95, "99.95"), (99.999, "99.99"), (50.0, "50"), (0.0, "0"), (12.3, "12.3")],
)
def test_badge_percentages_are_truncated_not_rounded_up(value: float, text: str) -> None:
    assert format_percent(value) == text
