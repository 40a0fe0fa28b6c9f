"""The storage schema: every table flask-server-status owns.

All tables live on their own :data:`metadata` (never the host app's), are
prefixed ``server_status_`` and use a naming convention so Alembic migrations
name constraints the same way on SQLite, PostgreSQL, MySQL and MariaDB.

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

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql, sqlite

#: SQLAlchemy's dialect names of MySQL and of MariaDB (``mariadb://`` URLs).
MYSQL_BACKENDS: tuple[str, ...] = ("mysql", "mariadb")

#: A naive UTC timestamp. MySQL and MariaDB keep fractions of a second only when
#: asked (``DATETIME(6)``); the other databases always keep microseconds.
Timestamp = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), *MYSQL_BACKENDS)
#: A double precision float: MySQL's and MariaDB's ``FLOAT`` is single precision.
Double = sa.Float().with_variant(mysql.DOUBLE(), *MYSQL_BACKENDS)

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
    sa.Column("deleted_at", Timestamp, nullable=True),
    sa.Column("created_at", Timestamp, nullable=False),
)


def bucket_columns() -> list[sa.Column[Any]]:
    """The counter columns shared by the minute, hourly and daily bucket tables."""
    return [
        sa.Column(
            name,
            Double if name == "latency_sum_ms" else sa.BigInteger,
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
        sa.Column("bucket_start", Timestamp, primary_key=True),
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
    sa.Column("started_at", Timestamp, nullable=False),
    sa.Column("resolved_at", Timestamp, nullable=True),
    sa.Column("last_failure_at", Timestamp, nullable=True),
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

OPEN_AUTOMATIC_INCIDENT_INDEX = "uq_server_status_incidents_open_route"
#: MySQL and MariaDB have no partial indexes: there the migrations add this
#: generated column to the incidents table (1 while the incident is automatic
#: and open, else NULL) and make ``(route_id, open_automatic)`` the unique key
#: named :data:`OPEN_AUTOMATIC_INCIDENT_INDEX`. NULLs never collide in a unique
#: key, so closed and manual incidents are not limited. The column is not part
#: of the model (the other databases do not have it), and the schema
#: comparison leaves it and that key out on MySQL (``migrate.schema_differences``).
OPEN_AUTOMATIC_COLUMN = "open_automatic"

#: At most one open automatic incident per route, enforced by the database so
#: several processes flushing at once cannot open two: this partial unique
#: index on SQLite and PostgreSQL, the key described above on MySQL and MariaDB.
open_automatic_incident_index = sa.Index(
    OPEN_AUTOMATIC_INCIDENT_INDEX,
    incidents.c.route_id,
    unique=True,
    sqlite_where=OPEN_AUTOMATIC_INCIDENT_WHERE,
    postgresql_where=OPEN_AUTOMATIC_INCIDENT_WHERE,
    # A tuple of dialects is documented and works; SQLAlchemy's annotation says str.
).ddl_if(dialect=("sqlite", "postgresql"))  # type: ignore[arg-type]

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
    sa.Column("created_at", Timestamp, nullable=False),
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
    sa.Column("starts_at", Timestamp, nullable=False),
    sa.Column("ends_at", Timestamp, nullable=False),
    sa.Column("created_at", Timestamp, nullable=False),
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
    sa.Column("applied_at", Timestamp, nullable=False, index=True),
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
    sa.Column("first_seen", Timestamp, nullable=False),
    sa.Column("last_seen", Timestamp, nullable=False, index=True),
)

#: Heartbeat coverage: per UTC hour, a bit mask of the minutes (bit ``m`` for
#: minute ``m`` of the hour) during which at least one instance was running
#: and counting. Writers OR their bits in, so concurrent and repeated writes
#: are harmless. A minute without its bit had no instance reporting: "no data",
#: not "no traffic".
coverage = sa.Table(
    "server_status_coverage",
    metadata,
    sa.Column("hour_start", Timestamp, primary_key=True),
    sa.Column("minutes", sa.BigInteger, nullable=False, default=0, server_default="0"),
)


#: The value an inserted row brought for a column, by column name, inside an
#: upsert's update: ``excluded.<name>`` (SQLite, PostgreSQL) or ``VALUES(<name>)``
#: (MySQL, MariaDB).
Incoming = Callable[[str], Any]


def upsert(
    connection: sa.Connection,
    table: sa.Table,
    key: Sequence[str],
    update: Callable[[Incoming], Mapping[str, Any]],
) -> sa.Insert:
    """An ``INSERT`` that updates the row already stored under ``key`` instead of failing.

    ``update(incoming)`` maps the columns to change to their new values; each
    may refer to its own stored value and to ``incoming(name)``, never to
    another stored column (MySQL assigns left to right, so a later value would
    see an earlier one already changed). SQLite and PostgreSQL run ``ON
    CONFLICT (key) DO UPDATE``; MySQL and MariaDB ``ON DUPLICATE KEY UPDATE``,
    which fires on any unique key: ``key`` must be the table's only unique key
    a new row can collide with (true of every table upserted here).
    """
    name = connection.dialect.name
    if name in MYSQL_BACKENDS:
        mysql_insert = mysql.insert(table)
        return mysql_insert.on_duplicate_key_update(
            update(lambda column: mysql_insert.inserted[column])
        )
    insert = _conflict_insert(name, table)
    return insert.on_conflict_do_update(
        index_elements=list(key), set_=update(lambda column: insert.excluded[column])
    )


def insert_unless_stored(
    connection: sa.Connection,
    table: sa.Table,
    key: Sequence[str],
    where: sa.ColumnElement[bool] | None = None,
) -> sa.Insert:
    """An ``INSERT`` that leaves out every row whose ``key`` is stored already.

    ``where`` is the
    WHERE of a partial unique index on ``key``. SQLite and PostgreSQL run ``ON
    CONFLICT (key) DO NOTHING``; MySQL and MariaDB ``INSERT IGNORE``, which
    also leaves out a row whose parent row is gone (a foreign key) where the
    others raise: callers fit texts to their columns first, so that is the
    only other error it can hide.
    """
    name = connection.dialect.name
    if name in MYSQL_BACKENDS:
        return mysql.insert(table).prefix_with("IGNORE")
    return _conflict_insert(name, table).on_conflict_do_nothing(
        index_elements=list(key), index_where=where
    )


def insert_if_new(
    connection: sa.Connection,
    table: sa.Table,
    key: Sequence[str],
    values: Mapping[str, Any],
    where: sa.ColumnElement[bool] | None = None,
) -> Any:
    """Insert one row unless its ``key`` is stored already (:func:`insert_unless_stored`).

    Returns the new row's primary key (its first column: ``id``, or the key
    given), or None when the row was stored already. SQLite and PostgreSQL
    return it with ``RETURNING``; MySQL has none (MariaDB only since 10.5), so
    on both the affected-row count of the one row says whether it was
    inserted and the driver's last insert id which id it got.
    """
    statement = insert_unless_stored(connection, table, key, where).values(**values)
    primary = table.primary_key.columns.values()[0]
    if connection.dialect.name not in MYSQL_BACKENDS:
        return connection.execute(statement.returning(primary)).scalar()
    result = connection.execute(statement)
    if result.rowcount != 1:
        return None
    return values[primary.name] if primary.name in values else inserted_id(result)


def inserted_id(result: sa.CursorResult[Any]) -> int:
    """The id the one row ``result``'s ``INSERT`` stored got, without ``RETURNING``
    (which MySQL has not): from RETURNING or the driver's last insert id, as the
    database offers."""
    key = result.inserted_primary_key
    if key is None:
        raise RuntimeError("the INSERT stored no row")
    return int(key[0])


def _conflict_insert(name: str, table: sa.Table) -> postgresql.Insert | sqlite.Insert:
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise RuntimeError(
        f"flask-server-status supports SQLite, PostgreSQL, MySQL and MariaDB, not {name}"
    )
