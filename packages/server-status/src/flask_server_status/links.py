"""Row lookups, route and component links shared by the incident and maintenance writes.

Manual incidents and maintenance windows name the routes they affect in a
link table (``incident_routes``, ``maintenance_routes``) and the components in
another (``incident_components``, ``maintenance_components``); all are checked
and replaced by the functions here.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from . import models
from .errors import InvalidInputError, NotFoundError


def require_row(conn: Connection, table: sa.Table, row_id: int, kind: str) -> RowMapping:
    """The row of ``table`` with ``row_id``; :class:`NotFoundError` naming ``kind`` if none."""
    row = conn.execute(sa.select(table).where(table.c.id == row_id)).mappings().first()
    if row is None:
        raise NotFoundError(f"no {kind} with id {row_id}")
    return row


def check_route_ids(conn: Connection, route_ids: Sequence[int]) -> None:
    """Raise :class:`InvalidInputError` unless every id names a live route."""
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
        raise InvalidInputError(
            f"route_ids has unknown route id(s): {', '.join(map(str, unknown))}"
        )


def replace_route_links(
    conn: Connection, table: sa.Table, owner_column: str, owner_id: int, route_ids: Sequence[int]
) -> None:
    """Make ``route_ids`` the routes linked to ``owner_id`` in link ``table``."""
    conn.execute(sa.delete(table).where(table.c[owner_column] == owner_id))
    if route_ids:
        conn.execute(
            sa.insert(table), [{owner_column: owner_id, "route_id": rid} for rid in route_ids]
        )


def check_component_ids(component_ids: Sequence[str], known: Collection[str]) -> None:
    """Raise :class:`InvalidInputError` naming the ids not in ``known`` (the public
    components now): component ids come from the configuration, not from a
    table, so no foreign key refuses them."""
    unknown = sorted(set(component_ids) - set(known))
    if unknown:
        raise InvalidInputError(f"component_ids has unknown component id(s): {', '.join(unknown)}")


def replace_component_links(
    conn: Connection,
    table: sa.Table,
    owner_column: str,
    owner_id: int,
    component_ids: Sequence[str],
) -> None:
    """Make ``component_ids`` the components linked to ``owner_id`` in link ``table``."""
    conn.execute(sa.delete(table).where(table.c[owner_column] == owner_id))
    if component_ids:
        conn.execute(
            sa.insert(table),
            [{owner_column: owner_id, "component_id": cid} for cid in component_ids],
        )
