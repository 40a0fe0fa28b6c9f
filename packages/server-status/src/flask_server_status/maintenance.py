"""Maintenance windows: scheduled, changed and cancelled by an admin.

Each write runs on the caller's connection (the caller owns the transaction)
and raises :class:`~.errors.NotFoundError` for an unknown window and
:class:`~.errors.InvalidInputError` for values that are not allowed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from . import models
from .errors import InvalidInputError
from .links import check_route_ids, replace_route_links, require_row


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
    replace_route_links(
        conn, models.maintenance_routes, "maintenance_id", maintenance_id, route_ids
    )
    return maintenance_id


def change_maintenance(
    conn: Connection,
    maintenance_id: int,
    *,
    values: dict[str, Any],
    route_ids: Sequence[int] | None,
) -> None:
    """Change the given columns of a maintenance window (``NotFoundError`` if unknown)."""
    row = maintenance_row(conn, maintenance_id)
    _check_window(values.get("starts_at", row["starts_at"]), values.get("ends_at", row["ends_at"]))
    if values:
        table = models.maintenance
        conn.execute(sa.update(table).where(table.c.id == maintenance_id).values(values))
    if route_ids is not None:
        check_route_ids(conn, route_ids)
        replace_route_links(
            conn, models.maintenance_routes, "maintenance_id", maintenance_id, route_ids
        )


def delete_maintenance(conn: Connection, maintenance_id: int) -> None:
    """Cancel a maintenance window (``NotFoundError`` if unknown)."""
    maintenance_row(conn, maintenance_id)
    conn.execute(
        sa.delete(models.maintenance_routes).where(
            models.maintenance_routes.c.maintenance_id == maintenance_id
        )
    )
    conn.execute(sa.delete(models.maintenance).where(models.maintenance.c.id == maintenance_id))
