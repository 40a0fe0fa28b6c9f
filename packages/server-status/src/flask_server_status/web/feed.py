"""The Atom 1.0 feed of incidents.

Built with ElementTree, which escapes all text; characters XML 1.0 cannot
carry are replaced first, so the feed stays well-formed whatever was typed
into an incident.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from typing import Any

from .xmltext import xml_chars

ATOM_NS = "http://www.w3.org/2005/Atom"


def _child(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: xml_chars(v) for k, v in attrs.items()})
    if text is not None:
        element.text = xml_chars(text)
    return element


def _entry_updated(incident: Mapping[str, Any]) -> str:
    stamps = [incident["started_at"]]
    stamps += [update["created_at"] for update in incident["updates"]]
    if incident["resolved_at"]:
        stamps.append(incident["resolved_at"])
    # ISO 8601 UTC strings of one format sort chronologically.
    return str(max(stamps))


def _entry_content(incident: Mapping[str, Any]) -> str:
    lines = [f"Impact: {incident['impact']}. Status: {incident['status']}."]
    for update in reversed(incident["updates"]):
        message = f": {update['message']}" if update["message"] else ""
        lines.append(f"{update['created_at']} {update['status']}{message}")
    return "\n".join(lines)


def render_feed(
    *,
    title: str,
    page_url: str,
    feed_url: str,
    generated_at: str,
    incidents: Sequence[Mapping[str, Any]],
) -> bytes:
    """An Atom document with one entry per incident (public incident dicts)."""
    feed = ET.Element("feed", {"xmlns": ATOM_NS})
    _child(feed, "id", feed_url)
    _child(feed, "title", f"{title} status")
    entries_updated = [_entry_updated(incident) for incident in incidents]
    _child(feed, "updated", max(entries_updated, default=generated_at))
    author = _child(feed, "author")
    _child(author, "name", title)
    _child(feed, "link", rel="self", type="application/atom+xml", href=feed_url)
    _child(feed, "link", rel="alternate", type="text/html", href=page_url)
    for incident, updated in zip(incidents, entries_updated, strict=True):
        entry = _child(feed, "entry")
        _child(entry, "id", f"{page_url}#incident-{incident['id']}")
        state = "Resolved" if incident["status"] == "resolved" else "Ongoing"
        _child(entry, "title", f"[{state}] {incident['title']}")
        _child(entry, "published", incident["started_at"])
        _child(entry, "updated", updated)
        _child(entry, "link", rel="alternate", type="text/html", href=page_url)
        _child(entry, "content", _entry_content(incident), type="text")
    document: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return document
