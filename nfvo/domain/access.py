"""Who may do what: roles, API keys, tenants with their quotas, the audit trail, and the
errors that refuse a request (each with the code the API and the CLI share)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from nfvo.domain.errors import ConflictError, PermanentError, TemporaryError
from nfvo.domain.slice import SliceRequest


class Role(enum.StrEnum):
    """Ordered: each role may do everything the roles before it may."""

    TENANT = "tenant"  # its own slices and operations only
    OPERATOR = "operator"  # every slice, operations, substrate, approvals
    ADMIN = "admin"  # keys, tenants, quotas, the audit log

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def at_least(self, other: Role) -> bool:
        return self.rank >= other.rank


class OverQuota(enum.StrEnum):
    REFUSE = "refuse"  # answer 403 quota-exceeded, store nothing
    HOLD = "hold"  # admit, but hold the operation for an operator's approval


@dataclass(frozen=True)
class Quota:
    """Limits on what a tenant holds at once; None means no limit."""

    max_slices: int | None = None
    max_vcpu: float | None = None
    max_bandwidth_mbps: float | None = None
    slice_types: frozenset[str] | None = None  # None: every slice type


@dataclass(frozen=True)
class Tenant:
    name: str
    quota: Quota
    over_quota: OverQuota
    created_at: datetime


@dataclass(frozen=True)
class TenantUsage:
    """What a tenant's live slices (not terminated, not rolled back) hold."""

    slices: int = 0
    vcpu: float = 0.0
    bandwidth_mbps: float = 0.0


def demand_of(request: SliceRequest) -> TenantUsage:
    """What one slice counts against its tenant's quota: its functions' vCPU and the
    bandwidth its virtual links ask of the network (each link counted once)."""
    return TenantUsage(
        slices=1,
        vcpu=request.total_demand.cpu,
        bandwidth_mbps=sum(link.bandwidth_mbps for link in request.links),
    )


@dataclass(frozen=True)
class Breach:
    """One quota a request would exceed, with the figures behind it."""

    quota: str  # max_slices | max_vcpu | max_bandwidth_mbps | slice_types
    limit: float | list[str]
    in_use: float
    requested: float | str

    def describe(self) -> str:
        if isinstance(self.limit, list):
            return f"slice type {self.requested} is not allowed (allowed: {', '.join(self.limit)})"
        return f"{self.quota}: {self.in_use:g} in use + {self.requested:g} requested > limit {self.limit:g}"


def breaches(quota: Quota, usage: TenantUsage, request: SliceRequest) -> list[Breach]:
    asked = demand_of(request)
    found = []
    slice_type = request.sla.slice_type.value
    if quota.slice_types is not None and slice_type not in quota.slice_types:
        found.append(Breach("slice_types", sorted(quota.slice_types), 0, slice_type))
    limits = (
        ("max_slices", quota.max_slices, usage.slices, asked.slices),
        ("max_vcpu", quota.max_vcpu, usage.vcpu, asked.vcpu),
        ("max_bandwidth_mbps", quota.max_bandwidth_mbps, usage.bandwidth_mbps, asked.bandwidth_mbps),
    )
    for name, limit, in_use, requested in limits:
        if limit is not None and in_use + requested > limit + 1e-9:
            found.append(Breach(name, limit, round(in_use, 6), round(requested, 6)))
    return found


@dataclass(frozen=True)
class ApiKey:
    """A key's public part: the secret itself is never stored, only its hash."""

    id: str
    name: str
    role: Role
    tenant: str | None
    created_at: datetime
    revoked_at: datetime | None = None


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    key_id: str  # "" for an anonymous request, "system" for the expiry sweeper
    tenant: str | None
    role: str
    method: str
    path: str
    status: int
    client: str = ""
    slice_id: str = ""
    operation_id: str = ""
    id: int | None = None


@dataclass(frozen=True)
class StoredResponse:
    """An answer kept for an Idempotency-Key, replayed to a repeated request."""

    status: int
    body: dict[str, object] = field(default_factory=dict)
    location: str = ""


# --- errors ------------------------------------------------------------------------------


class Unauthenticated(PermanentError):
    code = "unauthenticated"
    title = "Authentication required"
    http_status = 401


class Forbidden(PermanentError):
    code = "forbidden"
    title = "Not allowed for this API key"
    http_status = 403


class QuotaExceeded(PermanentError):
    code = "quota-exceeded"
    title = "Tenant quota exceeded"
    http_status = 403

    def __init__(self, tenant: str, found: list[Breach]) -> None:
        super().__init__(
            f"tenant {tenant!r} is over quota: " + "; ".join(b.describe() for b in found),
            hint=f"terminate some of the tenant's slices (GET /api/v1/slices), ask for a smaller slice, "
            f"or have an admin raise the quota (PUT /api/v1/tenants/{tenant}/quota)",
        )
        self.tenant = tenant
        self.breaches = found


class IdempotencyKeyReused(PermanentError):
    code = "idempotency-key-reused"
    title = "Idempotency-Key reused with a different request"
    http_status = 422


class IdempotencyInProgress(ConflictError):
    code = "idempotency-in-progress"
    title = "A request with this Idempotency-Key is still being processed"


class RateLimited(TemporaryError):
    code = "rate-limited"
    title = "Too many requests"
    http_status = 429
