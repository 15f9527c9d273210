"""Tenant quotas, checked while a slice is admitted or modified.

The orchestrator asks its ApprovalPolicy, inside the admission transaction and once the
slice is parsed and placed, whether the operation must wait for an operator. The policy
installed here also asks the tenant's quota: over quota, it refuses (QuotaExceeded,
raised inside the transaction, so nothing at all is stored) or holds the operation for
approval, as the tenant's `over_quota` says. The tenant's current usage is read inside the
admission transaction itself (the store's transactions are re-entrant within a thread),
so two requests of one tenant cannot both take the last of its quota, even from two
orchestrator processes sharing the database.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from nfvo.domain import ApprovalPolicy, SliceRequest
from nfvo.domain.access import OverQuota, QuotaExceeded, Tenant, TenantUsage, breaches, demand_of
from nfvo.lifecycle import Orchestrator
from nfvo.store import Store, tenancy


@dataclass(frozen=True)
class _Admission:
    tenant: Tenant
    store: Store


_admitting: ContextVar[_Admission | None] = ContextVar("nfvo_quota_admission", default=None)


@dataclass(frozen=True)
class QuotaAwarePolicy(ApprovalPolicy):
    """The operator's approval policy, plus the quota of the tenant being admitted."""

    def reasons(self, request: SliceRequest) -> list[str]:
        found = super().reasons(request)
        admission = _admitting.get()
        if admission is None:
            return found
        # reasons() runs inside the admission transaction, so this read joins it: it is
        # serialised with every other admission (BEGIN IMMEDIATE on SQLite, the advisory
        # lock on PostgreSQL), also those of other orchestrator processes.
        usage = tenancy.tenant_usage(admission.store, admission.tenant.name)
        over = breaches(admission.tenant.quota, usage, request)
        if not over:
            return found
        if admission.tenant.over_quota is OverQuota.REFUSE:
            raise QuotaExceeded(admission.tenant.name, over)
        return [
            *found,
            f"tenant {admission.tenant.name} is over quota: " + "; ".join(b.describe() for b in over),
        ]

    def check_change(self, old: SliceRequest, new: SliceRequest) -> None:
        """A modification is checked against the quota with the slice's old demand
        replaced by its new one. Over quota, it is refused whatever `over_quota` says: a
        live slice's change is not held for approval (the slice keeps serving as it is)."""
        super().check_change(old, new)
        admission = _admitting.get()
        if admission is None:
            return
        usage = tenancy.tenant_usage(admission.store, admission.tenant.name)
        before = demand_of(old)
        others = TenantUsage(
            usage.slices - before.slices,
            usage.vcpu - before.vcpu,
            usage.bandwidth_mbps - before.bandwidth_mbps,
        )
        over = breaches(admission.tenant.quota, others, new)
        if over:
            raise QuotaExceeded(admission.tenant.name, over)


def install(orchestrator: Orchestrator) -> None:
    """Make the orchestrator's approval policy quota-aware (keeping what it asks already)."""
    current = orchestrator.approvals
    if not isinstance(current, QuotaAwarePolicy):
        orchestrator.approvals = QuotaAwarePolicy(current.slice_types, current.dedicated_isolation)


@contextmanager
def admitting(orchestrator: Orchestrator, tenant: str) -> Iterator[None]:
    """Around `orchestrator.instantiate(...)` or `.modify(...)` for `tenant`: its quota applies. A tenant
    no admin has created has no quota."""
    install(orchestrator)  # again: a test or an operator may have swapped the policy
    record = tenancy.get_tenant(orchestrator.store, tenant)
    if record is None:
        yield
        return
    token = _admitting.set(_Admission(record, orchestrator.store))
    try:
        yield
    finally:
        _admitting.reset(token)
