"""Geometric latency histogram: sparse latency rows beside each bucket table.

Creates ``server_status_{minute,hourly,daily}_latency`` (one row per
non-empty histogram bucket), moves the counts of the fixed-bound columns
``latency_le_<bound>`` / ``latency_overflow`` into them and drops those
columns. Each old bucket's count goes to the geometric bucket of one
representative latency inside its bounds: the middle of ``(lower, upper]``
(2.5 ms for the first bucket, 0 to 5 ms), the latency the old linear
interpolation reported at that bucket's median, and 15,000 ms for the
overflow bucket (above 10,000 ms). See
docs/decisions/0008-latency-histogram-layout.md.

Downgrade puts the columns back and counts every latency row into the old
bucket holding its bucket's representative latency (upgrade then downgrade
gives the old counts back).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import math
from bisect import bisect_left

import sqlalchemy as sa
from alembic import op

from flask_server_status.models import Double, Timestamp

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Frozen copies of the histograms at this revision: later changes to the
# models or to flask_server_status.latency need their own migration.
OLD_BOUNDS_MS = (5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000)
OLD_COLUMNS = (*(f"latency_le_{bound}" for bound in OLD_BOUNDS_MS), "latency_overflow")
OLD_REPRESENTATIVES_MS = (
    *(
        (lower + upper) / 2
        for lower, upper in zip((0, *OLD_BOUNDS_MS[:-1]), OLD_BOUNDS_MS, strict=True)
    ),
    OLD_BOUNDS_MS[-1] * 1.5,
)
GAMMA = 1.04 / 0.96
MIN_MS, MAX_MS = 0.1, 60_000.0
TABLES = (
    ("server_status_minute_buckets", "server_status_minute_latency"),
    ("server_status_hourly_buckets", "server_status_hourly_latency"),
    ("server_status_daily_buckets", "server_status_daily_latency"),
)


def bucket_index(latency_ms: float) -> int:
    """The geometric bucket of a latency (as flask_server_status.latency.index_of)."""
    clamped = min(max(latency_ms, MIN_MS), MAX_MS)
    return math.ceil(math.log(clamped) / math.log(GAMMA))


def representative(index: int) -> float:
    return 2 * GAMMA**index / (GAMMA + 1)


def _tables(buckets: str, latency: str) -> tuple[sa.TableClause, sa.TableClause]:
    """Lightweight handles of a bucket table (old columns included) and its latency table."""
    old = sa.table(
        buckets, sa.column("route_id"), sa.column("bucket_start"), *map(sa.column, OLD_COLUMNS)
    )
    new = sa.table(
        latency,
        sa.column("route_id"),
        sa.column("bucket_start"),
        sa.column("bucket_index"),
        sa.column("requests"),
    )
    return old, new


def _bucket_table(name: str, *, old_columns: bool) -> sa.Table:
    """The complete bucket table with or without the old histogram columns.

    Given to batch mode as ``copy_from``, so SQLite's table rebuild needs no
    reflection and ``flask server-status db upgrade --sql`` works offline.
    """
    metadata = sa.MetaData()
    sa.Table("server_status_routes", metadata, sa.Column("id", sa.Integer(), primary_key=True))
    counters = ("requests", "successes", "failures", "client_errors")
    return sa.Table(
        name,
        metadata,
        sa.Column("route_id", sa.Integer(), nullable=False),
        sa.Column("bucket_start", Timestamp, nullable=False),
        *(sa.Column(c, sa.BigInteger(), server_default="0", nullable=False) for c in counters),
        sa.Column("latency_sum_ms", Double, server_default="0", nullable=False),
        *(
            sa.Column(c, sa.BigInteger(), server_default="0", nullable=False)
            for c in (OLD_COLUMNS if old_columns else ())
        ),
        sa.ForeignKeyConstraint(
            ["route_id"],
            ["server_status_routes.id"],
            name=f"fk_{name}_route_id_server_status_routes",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("route_id", "bucket_start", name=f"pk_{name}"),
    )


def _create_latency_table(name: str) -> None:
    op.create_table(
        name,
        sa.Column("route_id", sa.Integer(), nullable=False),
        sa.Column("bucket_start", Timestamp, nullable=False),
        sa.Column("bucket_index", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("requests", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["route_id"],
            ["server_status_routes.id"],
            name=op.f(f"fk_{name}_route_id_server_status_routes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "route_id", "bucket_start", "bucket_index", name=op.f(f"pk_{name}")
        ),
    )


def upgrade() -> None:
    for buckets, latency in TABLES:
        _create_latency_table(latency)
        old, new = _tables(buckets, latency)
        for column, value in zip(OLD_COLUMNS, OLD_REPRESENTATIVES_MS, strict=True):
            counts = sa.select(
                old.c.route_id,
                old.c.bucket_start,
                sa.literal(bucket_index(value), sa.SmallInteger()),
                old.c[column],
            ).where(old.c[column] > 0)
            op.execute(
                new.insert().from_select(
                    ["route_id", "bucket_start", "bucket_index", "requests"], counts
                )
            )
        with op.batch_alter_table(
            buckets, copy_from=_bucket_table(buckets, old_columns=True)
        ) as batch:
            for column in OLD_COLUMNS:
                batch.drop_column(column)


def downgrade() -> None:
    # Old bucket of every geometric bucket index: the one holding its representative.
    low = bucket_index(MIN_MS)
    high = bucket_index(MAX_MS)
    ranges: dict[int, list[int]] = {}
    for index in range(low, high + 1):
        ranges.setdefault(bisect_left(OLD_BOUNDS_MS, representative(index)), []).append(index)
    for buckets, latency in TABLES:
        with op.batch_alter_table(
            buckets, copy_from=_bucket_table(buckets, old_columns=False)
        ) as batch:
            for column in OLD_COLUMNS:
                batch.add_column(
                    sa.Column(column, sa.BigInteger(), server_default="0", nullable=False)
                )
        old, new = _tables(buckets, latency)
        values = {}
        for slot, indexes in sorted(ranges.items()):
            values[OLD_COLUMNS[slot]] = (
                sa.select(sa.func.coalesce(sa.func.sum(new.c.requests), 0))
                .where(
                    new.c.route_id == old.c.route_id,
                    new.c.bucket_start == old.c.bucket_start,
                    new.c.bucket_index.between(min(indexes), max(indexes)),
                )
                .scalar_subquery()
            )
        op.execute(old.update().values(values))
        op.drop_table(latency)
