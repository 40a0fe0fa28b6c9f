"""Flush ledger, instances and heartbeat coverage: exactly-once flushes, no data is not up.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from flask_server_status.models import Timestamp

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "server_status_flushes",
        sa.Column("batch_id", sa.String(length=36), nullable=False),
        sa.Column("applied_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("batch_id", name=op.f("pk_server_status_flushes")),
    )
    op.create_index(
        op.f("ix_server_status_flushes_applied_at"), "server_status_flushes", ["applied_at"]
    )
    op.create_table(
        "server_status_instances",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=50), nullable=False),
        sa.Column("first_seen", Timestamp, nullable=False),
        sa.Column("last_seen", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_server_status_instances")),
    )
    op.create_index(
        op.f("ix_server_status_instances_last_seen"), "server_status_instances", ["last_seen"]
    )
    op.create_table(
        "server_status_coverage",
        sa.Column("hour_start", Timestamp, nullable=False),
        sa.Column("minutes", sa.BigInteger(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("hour_start", name=op.f("pk_server_status_coverage")),
    )


def downgrade() -> None:
    op.drop_table("server_status_coverage")
    op.drop_index(
        op.f("ix_server_status_instances_last_seen"), table_name="server_status_instances"
    )
    op.drop_table("server_status_instances")
    op.drop_index(op.f("ix_server_status_flushes_applied_at"), table_name="server_status_flushes")
    op.drop_table("server_status_flushes")
