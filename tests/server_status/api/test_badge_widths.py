"""Badges as wide as shields' badge-maker draws them, and long labels that keep
their window.

The reference is badge-maker itself, run under Node.js from
``tests/server_status/badge_maker`` (installed there with ``npm ci`` on first
use); the test skips with a reason where Node.js is missing, and fails in CI.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from flask_server_status.web.badges import render_badge, uptime_badge
from tests.support.node_reference import run_node

REFERENCE = Path(__file__).resolve().parents[1] / "badge_maker"
SVG = "{http://www.w3.org/2000/svg}"
TEXTS = [
    ("status", "operational"),
    ("status", "partial outage"),
    ("Users 30d", "99.95%"),
    ("Search 90d", "no data"),
    ("Home page 24h", "100%"),
    ("WWW mmm @@@ %%%", "iiii llll ...."),
    ("Ünïcödé café façade", "ÆØÅ æøå ß"),
    ("Quotes \"'<&>'\" and | pipes", "{[()]}"),
    ("Search with a very long route name that…", "12.5%"),
    ("CJK 日本語 route", "7%"),
]


def badge_maker_widths(pairs: list[tuple[str, str]]) -> list[list[int]]:
    measured = run_node(REFERENCE, "badge-maker", "measure.cjs", stdin=json.dumps(pairs))
    widths: list[list[int]] = json.loads(measured)
    return widths


def parts(svg: str) -> tuple[ET.Element, list[int]]:
    root = ET.fromstring(svg)  # noqa: S314 - the badge under test
    rects = root.findall(f"{SVG}g/{SVG}rect")
    return root, [int(rect.get("width", "0")) for rect in rects[:2]]


def test_widths_are_within_a_pixel_of_badge_maker() -> None:
    reference = badge_maker_widths(TEXTS)
    ours = [parts(render_badge(label, value, "#2ea44f"))[1] for label, value in TEXTS]
    far = [
        (text, mine, theirs)
        for text, mine, theirs in zip(TEXTS, ours, reference, strict=True)
        if any(abs(a - b) > 1 for a, b in zip(mine, theirs, strict=True))
    ]
    assert far == []


def test_a_long_route_name_keeps_the_window() -> None:
    name = "Search with a very long route name that goes on and on"
    root, (left, right) = parts(uptime_badge(name, "30d", 100.0))
    label = root.findall(f"{SVG}g/{SVG}text")[0].text or ""
    assert label.endswith("\u2026 30d")
    assert len(label) <= 40
    assert root.get("aria-label") == f"{label}: 100%"
    assert name.startswith(label.removesuffix("\u2026 30d"))
    assert int(root.get("width", "0")) == left + right
    assert uptime_badge("Users", "24h", None).count("Users 24h") == 3  # title, aria, text


def test_the_ellipsis_label_is_as_wide_as_badge_maker_draws_it() -> None:
    name = "Checkout and payment confirmation page of the shop"
    root, widths = parts(uptime_badge(name, "90d", 99.5))
    label = root.findall(f"{SVG}g/{SVG}text")[0].text or ""
    value = root.findall(f"{SVG}g/{SVG}text")[1].text or ""
    (reference,) = badge_maker_widths([(label, value)])
    assert all(abs(a - b) <= 1 for a, b in zip(widths, reference, strict=True))
