"""Reading the summary as a test does: components of routes, columnar histories as days.

The summary's components carry no URL rule (rules are private by default);
without ``SERVER_STATUS_COMPONENTS`` each route is the component
``route-<route id>``, so a test finds a route's component through the route's
id in the database. :func:`days_of` turns a component's columnar history back
into one object per day, with the same fields as a route's history entries,
so both shapes are checked by the same assertions.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask

from flask_server_status import get_state, models

#: Day entry field -> history column of the summary.
FIELDS = {
    "requests": "requests",
    "failures": "failures",
    "client_errors": "client_errors",
    "uptime": "uptime",
    "latency_p50_ms": "p50",
    "latency_p95_ms": "p95",
    "latency_p99_ms": "p99",
    "state": "state",
    "coverage": "coverage",
}


def route_id(app: Flask, rule: str) -> int:
    """The id of the route recorded for ``rule``."""
    with get_state(app).engine.connect() as conn:
        return int(
            conn.execute(
                sa.select(models.routes.c.id).where(models.routes.c.rule == rule)
            ).scalar_one()
        )


def component_of(summary: dict[str, Any], component_id: str) -> dict[str, Any]:
    (found,) = (c for c in summary["components"] if c["id"] == component_id)
    return found


def route_component(app: Flask, summary: dict[str, Any], rule: str) -> dict[str, Any]:
    """The default component (one per route) of the route recorded for ``rule``."""
    return component_of(summary, f"route-{route_id(app, rule)}")


def days_of(summary: dict[str, Any], component: dict[str, Any]) -> list[dict[str, Any]]:
    """The component's history as day entries, oldest first, incidents named by the summary."""
    history = component["history"]
    referenced = summary["incidents"]["referenced"]
    first = date.fromisoformat(history["start"])
    entries = []
    for index in range(len(history["requests"])):
        entry: dict[str, Any] = {"date": (first + timedelta(days=index)).isoformat()}
        entry |= {field: history[column][index] for field, column in FIELDS.items()}
        entry["incidents"] = [
            {"id": incident_id, **referenced[str(incident_id)]}
            for day, incident_id in history["incidents"]
            if day == index
        ]
        entries.append(entry)
    return entries


def route_days(app: Flask, summary: dict[str, Any], rule: str) -> list[dict[str, Any]]:
    """The history days of the component of the route recorded for ``rule``."""
    return days_of(summary, route_component(app, summary, rule))


def by_rule(app: Flask, listed: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Public route objects (which carry no rule by default) keyed by their stored rule."""
    with get_state(app).engine.connect() as conn:
        rules = dict(conn.execute(sa.select(models.routes.c.id, models.routes.c.rule)).all())
    return {rules[route["id"]]: route for route in listed}
