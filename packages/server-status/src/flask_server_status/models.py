"""The storage schema: every table flask-server-status owns.

All tables live on their own :data:`metadata` (never the host app's), are
prefixed ``server_status_`` and use a naming convention so Alembic migrations
name constraints the same way on SQLite and PostgreSQL.

Conventions every reader and writer relies on:

- Every timestamp is a *naive UTC* ``datetime`` (``DateTime`` without time
  zone). Bucket starts are aligned: minute buckets on the minute, hourly on the
  UTC hour. A daily bucket's ``bucket_start`` is not an instant but the
  calendar date of ``SERVER_STATUS_TIMEZONE`` it counts, at midnight
  (``clock.day_label``).
- Bucket tables share one shape (:func:`bucket_columns`): ``requests`` is the
  total; ``successes + failures + client_errors == requests``;
  ``latency_sum_ms`` (a float) is the sum of request latencies in milliseconds.
- Each bucket table has a latency table beside it (:data:`LATENCY_TABLES`):
  one row per non-empty histogram bucket, ``(route_id, bucket_start,
  bucket_index) -> requests``, the number of requests whose latency fell into
  geometric bucket ``bucket_index`` (see :mod:`.latency`). A bucket's latency
  rows sum to its ``requests``; empty histogram buckets have no row.
- Hourly and daily buckets are exact sums of the minute buckets they cover:
  every flush adds the same deltas to all three tables. Minute buckets are kept
  for a shorter time than hours, hours shorter than days (see ``store``).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

#: Counter columns of every bucket table, in the order the capture aggregate keeps them.
COUNTER_COLUMNS: tuple[str, ...] = (
    "requests",
    "successes",
    "failures",
    "client_errors",
    "latency_sum_ms",
)

TABLE_PREFIX = "server_status_"

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

INCIDENT_STATUSES: tuple[str, ...] = ("investigating", "identified", "monitoring", "resolved")
INCIDENT_IMPACTS: tuple[str, ...] = ("none", "minor", "major", "critical")


routes = sa.Table(
    "server_status_routes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("rule", sa.String(500), nullable=False, unique=True),
    sa.Column("endpoint", sa.String(500), nullable=False, default=""),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("doc", sa.Text, nullable=False, default=""),
    # True once an admin renamed the route: docstring names no longer overwrite it.
    sa.Column("name_overridden", sa.Boolean, nullable=False, default=False),
    # Tombstone: set by an admin DELETE; traffic for the rule is then ignored
    # until an admin PUT re-adds it (clears this column).
    sa.Column("deleted_at", sa.DateTime, nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
)


def bucket_columns() -> list[sa.Column[Any]]:
    """The counter columns shared by the minute, hourly and daily bucket tables."""
    return [
        sa.Column(
            name,
            sa.Float if name == "latency_sum_ms" else sa.BigInteger,
            nullable=False,
            default=0,
            server_default="0",
        )
        for name in COUNTER_COLUMNS
    ]


def _keyed_by_route_and_bucket(name: str, *columns: sa.Column[Any]) -> sa.Table:
    """A table whose primary key starts with ``(route_id, bucket_start)``."""
    return sa.Table(
        name,
        metadata,
        sa.Column(
            "route_id",
            sa.Integer,
            sa.ForeignKey("server_status_routes.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("bucket_start", sa.DateTime, primary_key=True),
        *columns,
    )


def _bucket_table(name: str) -> sa.Table:
    return _keyed_by_route_and_bucket(name, *bucket_columns())


minute_buckets = _bucket_table("server_status_minute_buckets")
hourly_buckets = _bucket_table("server_status_hourly_buckets")
daily_buckets = _bucket_table("server_status_daily_buckets")

#: The bucket tables by granularity, finest first.
BUCKET_TABLES: dict[str, sa.Table] = {
    "minute": minute_buckets,
    "hour": hourly_buckets,
    "day": daily_buckets,
}


def _latency_table(name: str) -> sa.Table:
    return _keyed_by_route_and_bucket(
        name,
        # autoincrement=False: part of a composite key, never generated.
        sa.Column("bucket_index", sa.SmallInteger, primary_key=True, autoincrement=False),
        sa.Column("requests", sa.BigInteger, nullable=False),
    )


#: The latency histogram tables by granularity, beside :data:`BUCKET_TABLES`.
LATENCY_TABLES: dict[str, sa.Table] = {
    "minute": _latency_table("server_status_minute_latency"),
    "hour": _latency_table("server_status_hourly_latency"),
    "day": _latency_table("server_status_daily_latency"),
}


incidents = sa.Table(
    "server_status_incidents",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    # The route an automatic incident is about; NULL for manual incidents,
    # whose routes are in server_status_incident_routes.
    sa.Column(
        "route_id",
        sa.Integer,
        sa.ForeignKey("server_status_routes.id", ondelete="CASCADE"),
        nullable=True,
    ),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("status", sa.String(20), nullable=False, default="investigating"),
    sa.Column("impact", sa.String(20), nullable=False, default="minor"),
    sa.Column("automatic", sa.Boolean, nullable=False, default=False),
    sa.Column("started_at", sa.DateTime, nullable=False),
    sa.Column("resolved_at", sa.DateTime, nullable=True),
    sa.Column("last_failure_at", sa.DateTime, nullable=True),
    # Type and message of the last unhandled exception behind the failures of an
    # automatic incident. Admin views only: never shown publicly.
    sa.Column("error_type", sa.String(200), nullable=True),
    sa.Column("error_message", sa.Text, nullable=True),
    sa.Index("ix_server_status_incidents_started_at", "started_at"),
)

#: An automatic incident that is still open (also the ``ON CONFLICT`` target's WHERE).
OPEN_AUTOMATIC_INCIDENT_WHERE = sa.and_(
    incidents.c.automatic == sa.true(), incidents.c.resolved_at.is_(None)
)

#: At most one open automatic incident per route, enforced by the database so
#: several processes flushing at once cannot open two.
open_automatic_incident_index = sa.Index(
    "uq_server_status_incidents_open_route",
    incidents.c.route_id,
    unique=True,
    sqlite_where=OPEN_AUTOMATIC_INCIDENT_WHERE,
    postgresql_where=OPEN_AUTOMATIC_INCIDENT_WHERE,
)

incident_updates = sa.Table(
    "server_status_incident_updates",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "incident_id",
        sa.Integer,
        sa.ForeignKey("server_status_incidents.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("message", sa.Text, nullable=False, default=""),
    sa.Column("created_at", sa.DateTime, nullable=False),
)


def _route_column() -> sa.Column[int]:
    return sa.Column(
        "route_id",
        sa.Integer,
        sa.ForeignKey("server_status_routes.id", ondelete="CASCADE"),
        primary_key=True,
    )


def _component_column() -> sa.Column[str]:
    # Component ids come from SERVER_STATUS_COMPONENTS, not from a table: no foreign key.
    return sa.Column("component_id", sa.String(63), primary_key=True)


def _link_table(name: str, owner_column: str, owner_table: str, linked: sa.Column[Any]) -> sa.Table:
    """A table linking rows of ``owner_table`` to what they concern (the ``linked``
    column: routes or components)."""
    return sa.Table(
        name,
        metadata,
        sa.Column(
            owner_column,
            sa.Integer,
            sa.ForeignKey(f"{owner_table}.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        linked,
    )


#: Routes of manual incidents (automatic ones name theirs in ``route_id``).
incident_routes = _link_table(
    "server_status_incident_routes", "incident_id", "server_status_incidents", _route_column()
)

maintenance = sa.Table(
    "server_status_maintenance",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("description", sa.Text, nullable=False, default=""),
    sa.Column("starts_at", sa.DateTime, nullable=False),
    sa.Column("ends_at", sa.DateTime, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Index("ix_server_status_maintenance_window", "starts_at", "ends_at"),
)

#: Routes a maintenance window covers (none: the whole service).
maintenance_routes = _link_table(
    "server_status_maintenance_routes",
    "maintenance_id",
    "server_status_maintenance",
    _route_column(),
)


#: Components an incident names (beside its routes; none of either: the whole service).
incident_components = _link_table(
    "server_status_incident_components",
    "incident_id",
    "server_status_incidents",
    _component_column(),
)
#: Components a maintenance window names.
maintenance_components = _link_table(
    "server_status_maintenance_components",
    "maintenance_id",
    "server_status_maintenance",
    _component_column(),
)


#: The flush ledger: one row per applied flush batch, written in the batch's own
#: transaction, so a batch retried after a lost COMMIT acknowledgement (or
#: replayed from the spool after a crash) is recognised and not added twice.
#: Pruned after :data:`~.store.FLUSH_LEDGER_RETENTION`.
flushes = sa.Table(
    "server_status_flushes",
    metadata,
    sa.Column("batch_id", sa.String(36), primary_key=True),
    sa.Column("applied_at", sa.DateTime, nullable=False, index=True),
)

#: Every process that ever flushed: it upserts its row (``last_seen``) with every
#: flush, also when it served nothing.
instances = sa.Table(
    "server_status_instances",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("host", sa.String(255), nullable=False),
    sa.Column("pid", sa.Integer, nullable=False),
    sa.Column("version", sa.String(50), nullable=False),
    sa.Column("first_seen", sa.DateTime, nullable=False),
    sa.Column("last_seen", sa.DateTime, nullable=False, index=True),
)

#: Heartbeat coverage: per UTC hour, a bit mask of the minutes (bit ``m`` for
#: minute ``m`` of the hour) during which at least one instance was running
#: and counting. Writers OR their bits in, so concurrent and repeated writes
#: are harmless. A minute without its bit had no instance reporting: "no data",
#: not "no traffic".
coverage = sa.Table(
    "server_status_coverage",
    metadata,
    sa.Column("hour_start", sa.DateTime, primary_key=True),
    sa.Column("minutes", sa.BigInteger, nullable=False, default=0, server_default="0"),
)


def dialect_insert(connection: sa.Connection, table: sa.Table) -> Any:
    """An ``INSERT`` supporting ``on_conflict_do_*`` for the connection's database."""
    name = connection.dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise RuntimeError(f"flask-server-status supports SQLite and PostgreSQL, not {name}")
