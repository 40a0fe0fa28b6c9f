"""The Atom 1.0 feeds of incidents: the page's, and one per component.

Each entry names the components its incident concerns (by name, never by URL
rule): one ``category`` per component (``term`` its id, ``label`` its name)
and an "Affects:" line in the content.

Built with ElementTree, which escapes all text; characters XML 1.0 cannot
carry are replaced first, so the feed stays well-formed whatever was typed
into an incident.

Ids are permanent, never built from the request's ``Host`` header: with
``SERVER_STATUS_BASE_URL`` set the feed's id is its URL under that base and an
entry's id a ``tag:`` URI of the base's host, the incident's start date and
its path; without it both are name-based ``urn:uuid:`` ids derived from the
URL prefix (and for entries the incident's id and start), so they survive a
change of host name or proxy.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from .xmltext import xml_chars

ATOM_NS = "http://www.w3.org/2005/Atom"
#: Namespace of the name-based ids used when no base URL is configured.
_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://pypi.org/project/flask-server-status/")


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


def _affected(
    incident: Mapping[str, Any], component_names: Mapping[str, str]
) -> list[tuple[str, str]]:
    """``(id, name)`` of the components the incident concerns."""
    ids = incident["component_ids"]
    return [(cid, component_names[cid]) for cid in ids if cid in component_names]


def _entry_content(incident: Mapping[str, Any], affected: Sequence[tuple[str, str]]) -> str:
    lines = [f"Impact: {incident['impact']}. Status: {incident['status']}."]
    if affected:
        lines.append(f"Affects: {', '.join(name for _, name in affected)}.")
    for update in reversed(incident["updates"]):
        message = f": {update['message']}" if update["message"] else ""
        lines.append(f"{update['created_at']} {update['status']}{message}")
    return "\n".join(lines)


def feed_id(base_url: str | None, feed_path: str) -> str:
    """The permanent id of the feed at ``feed_path`` (see the module docstring)."""
    if base_url is not None:
        return f"{base_url}{feed_path}"
    return _name_id(feed_path)


def entry_id(base_url: str | None, url_prefix: str, incident: Mapping[str, Any]) -> str:
    """An incident's permanent id: its start tells a reused id (a new database) apart."""
    path = f"{url_prefix}/incidents/{incident['id']}"
    if base_url is not None:
        split = urlsplit(base_url)
        day = str(incident["started_at"])[:10]
        return f"tag:{split.hostname},{day}:{split.path}{path}"
    return _name_id(f"{path}@{incident['started_at']}")


def _name_id(name: str) -> str:
    return uuid.uuid5(_ID_NAMESPACE, name).urn


def render_feed(
    *,
    title: str,
    component_name: str | None,
    page_url: str,
    feed_url: str,
    base_url: str | None,
    url_prefix: str,
    feed_path: str,
    generated_at: str,
    incidents: Sequence[Mapping[str, Any]],
    component_names: Mapping[str, str],
) -> bytes:
    """An Atom document with one entry per incident (public incident dicts).

    ``title`` is the page's; the feed of one component has its
    ``component_name`` in its own title.

    ``page_url`` and ``feed_url`` are the links; ``base_url`` (the configured
    ``SERVER_STATUS_BASE_URL`` or ``None``), ``url_prefix`` and ``feed_path``
    (the feed's path, prefix included) make the ids, so an incident's entry
    has the same id in every feed. Each entry links to its incident on the
    page and in the JSON API and names the components of its
    ``component_ids`` found in ``component_names`` (id -> name).
    """
    feed = ET.Element("feed", {"xmlns": ATOM_NS})
    _child(feed, "id", feed_id(base_url, feed_path))
    _child(feed, "title", f"{title} status" + (f": {component_name}" if component_name else ""))
    entries_updated = [_entry_updated(incident) for incident in incidents]
    _child(feed, "updated", max(entries_updated, default=generated_at))
    author = _child(feed, "author")
    _child(author, "name", title)
    _child(feed, "link", rel="self", type="application/atom+xml", href=feed_url)
    _child(feed, "link", rel="alternate", type="text/html", href=page_url)
    for incident, updated in zip(incidents, entries_updated, strict=True):
        entry = _child(feed, "entry")
        _child(entry, "id", entry_id(base_url, url_prefix, incident))
        resolved = incident["status"] == "resolved"
        state = "Resolved" if resolved else "Ongoing"
        _child(entry, "title", f"[{state}] {incident['title']}")
        _child(entry, "published", incident["started_at"])
        _child(entry, "updated", updated)
        # The page's element ids: ongoing incidents are listed, past ones folded.
        anchor = f"{'past-' if resolved else ''}incident-{incident['id']}"
        _child(entry, "link", rel="alternate", type="text/html", href=f"{page_url}#{anchor}")
        api_url = f"{page_url}api/incidents/{incident['id']}"
        _child(entry, "link", rel="related", type="application/json", href=api_url)
        affected = _affected(incident, component_names)
        for component_id, name in affected:
            _child(entry, "category", term=component_id, label=name)
        _child(entry, "content", _entry_content(incident, affected), type="text")
    document: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return document
