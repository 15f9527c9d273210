"""Initial schema: slices, operations, reservations, templates.

Revision ID: r0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from nfvo.store.tables import UtcDateTime

revision = "r0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "slices",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("tenant", sa.String(100), nullable=False),
        sa.Column("template", sa.String(200), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("placement", sa.JSON(), nullable=True),
        sa.Column("plan", sa.JSON(), nullable=True),
        sa.Column("verdict", sa.JSON(), nullable=True),
    )
    op.create_index("ix_slices_tenant", "slices", ["tenant"])
    op.create_index("ix_slices_state", "slices", ["state"])
    op.create_table(
        "templates",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("name", "version", name="uq_template_version"),
    )
    op.create_index("ix_templates_name", "templates", ["name"])
    op.create_index("ix_templates_sha256", "templates", ["sha256"])
    op.create_table(
        "operations",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("slice_id", sa.String(40), sa.ForeignKey("slices.id"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("started_at", UtcDateTime(), nullable=False),
        sa.Column("finished_at", UtcDateTime(), nullable=True),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("error", sa.JSON(), nullable=True),
    )
    op.create_index("ix_operations_slice_id", "operations", ["slice_id"])
    op.create_index("ix_operations_state", "operations", ["state"])
    op.create_table(
        "reservations",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("slice_id", sa.String(40), sa.ForeignKey("slices.id"), nullable=False),
        sa.Column("resource_kind", sa.String(10), nullable=False),
        sa.Column("resource", sa.String(200), nullable=False),
        sa.Column("cpu", sa.Float(), nullable=False),
        sa.Column("memory_gb", sa.Float(), nullable=False),
        sa.Column("bandwidth_mbps", sa.Float(), nullable=False),
    )
    op.create_index("ix_reservations_slice_id", "reservations", ["slice_id"])
    op.create_index("ix_reservation_resource", "reservations", ["resource_kind", "resource"])


def downgrade() -> None:
    for table in ("reservations", "operations", "templates", "slices"):
        op.drop_table(table)
