"""Automatic incidents, opened and resolved by the flush that sees the evidence.

Open: after a flush wrote failures for a route, its failures over the last
``SERVER_STATUS_INCIDENT_WINDOW_SECONDS`` (summed from the minute buckets, so
every process's counts are included) are compared with
``SERVER_STATUS_INCIDENT_FAILURE_THRESHOLD``; at or above it an automatic
incident is opened unless one is already open for the route. A partial unique
index (one open automatic incident per route) plus ``ON CONFLICT DO NOTHING``
make this safe when several processes flush at the same moment: one insert
wins, the others update the winner.

Every flush with failures for a route moves the open incident's
``last_failure_at`` forward and stores the type and message of the last
unhandled exception seen for the route (admin views only).

Maintenance: while a maintenance window covering the route (a window without
routes covers the whole service) is in progress, no automatic incident opens
for it, and once the window is over, failures from before its end do not
count towards the threshold. An incident already open when the window started
stays open and is resolved by the quiet period as usual.

Resolve: an open automatic incident whose ``last_failure_at`` is older than
``SERVER_STATUS_INCIDENT_QUIET_SECONDS`` is resolved with a closing update.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from .aggregate import ErrorInfo
from .clock import bucket_start
from .config import Settings
from .models import (
    OPEN_AUTOMATIC_INCIDENT_WHERE,
    dialect_insert,
    incident_updates,
    incidents,
    maintenance,
    maintenance_routes,
    minute_buckets,
)


@dataclass(frozen=True)
class RouteFailures:
    """What one flush saw for one route: its name, when it last failed, the last error."""

    name: str
    last_failure_at: datetime
    error: ErrorInfo | None


def update_automatic_incidents(
    connection: sa.Connection,
    failures: Mapping[int, RouteFailures],
    now: datetime,
    settings: Settings,
) -> None:
    """Open, refresh and resolve automatic incidents after a flush at ``now``."""
    for route_id, seen in sorted(failures.items()):
        if not _refresh_open(connection, route_id, seen) and _over_threshold(
            connection, route_id, now, settings
        ):
            _open(connection, route_id, seen, now, settings)
    resolve_quiet_incidents(connection, now, settings)


def _refresh_open(connection: sa.Connection, route_id: int, seen: RouteFailures) -> bool:
    values: dict[str, object] = {
        # Flushes can arrive out of order (a buffer replayed after an outage):
        # keep the latest failure time.
        "last_failure_at": sa.case(
            (incidents.c.last_failure_at > seen.last_failure_at, incidents.c.last_failure_at),
            else_=seen.last_failure_at,
        )
    }
    if seen.error is not None:
        values["error_type"], values["error_message"] = seen.error
    result = connection.execute(
        sa.update(incidents)
        .where(incidents.c.route_id == route_id, OPEN_AUTOMATIC_INCIDENT_WHERE)
        .values(**values)
    )
    return result.rowcount > 0


def _over_threshold(
    connection: sa.Connection, route_id: int, now: datetime, settings: Settings
) -> bool:
    since = bucket_start(now, "minute") - timedelta(seconds=settings.incident_window_seconds)
    maintenance_end = _last_maintenance_end(connection, route_id, since, now)
    if maintenance_end is not None:
        if maintenance_end > now:
            return False  # in maintenance: failures are expected
        # Failures during the window are not held against the route afterwards.
        since = max(since, maintenance_end)
    total = connection.execute(
        sa.select(sa.func.coalesce(sa.func.sum(minute_buckets.c.failures), 0)).where(
            minute_buckets.c.route_id == route_id, minute_buckets.c.bucket_start >= since
        )
    ).scalar_one()
    return int(total) >= settings.incident_failure_threshold


def _last_maintenance_end(
    connection: sa.Connection, route_id: int, since: datetime, now: datetime
) -> datetime | None:
    """The latest end of a window covering the route that started by ``now`` and
    ends after ``since`` (``None`` when there is none)."""
    linked = sa.exists().where(maintenance_routes.c.maintenance_id == maintenance.c.id)
    covers_route = linked.where(maintenance_routes.c.route_id == route_id)
    end: datetime | None = connection.execute(
        sa.select(sa.func.max(maintenance.c.ends_at)).where(
            maintenance.c.starts_at <= now,
            maintenance.c.ends_at > since,
            sa.or_(~linked, covers_route),
        )
    ).scalar()
    return end


def _open(
    connection: sa.Connection,
    route_id: int,
    seen: RouteFailures,
    now: datetime,
    settings: Settings,
) -> None:
    error_type, error_message = seen.error if seen.error is not None else (None, None)
    insert = (
        dialect_insert(connection, incidents)
        .values(
            route_id=route_id,
            title=f"{seen.name} is failing",
            status="investigating",
            impact="major",
            automatic=True,
            started_at=now,
            last_failure_at=seen.last_failure_at,
            error_type=error_type,
            error_message=error_message,
        )
        .on_conflict_do_nothing(
            index_elements=["route_id"], index_where=OPEN_AUTOMATIC_INCIDENT_WHERE
        )
        .returning(incidents.c.id)
    )
    incident_id = connection.execute(insert).scalar()
    if incident_id is None:
        # Another process opened it between our refresh and insert.
        _refresh_open(connection, route_id, seen)
        return
    connection.execute(
        sa.insert(incident_updates).values(
            incident_id=incident_id,
            status="investigating",
            message=(
                f"Opened automatically: at least {settings.incident_failure_threshold} "
                f"failed requests in {_duration(settings.incident_window_seconds)}."
            ),
            created_at=now,
        )
    )


def resolve_quiet_incidents(connection: sa.Connection, now: datetime, settings: Settings) -> int:
    """Resolve open automatic incidents quiet for the quiet period; returns how many."""
    cutoff = now - timedelta(seconds=settings.incident_quiet_seconds)
    resolved = (
        connection.execute(
            sa.update(incidents)
            .where(OPEN_AUTOMATIC_INCIDENT_WHERE, incidents.c.last_failure_at < cutoff)
            .values(status="resolved", resolved_at=now)
            .returning(incidents.c.id)
        )
        .scalars()
        .all()
    )
    if resolved:
        message = (
            f"Resolved automatically: no failures for {_duration(settings.incident_quiet_seconds)}."
        )
        connection.execute(
            sa.insert(incident_updates),
            [
                {
                    "incident_id": incident_id,
                    "status": "resolved",
                    "message": message,
                    "created_at": now,
                }
                for incident_id in sorted(resolved)
            ],
        )
    return len(resolved)


def _duration(seconds: int) -> str:
    if seconds % 60:
        return f"{seconds} seconds"
    return f"{seconds // 60} minutes"
