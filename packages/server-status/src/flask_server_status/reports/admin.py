"""The answers of the admin API's reads: every route, incident and window.

Unlike the public answers these include removed routes and the captured
exception of automatic incidents, show the components an incident or window
names (as stored, not the components it concerns), and list the latest rows
first.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, RowMapping

from .. import models
from ..clock import isoformat
from .objects import LIST_LIMIT, incident_dicts, maintenance_dicts, select_incidents


def route_dict(row: RowMapping | dict[str, Any]) -> dict[str, Any]:
    """A route row as the admin API shows it."""
    return {
        "id": row["id"],
        "rule": row["rule"],
        "endpoint": row["endpoint"] or None,
        "name": row["name"],
        "doc": row["doc"] or "",
        "name_overridden": bool(row["name_overridden"]),
        "deleted_at": isoformat(row["deleted_at"]),
        "created_at": isoformat(row["created_at"]),
    }


def _latest(conn: Connection, table: sa.Table, column: str) -> list[RowMapping]:
    """At most ``LIST_LIMIT`` rows of ``table``, the latest ``column`` first."""
    query = sa.select(table).order_by(table.c[column].desc(), table.c.id.desc()).limit(LIST_LIMIT)
    return list(conn.execute(query).mappings())


def all_routes(engine: Engine) -> dict[str, Any]:
    """``GET {admin}/configure``: every route row, removed ones included, by id."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(models.routes).order_by(models.routes.c.id)).mappings()
        return {"routes": [route_dict(row) for row in rows]}


def latest_incidents(engine: Engine) -> dict[str, Any]:
    """``GET {admin}/incidents``: the latest incidents with their captured errors."""
    with engine.connect() as conn:
        rows = _latest(conn, models.incidents, "started_at")
        return {"incidents": incident_dicts(conn, rows, admin=True)}


def admin_incident_detail(engine: Engine, incident_id: int) -> dict[str, Any] | None:
    """One incident with its updates, named components and captured error; ``None`` if unknown."""
    with engine.connect() as conn:
        rows = list(conn.execute(select_incidents(models.incidents.c.id == incident_id)).mappings())
        found = incident_dicts(conn, rows, admin=True)
        return found[0] if found else None


def latest_maintenance(engine: Engine, now: datetime) -> dict[str, Any]:
    """``GET {admin}/maintenance``: the latest-starting maintenance windows."""
    with engine.connect() as conn:
        rows = _latest(conn, models.maintenance, "starts_at")
        return {"maintenance": maintenance_dicts(conn, rows, now)}


def maintenance_detail(engine: Engine, maintenance_id: int, now: datetime) -> dict[str, Any] | None:
    """One maintenance window, or ``None`` if unknown."""
    table = models.maintenance
    with engine.connect() as conn:
        rows = list(conn.execute(sa.select(table).where(table.c.id == maintenance_id)).mappings())
        found = maintenance_dicts(conn, rows, now)
        return found[0] if found else None
