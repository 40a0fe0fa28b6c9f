"""Automatic incidents, opened, raised and resolved by the flush that sees the evidence.

After a flush wrote its counts, every route it counted and every route with
an open automatic incident is judged (``reports.judgement``: error-budget
burn rates over windows from 5 minutes to 3 days, summed from the buckets so
every process's counts are included):

- Open: an alert holds and the route has no open automatic incident: one is
  opened with the alert's severity as its ``impact`` (``major`` for a fast or
  medium burn, ``minor`` for a slow burn or a missed latency objective) and a
  first update stating the evidence in words. A partial unique index (one open
  automatic incident per route) plus ``ON CONFLICT DO NOTHING`` make this safe
  when several processes flush at the same moment: one insert wins.
- Raise: an alert worse than the open incident's impact holds (a fast burn
  starting during a slow one): the impact is raised, with an update saying so.
  The ``UPDATE ... WHERE impact <> 'major'`` lets exactly one writer raise it.
- Resolve: the route is quiet (within its objectives over the last
  ``SERVER_STATUS_INCIDENT_QUIET_SECONDS``): the incident is resolved with a
  closing update. The route's windows then restart at the resolution, so the
  failures behind a resolved incident never open another.

While an open incident's alert holds, its ``last_failure_at`` moves to the
flush time, and every flush that saw an unhandled exception for the route
stores its type and message (admin views only).

Maintenance: while a window covering the route (naming it or its component;
a window naming neither routes nor components covers the whole service) is
in progress, no incident opens or is raised for
it, and once the window is over, the route's windows start at its end. An
incident already open when the window started stays open and is resolved by
the quiet period as usual.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from .aggregate import ErrorInfo
from .components import resolve
from .config import Settings
from .models import (
    OPEN_AUTOMATIC_INCIDENT_WHERE,
    incident_updates,
    incidents,
    insert_if_new,
    maintenance,
    maintenance_components,
    maintenance_routes,
    routes,
)
from .reports.judgement import (
    QUIET,
    WINDOWS,
    Verdict,
    is_quiet,
    judge,
    load_windows,
    objectives_for,
    quiet_evidence,
    worse,
)

#: How far back maintenance windows and resolutions restart a route's windows.
_LONGEST_WINDOW = timedelta(minutes=max(WINDOWS.values()))


@dataclass(frozen=True)
class FlushedRoute:
    """A route one flush counted: its name, rule, endpoint and last unhandled error."""

    name: str
    rule: str
    endpoint: str
    error: ErrorInfo | None


@dataclass(frozen=True)
class _OpenIncident:
    id: int
    impact: str


def update_automatic_incidents(
    connection: sa.Connection,
    flushed: Mapping[int, FlushedRoute],
    now: datetime,
    settings: Settings,
) -> None:
    """Open, raise, refresh and resolve automatic incidents after a flush at ``now``."""
    judged = dict(flushed)
    open_incidents: dict[int, _OpenIncident] = {}
    for row in connection.execute(
        sa.select(
            incidents.c.id,
            incidents.c.route_id,
            incidents.c.impact,
            routes.c.name,
            routes.c.rule,
            routes.c.endpoint,
        )
        .join(routes, routes.c.id == incidents.c.route_id)
        .where(OPEN_AUTOMATIC_INCIDENT_WHERE)
    ).mappings():
        open_incidents[row["route_id"]] = _OpenIncident(row["id"], row["impact"])
        judged.setdefault(
            row["route_id"], FlushedRoute(row["name"], row["rule"], row["endpoint"], None)
        )
    if not judged:
        return
    in_maintenance, cuts = _restarts(connection, judged, now, settings)
    windows = load_windows(
        connection,
        judged,
        now,
        quiet_seconds=settings.incident_quiet_seconds,
        latency=settings.latency_objective_ms is not None,
        cuts=cuts,
    )
    for route_id, route in sorted(judged.items()):
        objectives = objectives_for(settings, route.rule, route.endpoint)
        verdict = None if route_id in in_maintenance else judge(windows[route_id], objectives)
        incident = open_incidents.get(route_id)
        if incident is None:
            if verdict is not None:
                _open(connection, route_id, route, verdict, now)
            continue
        _refresh(connection, incident.id, route.error, now if verdict is not None else None)
        if verdict is not None and worse(verdict.severity, incident.impact):
            _raise(connection, incident.id, route, verdict, now)
        elif is_quiet(windows[route_id][QUIET], objectives):
            message = "Resolved automatically: " + quiet_evidence(
                windows[route_id][QUIET], objectives, settings.incident_quiet_seconds
            )
            _resolve(connection, incident.id, message, now)


def _restarts(
    connection: sa.Connection,
    judged: Mapping[int, FlushedRoute],
    now: datetime,
    settings: Settings,
) -> tuple[set[int], dict[int, datetime]]:
    """Routes in maintenance now, and where each route's windows restart.

    Windows restart at the end of the latest finished maintenance window
    covering the route and at the resolution of its last automatic incident.
    """
    since = now - _LONGEST_WINDOW
    recent = (maintenance.c.starts_at <= now, maintenance.c.ends_at > since)
    by_route = (
        sa.select(
            maintenance.c.id,
            maintenance.c.ends_at,
            maintenance_routes.c.route_id,
            sa.null().label("component_id"),
        )
        .select_from(maintenance.outerjoin(maintenance_routes))
        .where(*recent)
    )
    by_component = (
        sa.select(
            maintenance.c.id,
            maintenance.c.ends_at,
            sa.null().label("route_id"),
            maintenance_components.c.component_id,
        )
        .select_from(maintenance.join(maintenance_components))
        .where(*recent)
    )
    windows: dict[int, tuple[datetime, set[int], set[str]]] = {}
    for window_id, ends_at, route_id, component_id in connection.execute(
        sa.union_all(by_route, by_component)
    ):
        _, named_routes, named_components = windows.setdefault(window_id, (ends_at, set(), set()))
        if route_id is not None:
            named_routes.add(route_id)
        if component_id is not None:
            named_components.add(component_id)
    component_of = _components_of(judged, settings)
    covering: dict[int, list[datetime]] = {route_id: [] for route_id in judged}
    for ends_at, named_routes, named_components in windows.values():
        for covered in judged:
            if (
                (not named_routes and not named_components)
                or covered in named_routes
                or component_of.get(covered) in named_components
            ):
                covering[covered].append(ends_at)
    in_maintenance = {rid for rid, ends in covering.items() if any(end > now for end in ends)}
    cuts = {rid: max(ends) for rid, ends in covering.items() if ends}
    resolutions = connection.execute(
        sa.select(incidents.c.route_id, sa.func.max(incidents.c.resolved_at))
        .where(
            incidents.c.automatic == sa.true(),
            incidents.c.resolved_at > since,
            incidents.c.route_id.in_(sorted(judged)),
        )
        .group_by(incidents.c.route_id)
    )
    for route_id, resolved_at in resolutions:
        cuts[route_id] = max(resolved_at, cuts.get(route_id, resolved_at))
    return in_maintenance, cuts


def _components_of(judged: Mapping[int, FlushedRoute], settings: Settings) -> dict[int, str]:
    """Route id -> the id of the component ``SERVER_STATUS_COMPONENTS`` puts it in."""
    rows = [
        {"id": rid, "rule": r.rule, "endpoint": r.endpoint, "name": r.name, "doc": ""}
        for rid, r in judged.items()
    ]
    components = resolve(settings.components, rows, other=settings.other_component)
    return {route_id: c.id for c in components for route_id in c.route_ids}


def _title(route: FlushedRoute, verdict: Verdict) -> str:
    if verdict.severity == "major":
        return f"{route.name} is failing"
    if verdict.alert == "latency":
        return f"{route.name} is slow"
    return f"{route.name} has elevated errors"


def _refresh(
    connection: sa.Connection,
    incident_id: int,
    error: ErrorInfo | None,
    burning_at: datetime | None,
) -> None:
    values: dict[str, object] = {}
    if burning_at is not None:
        # Flushes can arrive out of order (clocks of several hosts): keep the latest.
        values["last_failure_at"] = sa.case(
            (incidents.c.last_failure_at > burning_at, incidents.c.last_failure_at),
            else_=burning_at,
        )
    if error is not None:
        values["error_type"], values["error_message"] = error
    if values:
        connection.execute(
            sa.update(incidents).where(incidents.c.id == incident_id).values(**values)
        )


def _add_update(
    connection: sa.Connection, incident_id: int, status: str, message: str, now: datetime
) -> None:
    connection.execute(
        sa.insert(incident_updates).values(
            incident_id=incident_id, status=status, message=message, created_at=now
        )
    )


def _open(
    connection: sa.Connection,
    route_id: int,
    route: FlushedRoute,
    verdict: Verdict,
    now: datetime,
) -> None:
    error_type, error_message = route.error if route.error is not None else (None, None)
    opened = insert_if_new(
        connection,
        incidents,
        ["route_id"],
        {
            "route_id": route_id,
            "title": _title(route, verdict),
            "status": "investigating",
            "impact": verdict.severity,
            "automatic": True,
            "started_at": now,
            "last_failure_at": now,
            "error_type": error_type,
            "error_message": error_message,
        },
        OPEN_AUTOMATIC_INCIDENT_WHERE,
    )
    if opened is not None:
        _add_update(
            connection,
            opened,
            "investigating",
            f"Opened automatically: {verdict.evidence}",
            now,
        )
        return
    # Another process opened it since we looked: raise it if ours is worse.
    winner = connection.execute(
        sa.select(incidents.c.id, incidents.c.impact).where(
            incidents.c.route_id == route_id, OPEN_AUTOMATIC_INCIDENT_WHERE
        )
    ).first()
    if winner is not None and worse(verdict.severity, winner.impact):
        _raise(connection, winner.id, route, verdict, now)


def _raise(
    connection: sa.Connection,
    incident_id: int,
    route: FlushedRoute,
    verdict: Verdict,
    now: datetime,
) -> None:
    # No UPDATE ... RETURNING: MySQL and MariaDB have none. The row stays locked
    # by the update until commit, so the status read next is the one raised.
    raised = connection.execute(
        sa.update(incidents)
        .where(incidents.c.id == incident_id, incidents.c.impact != verdict.severity)
        .values(impact=verdict.severity, title=_title(route, verdict))
    )
    if raised.rowcount == 1:
        status = connection.execute(
            sa.select(incidents.c.status).where(incidents.c.id == incident_id)
        ).scalar_one()
        _add_update(
            connection,
            incident_id,
            status,
            f"Raised to {verdict.severity}: {verdict.evidence}",
            now,
        )


def _resolve(connection: sa.Connection, incident_id: int, message: str, now: datetime) -> None:
    resolved = connection.execute(
        sa.update(incidents)
        .where(incidents.c.id == incident_id, OPEN_AUTOMATIC_INCIDENT_WHERE)
        .values(status="resolved", resolved_at=now)
    )
    if resolved.rowcount == 1:  # not already resolved by a concurrent flush
        _add_update(connection, incident_id, "resolved", message, now)
