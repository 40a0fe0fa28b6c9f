"""Initial schema: routes, minute/hourly/daily buckets, incidents, maintenance.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from flask_server_status.models import Double, Timestamp

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Frozen copy of the histogram bounds at this revision: later changes to the
# models need their own migration.
LATENCY_BUCKETS_MS = (5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000)
BUCKET_TABLES = (
    "server_status_minute_buckets",
    "server_status_hourly_buckets",
    "server_status_daily_buckets",
)


def _bucket_table(name: str) -> None:
    counters = ["requests", "successes", "failures", "client_errors"]
    counters += [f"latency_le_{bound}" for bound in LATENCY_BUCKETS_MS]
    counters.append("latency_overflow")
    op.create_table(
        name,
        sa.Column("route_id", sa.Integer(), nullable=False),
        sa.Column("bucket_start", Timestamp, nullable=False),
        *(
            sa.Column(column, sa.BigInteger(), server_default="0", nullable=False)
            for column in counters[:4]
        ),
        sa.Column("latency_sum_ms", Double, server_default="0", nullable=False),
        *(
            sa.Column(column, sa.BigInteger(), server_default="0", nullable=False)
            for column in counters[4:]
        ),
        sa.ForeignKeyConstraint(
            ["route_id"],
            ["server_status_routes.id"],
            name=op.f(f"fk_{name}_route_id_server_status_routes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("route_id", "bucket_start", name=op.f(f"pk_{name}")),
    )


def _link_table(name: str, owner: str, owner_table: str) -> None:
    op.create_table(
        name,
        sa.Column(owner, sa.Integer(), nullable=False),
        sa.Column("route_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            [owner],
            [f"{owner_table}.id"],
            name=op.f(f"fk_{name}_{owner}_{owner_table}"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["route_id"],
            ["server_status_routes.id"],
            name=op.f(f"fk_{name}_route_id_server_status_routes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(owner, "route_id", name=op.f(f"pk_{name}")),
    )


def upgrade() -> None:
    op.create_table(
        "server_status_routes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=500), nullable=False),
        sa.Column("endpoint", sa.String(length=500), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("doc", sa.Text(), nullable=False),
        sa.Column("name_overridden", sa.Boolean(), nullable=False),
        sa.Column("deleted_at", Timestamp, nullable=True),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_server_status_routes")),
        sa.UniqueConstraint("rule", name=op.f("uq_server_status_routes_rule")),
    )
    for name in BUCKET_TABLES:
        _bucket_table(name)

    op.create_table(
        "server_status_incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("route_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("impact", sa.String(length=20), nullable=False),
        sa.Column("automatic", sa.Boolean(), nullable=False),
        sa.Column("started_at", Timestamp, nullable=False),
        sa.Column("resolved_at", Timestamp, nullable=True),
        sa.Column("last_failure_at", Timestamp, nullable=True),
        sa.Column("error_type", sa.String(length=200), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["route_id"],
            ["server_status_routes.id"],
            name=op.f("fk_server_status_incidents_route_id_server_status_routes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_server_status_incidents")),
    )
    op.create_index(
        "ix_server_status_incidents_started_at", "server_status_incidents", ["started_at"]
    )
    # At most one open automatic incident per route.
    if op.get_context().dialect.name in ("mysql", "mariadb"):
        # No partial indexes: a generated column, 1 while open and automatic
        # (else NULL, and NULLs never collide), completes a unique key.
        op.add_column(
            "server_status_incidents",
            sa.Column(
                "open_automatic",
                sa.SmallInteger(),
                sa.Computed("CASE WHEN automatic AND resolved_at IS NULL THEN 1 END"),
            ),
        )
        op.create_index(
            "uq_server_status_incidents_open_route",
            "server_status_incidents",
            ["route_id", "open_automatic"],
            unique=True,
        )
    else:
        op.create_index(
            "uq_server_status_incidents_open_route",
            "server_status_incidents",
            ["route_id"],
            unique=True,
            sqlite_where=sa.text("automatic = 1 AND resolved_at IS NULL"),
            postgresql_where=sa.text("automatic AND resolved_at IS NULL"),
        )
    op.create_table(
        "server_status_incident_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["server_status_incidents.id"],
            name=op.f("fk_server_status_incident_updates_incident_id_server_status_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_server_status_incident_updates")),
    )
    op.create_index(
        op.f("ix_server_status_incident_updates_incident_id"),
        "server_status_incident_updates",
        ["incident_id"],
    )
    _link_table("server_status_incident_routes", "incident_id", "server_status_incidents")

    op.create_table(
        "server_status_maintenance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("starts_at", Timestamp, nullable=False),
        sa.Column("ends_at", Timestamp, nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_server_status_maintenance")),
    )
    op.create_index(
        "ix_server_status_maintenance_window",
        "server_status_maintenance",
        ["starts_at", "ends_at"],
    )
    _link_table("server_status_maintenance_routes", "maintenance_id", "server_status_maintenance")


def downgrade() -> None:
    op.drop_table("server_status_maintenance_routes")
    op.drop_table("server_status_maintenance")
    op.drop_table("server_status_incident_routes")
    op.drop_table("server_status_incident_updates")
    op.drop_table("server_status_incidents")
    for name in reversed(BUCKET_TABLES):
        op.drop_table(name)
    op.drop_table("server_status_routes")
