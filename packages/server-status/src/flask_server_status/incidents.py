"""Manual incidents: opened, changed and updated by an admin.

Each write runs on the caller's connection (the caller owns the transaction)
and raises :class:`~.errors.NotFoundError` for an unknown incident and
:class:`~.errors.InvalidInputError` for values that are not allowed. An
incident names routes (``route_ids``) and components (``component_ids``,
checked against ``known_components``, the ids the app's configuration gives
now); naming neither means the whole service. The
incidents a flush opens and resolves on its own are in
:mod:`.automatic_incidents`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from . import models
from .errors import InvalidInputError
from .links import (
    check_component_ids,
    check_route_ids,
    replace_component_links,
    replace_route_links,
    require_row,
)


def incident_row(conn: Connection, incident_id: int) -> RowMapping:
    """The incident row; :class:`~.errors.NotFoundError` if unknown."""
    return require_row(conn, models.incidents, incident_id, "incident")


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
    component_ids: Sequence[str] = (),
    known_components: Collection[str] = (),
) -> int:
    """Open a manual incident with its first status update; returns its id."""
    check_route_ids(conn, route_ids)
    check_component_ids(component_ids, known_components)
    inserted = conn.execute(
        sa.insert(models.incidents).values(
            title=title,
            status=status,
            impact=impact,
            automatic=False,
            started_at=started_at,
            resolved_at=now if status == "resolved" else None,
        )
    )
    incident_id = models.inserted_id(inserted)
    replace_route_links(conn, models.incident_routes, "incident_id", incident_id, route_ids)
    replace_component_links(
        conn, models.incident_components, "incident_id", incident_id, component_ids
    )
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
    component_ids: Sequence[str] | None = None,
    known_components: Collection[str] = (),
) -> None:
    """Change the given attributes of an incident (``NotFoundError`` if unknown).

    The routes and components of an automatic incident follow its route and
    cannot be changed.
    """
    row = incident_row(conn, incident_id)
    for name, given in (("route_ids", route_ids), ("component_ids", component_ids)):
        if given is not None and row["automatic"]:
            raise InvalidInputError(f"{name} of an automatic incident follow its route")
    if route_ids is not None:
        check_route_ids(conn, route_ids)
    if component_ids is not None:
        check_component_ids(component_ids, known_components)
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
        replace_route_links(conn, models.incident_routes, "incident_id", incident_id, route_ids)
    if component_ids is not None:
        replace_component_links(
            conn, models.incident_components, "incident_id", incident_id, component_ids
        )


def record_status(
    conn: Connection, incident_id: int, *, status: str, message: str, now: datetime
) -> None:
    """Record a status update; ``resolved`` resolves the incident, others reopen it."""
    row = incident_row(conn, incident_id)
    resolved_at = (row["resolved_at"] or now) if status == "resolved" else None
    if row["automatic"] and row["resolved_at"] is not None and resolved_at is None:
        # A new automatic incident may already be open for the route; at most
        # one may be, so a resolved automatic incident stays resolved.
        raise InvalidInputError("a resolved automatic incident cannot be reopened")
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
