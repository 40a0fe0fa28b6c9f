"""The rows behind the answers, and rows as API objects.

Routes, incidents (with their routes, components and updates) and
maintenance windows (with their routes and components) are read with a fixed
number of queries whatever their count, and serialised here and only here.
The ``component_ids`` of these objects are the components stored as named;
public answers replace them with the components concerned
(:func:`.answers.with_components`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from .. import models
from ..clock import isoformat
from ..components import OTHER_ID, Component, resolve
from ..config import Settings
from .statistics import Window

#: Open incidents and active windows an answer lists at most; also the length
#: of the admin lists.
LIST_LIMIT = 200
#: The page's "recent incidents": resolved in the last 14 days, at most 20.
RECENT_INCIDENT_DAYS = 14
RECENT_INCIDENT_LIMIT = 20
#: The "past" lists of the incident and maintenance answers.
PAST_DAYS = 90
PAST_LIMIT = 50


def _route_filter(settings: Settings) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = [models.routes.c.deleted_at.is_(None)]
    if settings.routes is not None:
        conditions.append(models.routes.c.rule.in_(sorted(settings.routes)))
    return conditions


def load_routes(
    conn: Connection, settings: Settings, route_id: int | None = None
) -> list[RowMapping]:
    """The routes the page shows (not removed, within ``settings.routes``), by name."""
    query = sa.select(models.routes).where(*_route_filter(settings))
    if route_id is not None:
        query = query.where(models.routes.c.id == route_id)
    return list(conn.execute(query.order_by(models.routes.c.name, models.routes.c.id)).mappings())


def public_components(conn: Connection, settings: Settings) -> list[Component]:
    """The app's public components now (``SERVER_STATUS_COMPONENTS`` over the shown routes)."""
    return resolve(settings.components, load_routes(conn, settings), other=settings.other_component)


def nameable_component_ids(conn: Connection, settings: Settings) -> frozenset[str]:
    """The component ids an incident or window may name: the public components now,
    and ``other`` whenever ``SERVER_STATUS_OTHER_COMPONENT`` is on (even while empty)."""
    ids = {component.id for component in public_components(conn, settings)}
    if settings.components is not None and settings.other_component:
        ids.add(OTHER_ID)
    return frozenset(ids)


def linked_component_ids(
    conn: Connection, table: sa.Table, owner_column: str, owner_ids: Sequence[int]
) -> dict[int, list[str]]:
    """The component ids each of ``owner_ids`` names in link ``table``, sorted (one query)."""
    found: dict[int, list[str]] = {owner_id: [] for owner_id in owner_ids}
    if owner_ids:
        links = conn.execute(
            sa.select(table.c[owner_column], table.c.component_id)
            .where(table.c[owner_column].in_(owner_ids))
            .order_by(table.c.component_id)
        )
        for owner_id, component_id in links:
            found[owner_id].append(component_id)
    return found


def _incident_route_ids(conn: Connection, rows: Sequence[RowMapping]) -> dict[int, list[int]]:
    ids = [row["id"] for row in rows]
    linked: dict[int, set[int]] = {row["id"]: set() for row in rows}
    for row in rows:
        if row["route_id"] is not None:
            linked[row["id"]].add(row["route_id"])
    if ids:
        links = conn.execute(
            sa.select(models.incident_routes).where(models.incident_routes.c.incident_id.in_(ids))
        ).mappings()
        for link in links:
            linked[link["incident_id"]].add(link["route_id"])
    return {incident_id: sorted(routes) for incident_id, routes in linked.items()}


def incident_dicts(
    conn: Connection, rows: Sequence[RowMapping], *, admin: bool = False
) -> list[dict[str, Any]]:
    """Incident rows as API objects, with routes, components and updates (three
    queries in all).

    ``admin`` adds the captured exception of automatic incidents, which public
    answers never show.
    """
    if not rows:
        return []
    ids = [row["id"] for row in rows]
    route_ids = _incident_route_ids(conn, rows)
    component_ids = linked_component_ids(conn, models.incident_components, "incident_id", ids)
    updates: dict[int, list[dict[str, Any]]] = defaultdict(list)
    table = models.incident_updates
    update_rows = conn.execute(
        sa.select(table)
        .where(table.c.incident_id.in_(ids))
        .order_by(table.c.created_at, table.c.id)
    ).mappings()
    for update in update_rows:
        updates[update["incident_id"]].append(
            {
                "id": update["id"],
                "status": update["status"],
                "message": update["message"],
                "created_at": isoformat(update["created_at"]),
            }
        )
    result = []
    for row in rows:
        incident: dict[str, Any] = {
            "id": row["id"],
            "title": row["title"],
            "status": row["status"],
            "impact": row["impact"],
            "automatic": bool(row["automatic"]),
            "route_ids": route_ids[row["id"]],
            "component_ids": component_ids[row["id"]],
            "started_at": isoformat(row["started_at"]),
            "resolved_at": isoformat(row["resolved_at"]),
            "updates": updates[row["id"]],
        }
        if admin:
            incident["error_type"] = row["error_type"]
            incident["error_message"] = row["error_message"]
            incident["last_failure_at"] = isoformat(row["last_failure_at"])
        result.append(incident)
    return result


def select_incidents(*conditions: sa.ColumnElement[bool]) -> sa.Select[Any]:
    return sa.select(models.incidents).where(*conditions)


def open_incident_rows(conn: Connection) -> list[RowMapping]:
    table = models.incidents
    query = select_incidents(table.c.resolved_at.is_(None)).order_by(
        table.c.started_at.desc(), table.c.id.desc()
    )
    return list(conn.execute(query.limit(LIST_LIMIT)).mappings())


def resolved_incident_rows(
    conn: Connection, window: Window, *, days: int, limit: int
) -> list[RowMapping]:
    table = models.incidents
    query = select_incidents(
        table.c.resolved_at.is_not(None), table.c.resolved_at >= window.now - timedelta(days=days)
    ).order_by(table.c.resolved_at.desc(), table.c.id.desc())
    return list(conn.execute(query.limit(limit)).mappings())


def maintenance_status(row: RowMapping, now: datetime) -> str:
    if now < row["starts_at"]:
        return "scheduled"
    if now < row["ends_at"]:
        return "in_progress"
    return "completed"


def maintenance_dicts(
    conn: Connection, rows: Sequence[RowMapping], now: datetime
) -> list[dict[str, Any]]:
    """Maintenance rows as API objects with their routes and components (two queries)."""
    ids = [row["id"] for row in rows]
    routes: dict[int, list[int]] = defaultdict(list)
    if ids:
        table = models.maintenance_routes
        links = conn.execute(
            sa.select(table).where(table.c.maintenance_id.in_(ids)).order_by(table.c.route_id)
        ).mappings()
        for link in links:
            routes[link["maintenance_id"]].append(link["route_id"])
    component_ids = linked_component_ids(conn, models.maintenance_components, "maintenance_id", ids)
    return [
        {
            "id": row["id"],
            "title": row["title"],
            "description": row["description"],
            "starts_at": isoformat(row["starts_at"]),
            "ends_at": isoformat(row["ends_at"]),
            "route_ids": routes[row["id"]],
            "component_ids": component_ids[row["id"]],
            "status": maintenance_status(row, now),
        }
        for row in rows
    ]


def active_maintenance_rows(conn: Connection, now: datetime) -> list[RowMapping]:
    table = models.maintenance
    query = (
        sa.select(table)
        .where(table.c.starts_at <= now, table.c.ends_at > now)
        .order_by(table.c.starts_at, table.c.id)
    )
    return list(conn.execute(query.limit(LIST_LIMIT)).mappings())


def upcoming_maintenance_rows(conn: Connection, now: datetime) -> list[RowMapping]:
    table = models.maintenance
    query = sa.select(table).where(table.c.starts_at > now).order_by(table.c.starts_at, table.c.id)
    return list(conn.execute(query.limit(PAST_LIMIT)).mappings())


def past_maintenance_rows(conn: Connection, now: datetime) -> list[RowMapping]:
    table = models.maintenance
    query = (
        sa.select(table)
        .where(table.c.ends_at <= now, table.c.ends_at >= now - timedelta(days=PAST_DAYS))
        .order_by(table.c.ends_at.desc(), table.c.id.desc())
    )
    return list(conn.execute(query.limit(PAST_LIMIT)).mappings())
