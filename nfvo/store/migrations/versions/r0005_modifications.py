"""Modifications in flight (what a slice becomes if its MODIFY operation completes), and
isolation in the ledger (functions hosted per site, sites held exclusively).

Revision ID: r0005
Revises: r0004
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0005"
down_revision = "r0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "modifications",
        sa.Column("slice_id", sa.String(length=40), sa.ForeignKey("slices.id"), primary_key=True),
        sa.Column("operation_id", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("placement", sa.JSON(), nullable=False),
        sa.Column("plan", sa.JSON(), nullable=False),
    )
    with op.batch_alter_table("reservations") as batch:
        batch.add_column(sa.Column("functions", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("exclusive", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("reservations") as batch:
        batch.drop_column("exclusive")
        batch.drop_column("functions")
    op.drop_table("modifications")
