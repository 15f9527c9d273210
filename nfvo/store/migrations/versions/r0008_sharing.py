"""Shared function instances: one row per instance several slices use (its site, the
demand it holds once, its users).

Revision ID: r0008
Revises: r0007
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0008"
down_revision = "r0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shared_functions",
        sa.Column("name", sa.String(length=200), primary_key=True),
        sa.Column("kind", sa.String(length=100), nullable=False),
        sa.Column("site", sa.String(length=200), nullable=False),
        sa.Column("cpu", sa.Float(), nullable=False),
        sa.Column("memory_gb", sa.Float(), nullable=False),
        sa.Column("created_by", sa.String(length=40), nullable=False),
        sa.Column("users", sa.JSON(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("shared_functions")
