"""Request and response bodies of the tenant, key and audit endpoints."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from nfvo.domain import SliceType
from nfvo.domain.access import ApiKey, AuditEntry, OverQuota, Quota, Role, Tenant, TenantUsage

NAME = r"^[A-Za-z0-9_.-]+$"


class QuotaSpec(BaseModel):
    """Limits on what a tenant holds at once; leave a limit out (or null) for none."""

    model_config = ConfigDict(extra="forbid")

    # strict: a JSON true is not a limit of 1 (pydantic's lax mode would take it as one).
    max_slices: int | None = Field(None, ge=0, le=1_000_000, strict=True)
    max_vcpu: float | None = Field(None, ge=0, le=1e9, strict=True)
    max_bandwidth_mbps: float | None = Field(None, ge=0, le=1e12, strict=True)
    slice_types: list[SliceType] | None = Field(None, description="allowed slice types; null: all")
    over_quota: OverQuota = Field(
        OverQuota.REFUSE,
        description="refuse a request over quota (403), or hold it for an operator's approval",
    )

    def to_quota(self) -> Quota:
        types = frozenset(t.value for t in self.slice_types) if self.slice_types is not None else None
        return Quota(self.max_slices, self.max_vcpu, self.max_bandwidth_mbps, types)

    @classmethod
    def of(cls, tenant: Tenant) -> QuotaSpec:
        q = tenant.quota
        types = sorted(SliceType(t) for t in q.slice_types) if q.slice_types is not None else None
        return cls(
            max_slices=q.max_slices,
            max_vcpu=q.max_vcpu,
            max_bandwidth_mbps=q.max_bandwidth_mbps,
            slice_types=types,
            over_quota=tenant.over_quota,
        )


class TenantCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, pattern=NAME)
    quota: QuotaSpec = Field(default_factory=lambda: QuotaSpec.model_validate({}))


class UsageView(BaseModel):
    slices: int
    vcpu: float
    bandwidth_mbps: float


class TenantView(BaseModel):
    name: str
    quota: QuotaSpec
    usage: UsageView
    created_at: datetime

    @classmethod
    def of(cls, tenant: Tenant, usage: TenantUsage) -> TenantView:
        return cls(
            name=tenant.name,
            quota=QuotaSpec.of(tenant),
            usage=UsageView(
                slices=usage.slices, vcpu=round(usage.vcpu, 6), bandwidth_mbps=round(usage.bandwidth_mbps, 6)
            ),
            created_at=tenant.created_at,
        )


class KeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, description="what the key is for, e.g. 'acme portal'")
    role: Role
    tenant: str | None = Field(
        None, min_length=1, max_length=100, pattern=NAME, description="for role tenant"
    )


class KeyView(BaseModel):
    id: str
    name: str
    role: Role
    tenant: str | None
    created_at: datetime
    revoked_at: datetime | None

    @classmethod
    def of(cls, key: ApiKey) -> KeyView:
        return cls(
            id=key.id,
            name=key.name,
            role=key.role,
            tenant=key.tenant,
            created_at=key.created_at,
            revoked_at=key.revoked_at,
        )


class KeyCreated(KeyView):
    key: str = Field(description="the secret: shown this once, never again; keep it safe")


class AuditView(BaseModel):
    id: int | None
    at: datetime
    key_id: str
    tenant: str | None
    role: str
    method: str
    path: str
    status: int
    client: str
    slice_id: str
    operation_id: str

    @classmethod
    def of(cls, entry: AuditEntry) -> AuditView:
        return cls(
            id=entry.id,
            at=entry.at,
            key_id=entry.key_id,
            tenant=entry.tenant,
            role=entry.role,
            method=entry.method,
            path=entry.path,
            status=entry.status,
            client=entry.client,
            slice_id=entry.slice_id,
            operation_id=entry.operation_id,
        )
