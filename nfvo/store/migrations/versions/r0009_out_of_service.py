"""Sites and links out of service (heal), shared by every process on the database.

Revision ID: r0009
Revises: r0008
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from nfvo.store.tables import UtcDateTime

revision = "r0009"
down_revision = "r0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "out_of_service",
        sa.Column("element", sa.String(length=400), primary_key=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("since", UtcDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("out_of_service")
