"""Atlassian Statuspage's public API v2, spoken from our components and incidents.

Existing tools (aggregators, exporters, Atlassian's status widget) read
``/api/v2/summary.json`` and its siblings. :func:`statuspage_answer` serves
the same shapes and vocabularies from one consistent read (:class:`Report`,
by component); the functions above it are the pure mapping:

- the banner: ``operational``/``no_data`` -> ``none``, ``degraded`` -> ``minor``,
  ``partial_outage`` -> ``major``, ``major_outage`` -> ``critical``,
  ``maintenance`` -> ``maintenance`` (Statuspage's own indicator for it);
- a component: ``operational``/``no_traffic``/``no_data`` -> ``operational``
  (Statuspage knows no silence), ``degraded`` -> ``degraded_performance``,
  ``outage`` -> ``partial_outage``, or ``major_outage`` when a ``critical``
  incident concerns it, ``maintenance`` -> ``under_maintenance``;
- incident statuses and impacts are Statuspage's own words already
  (``postmortem`` is never produced); maintenance ``scheduled``,
  ``in_progress``, ``completed`` likewise (``verifying`` never).

Public components are the unit: groups are components with ``group: true``
and the ids of their ``components``; URL rules never appear. Ids are
strings, as Statuspage's are: a component's id, ``group-<slug>`` for a group
(so a group never takes a component's id), the number of an incident or a
maintenance window.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine

from ..clock import isoformat, utcnow
from ..components import Component, slug
from ..config import Settings
from .answers import Report
from .objects import (
    PAST_DAYS,
    incident_dicts,
    maintenance_dicts,
    past_maintenance_rows,
    resolved_incident_rows,
)
from .statistics import Window
from .status_rules import concerns

#: The answers, by their path under ``api/v2/``.
ANSWERS: tuple[str, ...] = (
    "summary.json",
    "status.json",
    "components.json",
    "incidents.json",
    "incidents/unresolved.json",
    "scheduled-maintenances.json",
    "scheduled-maintenances/upcoming.json",
    "scheduled-maintenances/active.json",
)

#: Our banner indicator -> Statuspage's ``status.indicator`` and description.
INDICATORS: dict[str, tuple[str, str]] = {
    "operational": ("none", "All Systems Operational"),
    "no_data": ("none", "No data yet"),
    "degraded": ("minor", "Minor Service Outage"),
    "partial_outage": ("major", "Partial System Outage"),
    "major_outage": ("critical", "Major System Outage"),
    "maintenance": ("maintenance", "Service Under Maintenance"),
}

#: Our component status -> Statuspage's component status (``outage``: see :func:`component_status`).
COMPONENT_STATUSES: dict[str, str] = {
    "operational": "operational",
    "no_traffic": "operational",
    "no_data": "operational",
    "degraded": "degraded_performance",
    "outage": "partial_outage",
    "maintenance": "under_maintenance",
}

#: Incidents and maintenance windows listed by ``incidents.json`` and
#: ``scheduled-maintenances.json``, newest first, as Statuspage lists them.
LIST_LIMIT = 50


def status_object(indicator: str) -> dict[str, str]:
    """Statuspage's ``status`` object for our banner ``indicator``."""
    theirs, description = INDICATORS[indicator]
    return {"indicator": theirs, "description": description}


def component_status(ours: str, impacts: Sequence[str]) -> str:
    """Statuspage's status of a component whose status is ``ours``, concerned by open
    incidents of ``impacts``: an outage with a critical incident is a major outage."""
    if ours == "outage" and "critical" in impacts:
        return "major_outage"
    return COMPONENT_STATUSES[ours]


def page_object(settings: Settings, *, page_url: str, updated_at: str) -> dict[str, Any]:
    """Statuspage's ``page`` object: the page's id (its title's slug), name, URL and zone."""
    return {
        "id": page_id(settings),
        "name": settings.page_title,
        "url": page_url,
        "time_zone": settings.timezone_name,
        "updated_at": updated_at,
    }


def page_id(settings: Settings) -> str:
    return slug(settings.page_title) or "status"


def group_id(group: str) -> str:
    return f"group-{slug(group)}"


def component_objects(
    components: Sequence[Component],
    statuses: Sequence[str],
    *,
    created: Sequence[str],
    updated: Sequence[str],
    page: str,
) -> list[dict[str, Any]]:
    """Statuspage components for ``components`` (with their Statuspage ``statuses``), each
    group first as a component with ``group: true``, in configuration order."""
    result: list[dict[str, Any]] = []
    groups: dict[str, dict[str, Any]] = {}
    for index, component in enumerate(components):
        times = {"created_at": created[index], "updated_at": updated[index]}
        parent = None
        if component.group is not None:
            parent = group_id(component.group)
            if parent not in groups:
                first = _component(parent, component.group, "", statuses[index], times, page, None)
                groups[parent] = first | {"group": True, "components": []}
                result.append(groups[parent])
            group = groups[parent]
            group["components"].append(component.id)
            # A group reads as its worst member, and spans its members' times.
            group["status"] = worst(group["status"], statuses[index])
            group["created_at"] = min(group["created_at"], created[index])
            group["updated_at"] = max(group["updated_at"], updated[index])
        result.append(
            _component(
                component.id,
                component.name,
                component.description,
                statuses[index],
                times,
                page,
                parent,
            )
        )
    for position, entry in enumerate(result, start=1):
        entry["position"] = position
    return result


#: Statuspage's component statuses, best first.
SEVERITY: tuple[str, ...] = (
    "operational",
    "under_maintenance",
    "degraded_performance",
    "partial_outage",
    "major_outage",
)


def worst(a: str, b: str) -> str:
    return max(a, b, key=SEVERITY.index)


def _component(
    component_id: str,
    name: str,
    description: str,
    status: str,
    times: Mapping[str, str],
    page: str,
    group_id: str | None,
) -> dict[str, Any]:
    """One Statuspage component (``position`` set by the caller)."""
    return {
        "id": component_id,
        "name": name,
        "status": status,
        "created_at": times["created_at"],
        "updated_at": times["updated_at"],
        "position": 0,
        "description": description or None,
        "showcase": True,
        "start_date": times["created_at"][:10],
        "group_id": group_id,
        "page_id": page,
        "group": False,
        "only_show_if_degraded": False,
    }


def incident_object(
    incident: Mapping[str, Any],
    components: Mapping[str, Mapping[str, Any]],
    *,
    page: str,
    page_url: str,
) -> dict[str, Any]:
    """Statuspage's incident for one of our public incidents (with ``component_ids``)."""
    updates = incident["updates"]
    monitoring = [u["created_at"] for u in updates if u["status"] == "monitoring"]
    started = incident["started_at"]
    return {
        "id": str(incident["id"]),
        "name": incident["title"],
        "status": incident["status"],
        "created_at": started,
        "updated_at": max([started] + [u["created_at"] for u in updates]),
        "monitoring_at": monitoring[-1] if monitoring else None,
        "resolved_at": incident["resolved_at"],
        "impact": incident["impact"],
        "shortlink": f"{page_url}#incident-{incident['id']}",
        "started_at": started,
        "page_id": page,
        "incident_updates": [
            _update(incident["id"], u["id"], u["status"], u["message"], u["created_at"])
            for u in reversed(updates)  # newest first, as Statuspage lists them
        ],
        "components": [components[i] for i in incident["component_ids"] if i in components],
    }


def maintenance_object(
    window: Mapping[str, Any],
    components: Mapping[str, Mapping[str, Any]],
    *,
    page: str,
    page_url: str,
) -> dict[str, Any]:
    """Statuspage's scheduled maintenance for one of our windows (with ``component_ids``).

    The store keeps no updates of a window: its one update is its description,
    at its start, in its current status.
    """
    starts, ends, status = window["starts_at"], window["ends_at"], window["status"]
    updated = ends if status == "completed" else starts
    return {
        "id": str(window["id"]),
        "name": window["title"],
        "status": status,
        "created_at": starts,
        "updated_at": updated,
        "monitoring_at": None,
        "resolved_at": ends if status == "completed" else None,
        "impact": "maintenance",
        "shortlink": f"{page_url}#maintenance-{window['id']}",
        "started_at": starts,
        "page_id": page,
        "incident_updates": [
            _update(window["id"], window["id"], status, window["description"], updated)
        ],
        "components": [components[i] for i in window["component_ids"] if i in components],
        "scheduled_for": starts,
        "scheduled_until": ends,
    }


def _update(
    owner_id: int, update_id: int, status: str, body: str, created_at: str
) -> dict[str, Any]:
    return {
        "id": str(update_id),
        "status": status,
        "body": body,
        "incident_id": str(owner_id),
        "created_at": created_at,
        "updated_at": created_at,
        "display_at": created_at,
        "affected_components": None,
        "deliver_notifications": True,
        "custom_tweet": None,
        "tweet_id": None,
    }


def _component_times(report: Report, fallback: str) -> tuple[list[str], list[str]]:
    """Per component: since when its routes exist, and when its status last changed
    (the latest of that, an open incident's last update, an active window's start)."""
    route_created = {row["id"]: isoformat(row["created_at"]) or fallback for row in report.routes}
    created: list[str] = []
    updated: list[str] = []
    for component in report.components:
        since = min((route_created[r] for r in component.route_ids), default=fallback)
        changes = [since]
        for incident in report.open_incidents:
            if concerns(incident, component.route_ids, (component.id,)):
                changes += [incident["started_at"], *(u["created_at"] for u in incident["updates"])]
        for window in report.active_maintenance:
            if concerns(window, component.route_ids, (component.id,)):
                changes.append(window["starts_at"])
        created.append(since)
        updated.append(max(changes))
    return created, updated


def statuspage_answer(
    engine: Engine,
    settings: Settings,
    name: str,
    *,
    page_url: str,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The answer of ``GET {prefix}/api/v2/<name>`` (``name`` one of :data:`ANSWERS`).

    ``page_url`` is the page's public URL, for ``page.url`` and the
    ``shortlink`` of incidents and windows.
    """
    moment = utcnow() if now is None else now
    generated = isoformat(moment) or ""
    with engine.connect() as conn:
        report = Report.load(conn, settings, moment, page=True, by_component=True)
        page = page_object(settings, page_url=page_url, updated_at=generated)
        pid = page["id"]
        result: dict[str, Any] = {"page": page}
        if name == "status.json":
            return result | {"status": status_object(report.overall()["indicator"])}
        open_incidents = report.with_components(report.open_incidents)
        created, updated = _component_times(report, generated)
        statuses = [
            component_status(
                report.component_status(index),
                [i["impact"] for i in open_incidents if component.id in i["component_ids"]],
            )
            for index, component in enumerate(report.components)
        ]
        components = component_objects(
            report.components, statuses, created=created, updated=updated, page=pid
        )
        by_id = {c["id"]: c for c in components if not c["group"]}

        def incidents(listed: list[dict[str, Any]]) -> list[dict[str, Any]]:
            return [
                incident_object(i, by_id, page=pid, page_url=page_url)
                for i in report.with_components(listed)
            ]

        def windows(listed: list[dict[str, Any]]) -> list[dict[str, Any]]:
            return [
                maintenance_object(w, by_id, page=pid, page_url=page_url)
                for w in report.with_components(listed)
            ]

        if name == "components.json":
            return result | {"components": components}
        if name == "incidents/unresolved.json":
            return result | {"incidents": incidents(report.open_incidents)}
        if name == "incidents.json":
            resolved = resolved_incident_rows(
                conn, Window(moment), days=PAST_DAYS, limit=LIST_LIMIT
            )
            listed = report.open_incidents + incident_dicts(conn, resolved)
            return result | {"incidents": incidents(listed[:LIST_LIMIT])}
        if name == "scheduled-maintenances/upcoming.json":
            return result | {"scheduled_maintenances": windows(report.upcoming_maintenance)}
        if name == "scheduled-maintenances/active.json":
            return result | {"scheduled_maintenances": windows(report.active_maintenance)}
        if name == "scheduled-maintenances.json":
            past = maintenance_dicts(conn, past_maintenance_rows(conn, moment), moment)
            listed = report.upcoming_maintenance[::-1] + report.active_maintenance + past
            return result | {"scheduled_maintenances": windows(listed[:LIST_LIMIT])}
        # summary.json: components, unresolved incidents, active and upcoming windows.
        return result | {
            "components": components,
            "incidents": incidents(report.open_incidents),
            "scheduled_maintenances": windows(
                report.active_maintenance + report.upcoming_maintenance
            ),
            "status": status_object(report.overall()["indicator"]),
        }


__all__ = ["ANSWERS", "statuspage_answer"]
