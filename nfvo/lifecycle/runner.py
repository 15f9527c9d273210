"""Runs operations on worker threads: the saga of an instantiation or a termination, and
the bookkeeping around it (futures to wait on, the bulkhead and breakers of controllers)."""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from nfvo import logs
from nfvo.domain import (
    ConflictError,
    NfvoError,
    Operation,
    OperationCancelled,
    OperationState,
    SliceInstance,
    SliceState,
    Substrate,
)
from nfvo.lifecycle.breaker import BreakerPolicy, BreakerStatus
from nfvo.lifecycle.bulkhead import Bulkhead
from nfvo.lifecycle.journal import Journal
from nfvo.lifecycle.modify import run_modification
from nfvo.lifecycle.observe import TwinMode
from nfvo.lifecycle.push import Connect
from nfvo.lifecycle.recovery import finish_teardown
from nfvo.lifecycle.saga import deploy
from nfvo.store import Store

log = logging.getLogger("nfvo.lifecycle.runner")


class OperationRunner:
    # What the digital twin validates plans against (observe.twin_verdict); set by the Orchestrator.
    twin: TwinMode = "ledger"

    def __init__(
        self,
        store: Store,
        substrate: Substrate,
        *,
        connect: Connect,
        confirm_timeout_s: float,
        workers: int,
        breaker: BreakerPolicy | None,
        reuse_sessions: bool = True,
    ) -> None:
        self.store = store
        self.substrate = substrate
        self._guard = Bulkhead(connect, breaker, reuse_sessions=reuse_sessions)
        self.connect: Connect = self._guard
        self.confirm_timeout_s = confirm_timeout_s
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="nfvo-op")
        self._running: dict[str, Future[None]] = {}

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self._guard.close()  # idle pooled sessions

    def breakers(self) -> list[BreakerStatus]:
        """The circuit breaker of every controller this process has called."""
        return self._guard.breakers()

    def _run_instantiate(self, instance: SliceInstance, operation: Operation) -> None:
        assert instance.plan is not None and instance.placement is not None
        journal = Journal(self.store, operation.id, operation.steps)
        try:
            self.store.transition_operation(
                operation.id, (OperationState.STARTING, OperationState.PROCESSING), OperationState.PROCESSING
            )
        except ConflictError:  # cancelled (ROLLING_BACK) before it started: nothing was pushed
            self.store.update_slice(instance.id, state=SliceState.NOT_INSTANTIATED, release=True)
            journal.set_state(
                OperationState.ROLLED_BACK,
                OperationCancelled("cancelled by an operator before anything was pushed"),
            )
            return
        own = instance.placement.usage(instance.request)
        held_by_others = self.store.usage() - own
        outcome = deploy(
            journal,
            self.substrate,
            instance.plan,
            held_by_others,
            self.connect,
            self.confirm_timeout_s,
            slice_=(instance.request, instance.placement),
            twin=self.twin,
        )
        if outcome.verdict is not None:
            self.store.update_slice(instance.id, verdict=outcome.verdict)
        if outcome.error is None:
            self.store.update_slice(instance.id, state=SliceState.ACTIVE)
            journal.set_state(OperationState.COMPLETED)
        elif outcome.clean:
            self.store.update_slice(instance.id, state=SliceState.NOT_INSTANTIATED, release=True)
            journal.set_state(OperationState.ROLLED_BACK, outcome.error)
        else:
            # Compensation itself failed: configuration may remain, so keep the capacity
            # reserved; an operator retries (roll forward) or rolls back when it can work.
            self.store.update_slice(instance.id, state=SliceState.FAILED)
            journal.set_state(OperationState.FAILED_TEMP, outcome.error)

    def _run_modify(self, instance: SliceInstance, operation: Operation) -> None:
        run_modification(
            self.store, self.substrate, self.connect, self.confirm_timeout_s, instance, operation
        )

    def _run_terminate(self, instance: SliceInstance, operation: Operation) -> None:
        journal = Journal(self.store, operation.id, operation.steps)
        finish_teardown(self.store, self.substrate, self.connect, self.confirm_timeout_s, journal, operation)

    # --- running operations ------------------------------------------------------------

    def _start(self, operation: Operation, run: Callable[..., None], *args: object) -> None:
        def guarded() -> None:
            with logs.bound(operation=operation.id, slice_=operation.slice_id):
                log.info("operation %s (%s) started", operation.id, operation.kind.value)
                try:
                    run(*args)
                except NfvoError as exc:  # anything the saga did not turn into a state already
                    Journal(self.store, operation.id).set_state(OperationState.FAILED, exc)
                log.info("operation %s (%s) finished", operation.id, operation.kind.value)

        # The caller's context (the request id of the API request that started it) goes along.
        self._running[operation.id] = self._pool.submit(contextvars.copy_context().run, guarded)

    def wait(self, operation_id: str, timeout_s: float | None = None) -> Operation:
        """Block until an operation started by this process has ended; return it."""
        future = self._running.get(operation_id)
        if future is not None:
            future.result(timeout=timeout_s)
        return self.store.get_operation(operation_id)
