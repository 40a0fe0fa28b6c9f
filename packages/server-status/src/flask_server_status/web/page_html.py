"""The page's first paint, rendered by the server into the bundle's ``index.html``.

Without JavaScript (or before the script ran) a reader still sees the page's
name and overall status in the title, the banner, the components with their
status and uptime, and the active incidents and maintenance windows: the
summary is rendered into the skeleton the frontend build wrote, every value
through :func:`html.escape`, with no inline script or style, so the page's
Content-Security-Policy stays as it is. The script then renders the same
summary over it: the server's nodes carry ``data-key="ssr-..."`` keys the
script never uses, so its first render replaces them.

Strings come from the catalogue ``catalogue/en.json``. :func:`render_page`
is pure; a skeleton without the expected elements (an older or a custom
bundle) is returned with only what it has filled in.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from html import escape
from importlib import resources
from typing import Any

WINDOWS = ("24h", "7d", "30d", "90d")
#: Tones and glyphs of the page (frontend/src/model.js ``TONES``): shape, not colour alone.
GLYPHS = {
    "ok": "\u2713",
    "warn": "!",
    "bad": "\u00d7",
    "maint": "\u2016",
    "idle": "\u00b7",
    "none": "\u2013",
}
STATE_TONES = {
    "operational": "ok",
    "degraded": "warn",
    "outage": "bad",
    "maintenance": "maint",
    "no_traffic": "idle",
    "no_data": "none",
}
INDICATOR_TONES = {
    "operational": "ok",
    "degraded": "warn",
    "partial_outage": "bad",
    "major_outage": "bad",
    "maintenance": "maint",
    "no_data": "none",
}
IMPACT_TONES = {"none": "none", "minor": "warn", "major": "bad", "critical": "bad"}


@functools.cache
def catalogue(language: str = "en") -> Mapping[str, str]:
    """The page's strings in ``language``: flat keys, ``{name}`` placeholders."""
    text = resources.files("flask_server_status").joinpath(f"catalogue/{language}.json")
    strings: dict[str, str] = json.loads(text.read_text(encoding="utf-8"))
    return strings


def _say(key: str, **values: object) -> str:
    return catalogue()[key].format(**values)


def format_uptime(percent: float | None) -> str:
    """Two decimals, truncated, never rounded up (as the script's ``formatUptime``)."""
    if percent is None:
        return _say("uptime.none")
    if percent >= 100:
        return "100%"
    if percent <= 0:
        return "0.00%"
    hundredths = min(int(round(percent * 1e6) / 1e4), 9999)
    return f"{hundredths / 100:.2f}%"


def _state(tone: str, label: str) -> str:
    return (
        f'<span class="state tone-{tone}"><span class="icon tone-{tone}" aria-hidden="true">'
        f"{GLYPHS[tone]}</span><span>{escape(label)}</span></span>"
    )


def _component(component: Mapping[str, Any], key: str) -> str:
    status = str(component["status"])
    tone = STATE_TONES.get(status, "none")
    label = catalogue().get(f"state.{status}", status)
    name = escape(str(component["name"]))
    uptime = component.get("uptime") or {}
    stats = "".join(
        f'<div class="stat"><dt><span class="sr-only">Uptime </span>{window}</dt>'
        f"<dd>{escape(format_uptime(uptime.get(window)))}</dd></div>"
        for window in WINDOWS
    )
    description = str(component.get("description") or "")
    text = f'<p class="component-description">{escape(description)}</p>' if description else ""
    return (
        f'<li class="component" data-key="{key}">'
        f'<div class="component-head"><div class="component-title">'
        f'<h3 class="component-name">{name}</h3></div>'
        f'<p class="component-state">{_state(tone, label)}</p></div>'
        f'{text}<dl class="stats">{stats}</dl></li>'
    )


def _components(summary: Mapping[str, Any]) -> str:
    """The components in page order: grouped ones under their group, as the script shows them."""
    components = list(summary.get("components") or [])
    groups = {group["id"]: group for group in summary.get("groups") or []}
    by_id = {component["id"]: component for component in components}
    parts: list[str] = []
    placed: set[str] = set()
    for index, component in enumerate(components):
        group = groups.get(component.get("group_id"))
        if group is None:
            parts.append(_component(component, f"ssr-{index}"))
        elif group["id"] not in placed:
            placed.add(group["id"])
            members = "".join(
                _component(by_id[member], f"ssr-{index}-{position}")
                for position, member in enumerate(group["component_ids"])
                if member in by_id
            )
            parts.append(
                f'<li class="group" data-key="ssr-{index}"><details open>'
                f'<summary class="group-head"><h3 class="group-name">{escape(group["name"])}'
                f'</h3></summary><ul class="components">{members}</ul></details></li>'
            )
    return "".join(parts)


def _affects(item: Mapping[str, Any], names: Mapping[str, str]) -> str:
    if not item.get("route_ids"):
        return _say("affects", names=_say("affects.all"))
    named = [names[i] for i in item.get("component_ids") or [] if i in names]
    return _say("affects", names=", ".join(named) if named else _say("affects.hidden"))


def _time(iso: str | None) -> str:
    text = (iso or "").replace("T", " ").removesuffix("Z")
    return f'<time datetime="{escape(iso or "")}">{escape(text[:16])}</time>'


def _incidents(incidents: Sequence[Mapping[str, Any]], names: Mapping[str, str]) -> str:
    cards = []
    for index, incident in enumerate(incidents):
        impact = str(incident["impact"])
        tone = IMPACT_TONES.get(impact, "none")
        updates = incident.get("updates") or []
        latest = updates[-1]["message"] if updates else ""
        status = catalogue().get(f"incident.{incident['status']}", str(incident["status"]))
        cards.append(
            f'<li class="card incident tone-{tone}" data-key="ssr-{index}">'
            f'<div class="card-head"><h3 class="card-title">{escape(str(incident["title"]))}</h3>'
            f'<span class="pills">{_state(tone, catalogue().get(f"impact.{impact}", impact))}'
            f'<span class="pill">{escape(status)}</span></span></div>'
            f'<p class="meta">{escape(_affects(incident, names))} \u00b7 '
            f"{_say('started', time=_time(incident.get('started_at')))}</p>"
            f'<p class="card-text">{escape(str(latest))}</p></li>'
        )
    return "".join(cards)


def _maintenance(windows: Sequence[Mapping[str, Any]], names: Mapping[str, str]) -> str:
    cards = []
    for index, window in enumerate(windows):
        tone = "maint" if window["status"] == "in_progress" else "none"
        status = catalogue().get(f"maintenance.{window['status']}", str(window["status"]))
        span = _say(
            "window", start=_time(window.get("starts_at")), end=_time(window.get("ends_at"))
        )
        description = str(window.get("description") or "")
        cards.append(
            f'<li class="card maintenance tone-maint" data-key="ssr-{index}">'
            f'<div class="card-head"><h3 class="card-title">{escape(str(window["title"]))}</h3>'
            f'<span class="pills">{_state(tone, status)}</span></div>'
            f'<p class="meta">{span} \u00b7 {escape(_affects(window, names))}</p>'
            + (f'<p class="card-text">{escape(description)}</p>' if description else "")
            + "</li>"
        )
    return "".join(cards)


def _replace(page: str, old: str, new: str) -> str:
    """``page`` with ``old`` (an exact piece of the skeleton) replaced, if it is there."""
    return page.replace(old, new, 1)


def render_page(skeleton: str, summary: Mapping[str, Any]) -> str:
    """The bundle's ``index.html`` with ``summary``'s state rendered into it."""
    title = str((summary.get("page") or {}).get("title") or "Service")
    status = summary["status"]
    indicator = str(status["indicator"])
    tone = INDICATOR_TONES.get(indicator, "none")
    description = str(status.get("description") or "")
    names = {c["id"]: str(c["name"]) for c in summary.get("components") or []}
    page = _replace(
        skeleton,
        "<title>Status</title>",
        f"<title>{escape(_say('page.title_with_status', name=title, status=description))}</title>",
    )
    page = _replace(
        page,
        '<h1 id="page-title">Status</h1>',
        f'<h1 id="page-title">{escape(_say("page.title", name=title))}</h1>',
    )
    page = _replace(
        page,
        '<section id="overall" class="banner tone-none"',
        f'<section id="overall" class="banner tone-{tone}"',
    )
    page = _replace(
        page,
        '<span class="icon tone-none" aria-hidden="true">\u2013</span>\n'
        '      <h2 id="overall-heading">Loading status\u2026</h2>',
        f'<span class="icon tone-{tone}" aria-hidden="true">{GLYPHS[tone]}</span>\n'
        f'      <h2 id="overall-heading">{escape(description)}</h2>',
    )
    components = _components(summary)
    if components:
        page = _unhide(page, "components")
        page = _replace(
            page,
            '<ul id="component-list" class="components"></ul>',
            f'<ul id="component-list" class="components">{components}</ul>',
        )
    active = (summary.get("incidents") or {}).get("active") or []
    if active:
        page = _unhide(page, "active-incidents")
        page = _replace(
            page,
            '<ul id="active-list" class="cards"></ul>',
            f'<ul id="active-list" class="cards">{_incidents(active, names)}</ul>',
        )
    maintenance = summary.get("maintenance") or {}
    windows = [*(maintenance.get("active") or []), *(maintenance.get("upcoming") or [])]
    if windows:
        page = _unhide(page, "maintenance")
        page = _replace(
            page,
            '<ul id="maintenance-list" class="cards"></ul>',
            f'<ul id="maintenance-list" class="cards">{_maintenance(windows, names)}</ul>',
        )
    generated = str(summary.get("generated_at") or "")
    return _replace(
        page,
        '<p id="updated">Waiting for the first update.</p>',
        f'<p id="updated">{_say("page.updated", time=_time(generated))}</p>',
    )


def _unhide(page: str, section: str) -> str:
    """The section shown: its skeleton hides it until data arrived, and here it has."""
    start = page.find(f'<section id="{section}"')
    if start < 0:
        return page
    end = page.find(">", start)
    opening = page[start : end + 1]
    return page[:start] + opening.replace(" hidden>", ">") + page[end + 1 :]
