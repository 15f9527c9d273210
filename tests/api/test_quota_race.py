"""Quota checks are serialised with admission itself (the tenant's usage is read inside the
admission transaction), so concurrent requests of one tenant can never all take the last
of its quota: not from threads here, nor from several orchestrator processes, which the
same database transaction serialises (BEGIN IMMEDIATE / the PostgreSQL advisory lock)."""

from __future__ import annotations

import threading

from nfvo.api import quotas
from nfvo.domain import NfvoError, Operation
from nfvo.domain.access import OverQuota, Quota, QuotaExceeded
from nfvo.lifecycle import Orchestrator
from nfvo.store import Store, tenancy
from simulator.lab.lab import Lab


def test_concurrent_requests_of_one_tenant_never_exceed_its_quota(store: Store, lab: Lab) -> None:
    tenancy.put_tenant(store, "acme", Quota(max_slices=2), OverQuota.REFUSE)
    # Two orchestrators on one database, as two processes would be; they share nothing else.
    first, second = Orchestrator(store, lab.substrate), Orchestrator(store, lab.substrate)
    admitted: list[Operation] = []
    refused: list[NfvoError] = []
    start = threading.Barrier(8)

    def submit(orchestrator: Orchestrator) -> None:
        start.wait()
        try:
            with quotas.admitting(orchestrator, "acme"):
                admitted.append(orchestrator.instantiate("mmtc", tenant="acme")[1])
        except QuotaExceeded as exc:
            refused.append(exc)

    try:
        threads = [threading.Thread(target=submit, args=((first, second)[i % 2],)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert len(admitted) == 2 and len(refused) == 6, (admitted, refused)
        assert tenancy.tenant_usage(store, "acme").slices == 2
        for operation in admitted:
            (first if operation.id in first._running else second).wait(operation.id, timeout_s=60)
    finally:
        first.close()
        second.close()
