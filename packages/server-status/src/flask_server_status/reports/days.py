"""The incidents of every day of the history, in the page's zone.

A day lists the incidents open at any time during it: an incident is open
from ``started_at`` (inclusive) to ``resolved_at`` (exclusive), or until now
while unresolved, and covers the days of the zone (``SERVER_STATUS_TIMEZONE``)
its open time touches. An incident without routes concerns every route.
One query for all routes and days.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

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
    conn: Connection, route_ids: Iterable[int], window: Window, days: int
) -> DayIncidents:
    """The incidents of the routes ``route_ids`` on each of the ``days`` days ending today."""
    ids = set(route_ids)
    found: DayIncidents = {route_id: defaultdict(list) for route_id in ids}
    if not ids:
        return found
    first_day = window.start_days(days).date()
    today = window.today.date()
    incidents, links = models.incidents, models.incident_routes
    # A UTC bound that is sure to include the zone's first day; the exact
    # days are decided below from each incident's times.
    since = window.start_days(days) - WIDEST_OFFSET
    rows = conn.execute(
        sa.select(
            incidents.c.id,
            incidents.c.title,
            incidents.c.impact,
            incidents.c.started_at,
            incidents.c.resolved_at,
            sa.func.coalesce(incidents.c.route_id, links.c.route_id).label("route_id"),
        )
        .select_from(incidents.outerjoin(links, links.c.incident_id == incidents.c.id))
        .where(
            incidents.c.started_at <= window.now,
            sa.or_(incidents.c.resolved_at.is_(None), incidents.c.resolved_at > since),
        )
        .order_by(incidents.c.started_at, incidents.c.id, "route_id")
    ).mappings()
    for row in rows:
        covered = ids if row["route_id"] is None else ids & {row["route_id"]}
        if not covered:
            continue
        end = window.now if row["resolved_at"] is None else row["resolved_at"] - _JUST_BEFORE
        day = max(first_day, local_date(row["started_at"], window.zone))
        last = min(today, local_date(max(row["started_at"], end), window.zone))
        entry = {"id": row["id"], "title": row["title"], "impact": row["impact"]}
        while day <= last:
            for route_id in covered:
                listed = found[route_id][day]
                if not listed or listed[-1]["id"] != row["id"]:  # one entry per incident
                    listed.append(entry)
            day += timedelta(days=1)
    return found
