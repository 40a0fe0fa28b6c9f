"""Maintenance windows: scheduled, changed and cancelled by an admin.

Each write runs on the caller's connection (the caller owns the transaction)
and raises :class:`~.errors.NotFoundError` for an unknown window and
:class:`~.errors.InvalidInputError` for values that are not allowed. A
window names routes (``route_ids``) and components (``component_ids``,
checked against ``known_components``, the ids the app's configuration gives
now); naming neither means the whole service.
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


def maintenance_row(conn: Connection, maintenance_id: int) -> RowMapping:
    """The maintenance row; :class:`~.errors.NotFoundError` if unknown."""
    return require_row(conn, models.maintenance, maintenance_id, "maintenance window")


def _check_window(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise InvalidInputError("ends_at must be later than starts_at")


def create_maintenance(
    conn: Connection,
    *,
    title: str,
    description: str,
    starts_at: datetime,
    ends_at: datetime,
    route_ids: Sequence[int],
    now: datetime,
    component_ids: Sequence[str] = (),
    known_components: Collection[str] = (),
) -> int:
    """Schedule a maintenance window; returns its id."""
    _check_window(starts_at, ends_at)
    check_route_ids(conn, route_ids)
    check_component_ids(component_ids, known_components)
    inserted = conn.execute(
        sa.insert(models.maintenance).values(
            title=title,
            description=description,
            starts_at=starts_at,
            ends_at=ends_at,
            created_at=now,
        )
    )
    maintenance_id = models.inserted_id(inserted)
    _replace_links(conn, maintenance_id, route_ids, component_ids)
    return maintenance_id


def _replace_links(
    conn: Connection,
    maintenance_id: int,
    route_ids: Sequence[int] | None,
    component_ids: Sequence[str] | None,
) -> None:
    """Replace the window's routes and components (those given: not ``None``)."""
    if route_ids is not None:
        replace_route_links(
            conn, models.maintenance_routes, "maintenance_id", maintenance_id, route_ids
        )
    if component_ids is not None:
        replace_component_links(
            conn, models.maintenance_components, "maintenance_id", maintenance_id, component_ids
        )


def change_maintenance(
    conn: Connection,
    maintenance_id: int,
    *,
    values: dict[str, Any],
    route_ids: Sequence[int] | None,
    component_ids: Sequence[str] | None = None,
    known_components: Collection[str] = (),
) -> None:
    """Change the given columns of a maintenance window (``NotFoundError`` if unknown)."""
    row = maintenance_row(conn, maintenance_id)
    _check_window(values.get("starts_at", row["starts_at"]), values.get("ends_at", row["ends_at"]))
    if route_ids is not None:
        check_route_ids(conn, route_ids)
    if component_ids is not None:
        check_component_ids(component_ids, known_components)
    if values:
        table = models.maintenance
        conn.execute(sa.update(table).where(table.c.id == maintenance_id).values(values))
    _replace_links(conn, maintenance_id, route_ids, component_ids)


def delete_maintenance(conn: Connection, maintenance_id: int) -> None:
    """Cancel a maintenance window (``NotFoundError`` if unknown)."""
    maintenance_row(conn, maintenance_id)
    _replace_links(conn, maintenance_id, (), ())
    conn.execute(sa.delete(models.maintenance).where(models.maintenance.c.id == maintenance_id))
