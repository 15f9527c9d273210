"""SQLAlchemy tables: slice instances, operations (with their step journal), reservations."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """Timestamps stored in UTC and always read back timezone-aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class SliceRow(Base):
    __tablename__ = "slices"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    tenant: Mapped[str] = mapped_column(String(100), index=True)
    template: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(20), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Domain objects serialised with pydantic (see codec.py): the exact request, the
    # placement with the engine and seed that produced it, the plan, the twin's verdict.
    request: Mapped[dict[str, Any]] = mapped_column(JSON)
    placement: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    plan: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    verdict: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # When the API's expiry sweeper tears the slice down (None: never).
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True, index=True)


class OperationRow(Base):
    __tablename__ = "operations"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    slice_id: Mapped[str] = mapped_column(ForeignKey("slices.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20), index=True)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    first_time_right: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    held_for: Mapped[str] = mapped_column(Text, default="", server_default="")


class ReservationRow(Base):
    """Capacity one slice holds on one site or link: the ledger is the sum of these rows."""

    __tablename__ = "reservations"
    __table_args__ = (Index("ix_reservation_resource", "resource_kind", "resource"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    slice_id: Mapped[str] = mapped_column(ForeignKey("slices.id"), index=True)
    resource_kind: Mapped[str] = mapped_column(String(10))  # "site" | "link"
    resource: Mapped[str] = mapped_column(String(200))  # site name or link key
    cpu: Mapped[float] = mapped_column(Float, default=0.0)
    memory_gb: Mapped[float] = mapped_column(Float, default=0.0)
    bandwidth_mbps: Mapped[float] = mapped_column(Float, default=0.0)
    # For isolation (sites only): how many of the slice's functions the site hosts, and
    # whether a dedicated function holds it exclusively (no other slice may use it).
    functions: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    exclusive: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class TemplateRow(Base):
    """One version of a slice template, exactly as uploaded."""

    __tablename__ = "templates"
    __table_args__ = (UniqueConstraint("name", "version", name="uq_template_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    version: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    content: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class TenantRow(Base):
    """A tenant and its quota (a None limit is no limit)."""

    __tablename__ = "tenants"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    max_slices: Mapped[int | None] = mapped_column(Integer, nullable=True)
    max_vcpu: Mapped[float | None] = mapped_column(Float, nullable=True)
    max_bandwidth_mbps: Mapped[float | None] = mapped_column(Float, nullable=True)
    slice_types: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    over_quota: Mapped[str] = mapped_column(String(10), default="refuse")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ApiKeyRow(Base):
    """An API key: its public id, and the SHA-256 of the secret (never the secret)."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    secret_sha256: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(10))
    tenant: Mapped[str | None] = mapped_column(ForeignKey("tenants.name"), nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class IdempotencyRow(Base):
    """The answer to a creating request sent with an Idempotency-Key, per key owner."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("scope", "key", name="uq_idempotency_scope_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scope: Mapped[str] = mapped_column(String(150))  # "tenant:<name>" or "key:<id>"
    tenant: Mapped[str | None] = mapped_column(String(100), nullable=True)
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))  # SHA-256 of method, path and body
    status: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None: in progress
    body: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    location: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class AuditRow(Base):
    """Who did what through the API, and how it ended."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    key_id: Mapped[str] = mapped_column(String(40), index=True)
    tenant: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)
    role: Mapped[str] = mapped_column(String(10))
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(Text)
    status: Mapped[int] = mapped_column(Integer)
    client: Mapped[str] = mapped_column(String(100), default="")
    slice_id: Mapped[str] = mapped_column(String(40), default="")
    operation_id: Mapped[str] = mapped_column(String(40), default="")
