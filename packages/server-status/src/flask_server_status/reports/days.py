"""The incidents of every day of the history, in the page's zone.

A day lists the incidents open at any time during it: an incident is open
from ``started_at`` (inclusive) to ``resolved_at`` (exclusive), or until now
while unresolved, and covers the days of the zone (``SERVER_STATUS_TIMEZONE``)
its open time touches. An incident concerns the routes it names and the
routes of the components it names; one that names neither concerns every
route. One query for all routes and days.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from datetime import date, timedelta
from itertools import groupby
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from .. import models
from ..clock import local_date
from .statistics import Window

#: Route id -> day of the zone -> ``{id, title, impact}`` of its incidents, oldest first.
DayIncidents = dict[int, dict[date, list[dict[str, Any]]]]

#: The widest gap between a zone's midnight and UTC midnight (UTC-12 to UTC+14 exist).
WIDEST_OFFSET = timedelta(hours=15)
#: The open time of an incident ends just before ``resolved_at``.
_JUST_BEFORE = timedelta(microseconds=1)


def day_incidents(
    conn: Connection,
    route_ids: Iterable[int],
    window: Window,
    days: int,
    component_routes: Mapping[str, Collection[int]],
) -> DayIncidents:
    """The incidents of the routes ``route_ids`` on each of the ``days`` days ending today.

    ``component_routes`` maps each public component id to its route ids: an
    incident naming a component is listed on the days of the component's routes.
    """
    ids = set(route_ids)
    found: DayIncidents = {route_id: defaultdict(list) for route_id in ids}
    if not ids:
        return found
    first_day = window.start_days(days).date()
    today = window.today.date()
    incidents = models.incidents
    route_links, component_links = models.incident_routes, models.incident_components
    # A UTC bound that is sure to include the zone's first day; the exact
    # days are decided below from each incident's times.
    since = window.start_days(days) - WIDEST_OFFSET
    wanted = (
        incidents.c.started_at <= window.now,
        sa.or_(incidents.c.resolved_at.is_(None), incidents.c.resolved_at > since),
    )
    columns = (
        incidents.c.id,
        incidents.c.title,
        incidents.c.impact,
        incidents.c.started_at,
        incidents.c.resolved_at,
    )
    # One row per named route (or one without when none is named), then one
    # per named component: an incident's rows are adjacent in the order below.
    by_route = (
        sa.select(
            *columns,
            sa.func.coalesce(incidents.c.route_id, route_links.c.route_id).label("route_id"),
            sa.null().label("component_id"),
        )
        .select_from(incidents.outerjoin(route_links, route_links.c.incident_id == incidents.c.id))
        .where(*wanted)
    )
    by_component = (
        sa.select(*columns, sa.null().label("route_id"), component_links.c.component_id)
        .select_from(
            incidents.join(component_links, component_links.c.incident_id == incidents.c.id)
        )
        .where(*wanted)
    )
    rows = sa.union_all(by_route, by_component).subquery()
    query = sa.select(rows).order_by(rows.c.started_at, rows.c.id)
    for _, group in groupby(conn.execute(query).mappings(), key=lambda row: row["id"]):
        named = list(group)
        row = named[0]
        covered = _covered(named, ids, component_routes)
        if not covered:
            continue
        end = window.now if row["resolved_at"] is None else row["resolved_at"] - _JUST_BEFORE
        day = max(first_day, local_date(row["started_at"], window.zone))
        last = min(today, local_date(max(row["started_at"], end), window.zone))
        entry = {"id": row["id"], "title": row["title"], "impact": row["impact"]}
        while day <= last:
            for route_id in covered:
                found[route_id][day].append(entry)
            day += timedelta(days=1)
    return found


def _covered(
    named: Iterable[RowMapping],
    ids: set[int],
    component_routes: Mapping[str, Collection[int]],
) -> set[int]:
    """Which of the routes ``ids`` an incident's rows (its named routes and components) cover."""
    routes = {row["route_id"] for row in named if row["route_id"] is not None}
    components = {row["component_id"] for row in named if row["component_id"] is not None}
    if not routes and not components:
        return ids
    for component_id in components:
        routes.update(component_routes.get(component_id, ()))
    return ids & routes
