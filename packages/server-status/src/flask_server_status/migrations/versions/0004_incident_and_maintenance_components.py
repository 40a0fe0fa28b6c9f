"""Incident and maintenance component links: an incident may name components beside routes.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _component_link_table(name: str, owner: str, owner_table: str) -> None:
    # Component ids live in the configuration, not in a table: no foreign key.
    op.create_table(
        name,
        sa.Column(owner, sa.Integer(), nullable=False),
        sa.Column("component_id", sa.String(length=63), nullable=False),
        sa.ForeignKeyConstraint(
            [owner],
            [f"{owner_table}.id"],
            name=op.f(f"fk_{name}_{owner}_{owner_table}"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(owner, "component_id", name=op.f(f"pk_{name}")),
    )


def upgrade() -> None:
    _component_link_table(
        "server_status_incident_components", "incident_id", "server_status_incidents"
    )
    _component_link_table(
        "server_status_maintenance_components", "maintenance_id", "server_status_maintenance"
    )


def downgrade() -> None:
    op.drop_table("server_status_maintenance_components")
    op.drop_table("server_status_incident_components")
