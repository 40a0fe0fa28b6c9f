"""The write side of the admin API: manual incidents and maintenance windows.

Functions take a connection inside a transaction (``engine.begin()``) and the
already validated values; they raise :class:`~.errors.ApiError` for references
to things that do not exist. Route renames and removals live in
:mod:`flask_server_status.routes`, next to the registry they change.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from .. import models
from .errors import ApiError


def check_route_ids(conn: Connection, route_ids: Sequence[int]) -> None:
    """422 unless every id names a live route."""
    if not route_ids:
        return
    table = models.routes
    found = set(
        conn.execute(
            sa.select(table.c.id).where(table.c.id.in_(route_ids), table.c.deleted_at.is_(None))
        ).scalars()
    )
    unknown = sorted(set(route_ids) - found)
    if unknown:
        raise ApiError(422, f"route_ids has unknown route id(s): {', '.join(map(str, unknown))}")


def _replace_links(
    conn: Connection, table: sa.Table, owner_column: str, owner_id: int, route_ids: Sequence[int]
) -> None:
    conn.execute(sa.delete(table).where(table.c[owner_column] == owner_id))
    if route_ids:
        conn.execute(
            sa.insert(table), [{owner_column: owner_id, "route_id": rid} for rid in route_ids]
        )


def _row(conn: Connection, table: sa.Table, row_id: int, kind: str) -> RowMapping:
    row = conn.execute(sa.select(table).where(table.c.id == row_id)).mappings().first()
    if row is None:
        raise ApiError(404, f"no {kind} with id {row_id}")
    return row


def incident_row(conn: Connection, incident_id: int) -> RowMapping:
    """The incident row, or 404."""
    return _row(conn, models.incidents, incident_id, "incident")


def create_incident(
    conn: Connection,
    *,
    title: str,
    status: str,
    impact: str,
    route_ids: Sequence[int],
    message: str,
    started_at: datetime,
    now: datetime,
) -> int:
    """Open a manual incident with its first status update; returns its id."""
    check_route_ids(conn, route_ids)
    incident_id: int = conn.execute(
        sa.insert(models.incidents)
        .values(
            title=title,
            status=status,
            impact=impact,
            automatic=False,
            started_at=started_at,
            resolved_at=now if status == "resolved" else None,
        )
        .returning(models.incidents.c.id)
    ).scalar_one()
    _replace_links(conn, models.incident_routes, "incident_id", incident_id, route_ids)
    conn.execute(
        sa.insert(models.incident_updates).values(
            incident_id=incident_id, status=status, message=message, created_at=now
        )
    )
    return incident_id


def change_incident(
    conn: Connection,
    incident_id: int,
    *,
    title: str | None,
    impact: str | None,
    route_ids: Sequence[int] | None,
) -> None:
    """Change the given attributes of an incident (404 if unknown)."""
    row = incident_row(conn, incident_id)
    values: dict[str, Any] = {}
    if title is not None:
        values["title"] = title
    if impact is not None:
        values["impact"] = impact
    if values:
        conn.execute(
            sa.update(models.incidents).where(models.incidents.c.id == incident_id).values(values)
        )
    if route_ids is not None:
        if row["automatic"]:
            raise ApiError(422, "route_ids of an automatic incident follow its route")
        check_route_ids(conn, route_ids)
        _replace_links(conn, models.incident_routes, "incident_id", incident_id, route_ids)


def add_incident_update(
    conn: Connection, incident_id: int, *, status: str, message: str, now: datetime
) -> None:
    """Record a status update; ``resolved`` resolves the incident, others reopen it."""
    row = incident_row(conn, incident_id)
    resolved_at = (row["resolved_at"] or now) if status == "resolved" else None
    if row["automatic"] and row["resolved_at"] is not None and resolved_at is None:
        # A new automatic incident may already be open for the route; at most
        # one may be, so a resolved automatic incident stays resolved.
        raise ApiError(422, "a resolved automatic incident cannot be reopened")
    conn.execute(
        sa.update(models.incidents)
        .where(models.incidents.c.id == incident_id)
        .values(status=status, resolved_at=resolved_at)
    )
    conn.execute(
        sa.insert(models.incident_updates).values(
            incident_id=incident_id, status=status, message=message, created_at=now
        )
    )


def maintenance_row(conn: Connection, maintenance_id: int) -> RowMapping:
    """The maintenance row, or 404."""
    return _row(conn, models.maintenance, maintenance_id, "maintenance window")


def _check_window(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise ApiError(422, "ends_at must be later than starts_at")


def create_maintenance(
    conn: Connection,
    *,
    title: str,
    description: str,
    starts_at: datetime,
    ends_at: datetime,
    route_ids: Sequence[int],
    now: datetime,
) -> int:
    """Schedule a maintenance window; returns its id."""
    _check_window(starts_at, ends_at)
    check_route_ids(conn, route_ids)
    maintenance_id: int = conn.execute(
        sa.insert(models.maintenance)
        .values(
            title=title,
            description=description,
            starts_at=starts_at,
            ends_at=ends_at,
            created_at=now,
        )
        .returning(models.maintenance.c.id)
    ).scalar_one()
    _replace_links(conn, models.maintenance_routes, "maintenance_id", maintenance_id, route_ids)
    return maintenance_id


def change_maintenance(
    conn: Connection,
    maintenance_id: int,
    *,
    values: dict[str, Any],
    route_ids: Sequence[int] | None,
) -> None:
    """Change the given columns of a maintenance window (404 if unknown)."""
    row = maintenance_row(conn, maintenance_id)
    _check_window(values.get("starts_at", row["starts_at"]), values.get("ends_at", row["ends_at"]))
    if values:
        table = models.maintenance
        conn.execute(sa.update(table).where(table.c.id == maintenance_id).values(values))
    if route_ids is not None:
        check_route_ids(conn, route_ids)
        _replace_links(conn, models.maintenance_routes, "maintenance_id", maintenance_id, route_ids)


def delete_maintenance(conn: Connection, maintenance_id: int) -> None:
    """Cancel a maintenance window (404 if unknown)."""
    maintenance_row(conn, maintenance_id)
    conn.execute(
        sa.delete(models.maintenance_routes).where(
            models.maintenance_routes.c.maintenance_id == maintenance_id
        )
    )
    conn.execute(sa.delete(models.maintenance).where(models.maintenance.c.id == maintenance_id))
