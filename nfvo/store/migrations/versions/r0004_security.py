"""Tenants with quotas, API keys (hashed), idempotency keys, the audit log, slice expiry.

Revision ID: r0004
Revises: r0003
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from nfvo.store.tables import UtcDateTime

revision = "r0004"
down_revision = "r0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("slices") as batch:
        batch.add_column(sa.Column("expires_at", UtcDateTime(), nullable=True))
        batch.create_index("ix_slices_expires_at", ["expires_at"])
    op.create_table(
        "tenants",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("max_slices", sa.Integer(), nullable=True),
        sa.Column("max_vcpu", sa.Float(), nullable=True),
        sa.Column("max_bandwidth_mbps", sa.Float(), nullable=True),
        sa.Column("slice_types", sa.JSON(), nullable=True),
        sa.Column("over_quota", sa.String(10), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("secret_sha256", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("tenant", sa.String(100), sa.ForeignKey("tenants.name"), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("revoked_at", UtcDateTime(), nullable=True),
    )
    op.create_index("ix_api_keys_tenant", "api_keys", ["tenant"])
    op.create_table(
        "idempotency_keys",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("scope", sa.String(150), nullable=False),
        sa.Column("tenant", sa.String(100), nullable=True),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("body", sa.JSON(), nullable=True),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("scope", "key", name="uq_idempotency_scope_key"),
    )
    op.create_index("ix_idempotency_keys_created_at", "idempotency_keys", ["created_at"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("key_id", sa.String(40), nullable=False),
        sa.Column("tenant", sa.String(100), nullable=True),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("method", sa.String(10), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("client", sa.String(100), nullable=False),
        sa.Column("slice_id", sa.String(40), nullable=False),
        sa.Column("operation_id", sa.String(40), nullable=False),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_key_id", "audit_log", ["key_id"])
    op.create_index("ix_audit_log_tenant", "audit_log", ["tenant"])


def downgrade() -> None:
    for table in ("audit_log", "idempotency_keys", "api_keys", "tenants"):
        op.drop_table(table)
    with op.batch_alter_table("slices") as batch:
        batch.drop_index("ix_slices_expires_at")
        batch.drop_column("expires_at")
