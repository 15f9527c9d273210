"""Capacity studies started through the API: request, state, progress and report.

Revision ID: r0007
Revises: r0006
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from nfvo.store.tables import UtcDateTime

revision = "r0007"
down_revision = "r0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "studies",
        sa.Column("id", sa.String(length=40), primary_key=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("started_at", UtcDateTime(), nullable=True),
        sa.Column("finished_at", UtcDateTime(), nullable=True),
        sa.Column("requested_by", sa.String(length=40), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("arrivals_done", sa.Integer(), nullable=False),
        sa.Column("arrivals_total", sa.Integer(), nullable=False),
        sa.Column("error", sa.JSON(), nullable=True),
        sa.Column("report", sa.JSON(), nullable=True),
        sa.Column("report_markdown", sa.Text(), nullable=True),
    )
    op.create_index("ix_studies_state", "studies", ["state"])


def downgrade() -> None:
    op.drop_index("ix_studies_state", table_name="studies")
    op.drop_table("studies")
