"""The expiry sweeper: a thread of the API process that tears down active slices whose
`expires_at` has passed (through the orchestrator's terminate, like DELETE would) and
forgets old Idempotency-Key answers. Each teardown is audited as done by `system`."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from sqlalchemy.exc import SQLAlchemyError

from nfvo.domain import NfvoError
from nfvo.domain.access import AuditEntry
from nfvo.lifecycle import Orchestrator
from nfvo.store import audit, tenancy, utcnow

log = logging.getLogger("nfvo.api.expiry")


class Sweeper:
    def __init__(self, orchestrator: Orchestrator, interval_s: float, idempotency_ttl_s: float) -> None:
        self.orchestrator = orchestrator
        self.interval_s = interval_s
        self.idempotency_ttl = timedelta(seconds=idempotency_ttl_s)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None and self.interval_s > 0:
            self._thread = threading.Thread(target=self._loop, name="nfvo-expiry", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.sweep()
            except SQLAlchemyError:  # the database is away: look again next time
                log.exception("expiry sweep failed")

    def sweep(self) -> list[str]:
        """Start tearing down every expired slice; returns the operations started."""
        store = self.orchestrator.store
        started = []
        for slice_id in tenancy.due(store):
            try:
                operation = self.orchestrator.terminate(slice_id)
            except NfvoError as exc:  # e.g. someone else started an operation meanwhile
                log.info("expired slice %s not torn down now: %s", slice_id, exc)
                continue
            started.append(operation.id)
            audit.record(
                store,
                AuditEntry(
                    at=utcnow(),
                    key_id="system",
                    tenant=None,
                    role="system",
                    method="DELETE",
                    path=f"/api/v1/slices/{slice_id}",
                    status=202,
                    slice_id=slice_id,
                    operation_id=operation.id,
                ),
            )
            log.info("slice %s expired: terminate operation %s started", slice_id, operation.id)
        audit.forget_older_than(store, self.idempotency_ttl)
        return started
