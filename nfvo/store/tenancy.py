"""Tenants with their quotas, what each tenant's live slices hold, and slice expiry."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from nfvo.domain import NotFoundError, SliceRequest, SliceState
from nfvo.domain.access import OverQuota, Quota, Tenant, TenantUsage, demand_of
from nfvo.store import codec
from nfvo.store.repository import Store, utcnow
from nfvo.store.tables import SliceRow, TenantRow

# Slices that hold (or may again hold) capacity count against their tenant's quota.
ENDED = (SliceState.TERMINATED.value, SliceState.NOT_INSTANTIATED.value)


def put_tenant(store: Store, name: str, quota: Quota, over_quota: OverQuota) -> tuple[Tenant, bool]:
    """Create the tenant or replace its quota; returns it and whether it is new."""
    with store.transaction() as session:
        row = session.get(TenantRow, name)
        created = row is None
        if row is None:
            row = TenantRow(name=name, created_at=utcnow())
            session.add(row)
        row.max_slices = quota.max_slices
        row.max_vcpu = quota.max_vcpu
        row.max_bandwidth_mbps = quota.max_bandwidth_mbps
        row.slice_types = sorted(quota.slice_types) if quota.slice_types is not None else None
        row.over_quota = over_quota.value
        session.flush()
        return _tenant(row), created


def get_tenant(store: Store, name: str) -> Tenant | None:
    with store.transaction() as session:
        row = session.get(TenantRow, name)
        return _tenant(row) if row is not None else None


def require_tenant(store: Store, name: str) -> Tenant:
    tenant = get_tenant(store, name)
    if tenant is None:
        raise NotFoundError(f"no tenant named {name!r}", hint="an admin creates it: POST /api/v1/tenants")
    return tenant


def list_tenants(store: Store) -> list[Tenant]:
    with store.transaction() as session:
        return [_tenant(row) for row in session.scalars(select(TenantRow).order_by(TenantRow.name))]


def tenant_usage(store: Store, name: str) -> TenantUsage:
    """The sum of what the tenant's live slices ask for (see `demand_of`)."""
    query = select(SliceRow.request).where(SliceRow.tenant == name, SliceRow.state.not_in(ENDED))
    total = TenantUsage()
    with store.transaction() as session:
        for request in session.scalars(query):
            one = demand_of(codec.load(SliceRequest, request))
            total = TenantUsage(
                total.slices + 1, total.vcpu + one.vcpu, total.bandwidth_mbps + one.bandwidth_mbps
            )
    return total


def _tenant(row: TenantRow) -> Tenant:
    quota = Quota(
        max_slices=row.max_slices,
        max_vcpu=row.max_vcpu,
        max_bandwidth_mbps=row.max_bandwidth_mbps,
        slice_types=frozenset(row.slice_types) if row.slice_types is not None else None,
    )
    return Tenant(row.name, quota, OverQuota(row.over_quota), row.created_at)


# --- expiry --------------------------------------------------------------------------


def due(store: Store, now: datetime | None = None) -> list[str]:
    """Active slices whose expiry has passed, the earliest first."""
    query = (
        select(SliceRow.id)
        .where(SliceRow.expires_at <= (now or utcnow()), SliceRow.state == SliceState.ACTIVE.value)
        .order_by(SliceRow.expires_at)
    )
    with store.transaction() as session:
        return list(session.scalars(query))
