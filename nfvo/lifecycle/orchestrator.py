"""The orchestrator: admits slices (parse, place, reserve) and runs their operations.

Admission is synchronous and all-or-nothing: a bad template or an infeasible request
raises before anything is stored. The rest of an operation runs as a saga on a worker
thread: twin validation, then one transactional push per domain; if a push fails, the
domains already configured are compensated in reverse order and the capacity is freed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from adapters.factory import connect as connect_adapter
from nfvo import catalog
from nfvo.domain import (
    ApprovalPolicy,
    ConflictError,
    InputError,
    NfvoError,
    Operation,
    OperationKind,
    OperationState,
    Placer,
    PlanError,
    SliceInstance,
    SliceState,
    StepRecord,
    StepState,
    Substrate,
    TemplateVersion,
    Usage,
)
from nfvo.lifecycle.breaker import BreakerPolicy, BreakerStatus
from nfvo.lifecycle.bulkhead import Bulkhead
from nfvo.lifecycle.journal import Journal
from nfvo.lifecycle.push import Connect
from nfvo.lifecycle.reconcile import Drift, reconcile
from nfvo.lifecycle.recovery import finish_teardown, recover_open_operations, roll_back_everything
from nfvo.lifecycle.saga import deploy
from nfvo.placement import check_placement, place
from nfvo.plan import build_plan
from nfvo.resources import example_template
from nfvo.store import Store, utcnow


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


class Orchestrator:
    def __init__(
        self,
        store: Store,
        substrate: Substrate,
        *,
        placer: Placer = place,
        connect: Connect = connect_adapter,
        confirm_timeout_s: float = 30.0,
        workers: int = 4,
        approvals: ApprovalPolicy | None = None,
        breaker: BreakerPolicy | None = None,
    ) -> None:
        self.store = store
        self.substrate = substrate
        self.placer = placer
        self._guard = Bulkhead(connect, breaker)
        self.connect: Connect = self._guard
        self.confirm_timeout_s = confirm_timeout_s
        self.approvals = approvals or ApprovalPolicy()  # default: nothing needs sign-off
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="nfvo-op")
        self._running: dict[str, Future[None]] = {}
        self.register_examples()

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    # --- instantiate -----------------------------------------------------------------

    def register_examples(self) -> None:
        """Put the shipped example templates in the catalog (a no-op when unchanged)."""
        for name in catalog.example_names():
            self.store.add_template(name, example_template(name).read_text(encoding="utf-8"))

    def instantiate(
        self,
        template: str | Path | None = None,
        inputs: Mapping[str, object] | None = None,
        *,
        version: int | None = None,
        template_yaml: str | None = None,
        name: str | None = None,
        tenant: str = "default",
    ) -> tuple[SliceInstance, Operation]:
        """Admit a slice and start deploying it; raises (storing nothing) when it cannot be.

        The template is a catalog name (optionally with a `version`), a file, or inline
        YAML (`template_yaml`, recorded in the catalog as a new version if the slice is
        admitted). The slice records the exact template version it came from.
        """
        parse_start = utcnow()
        if template_yaml is not None:
            content = template_yaml
            request = catalog.load_template(template_yaml, inputs)
        elif isinstance(template, Path):
            content = template.read_text(encoding="utf-8")
            request = catalog.load_template(template, inputs)
        elif template is not None:
            _, content = self.store.get_template(template, version)
            request = catalog.load_template(content, inputs, name=template)
        else:
            raise InputError("no template given", hint="give a catalog template name or template_yaml")
        parsed = StepRecord("parse-template", StepState.DONE, parse_start, utcnow(), request.template)
        slice_id = new_id("slice")
        display_name = name or request.template

        def decide(held: Usage, origin: TemplateVersion) -> tuple[SliceInstance, Operation, Usage]:
            started = utcnow()
            placement = self.placer(request, self.substrate, held)
            violations = check_placement(request, self.substrate, held, placement)
            if violations:
                # The independent checker disagrees with the engine: never push that.
                raise PlanError(
                    "the placement engine produced a placement that breaks constraints: "
                    + "; ".join(violations),
                    hint="report this as a bug in the placement engine",
                )
            plan = build_plan(slice_id, display_name, request, placement, self.substrate)
            budgets = ", ".join(
                f"{b.budget.name} {b.achieved_ms:.2f}/{b.budget.max_ms:.2f} ms" for b in placement.budgets
            )
            placed = StepRecord("place", StepState.DONE, started, utcnow(), budgets)
            instance = SliceInstance(
                id=slice_id,
                name=display_name,
                tenant=tenant,
                template=origin.ref,
                state=SliceState.INSTANTIATING,
                request=request,
                created_at=parse_start,
                placement=placement,
                plan=plan,
            )
            operation = Operation(
                id=new_id("op"),
                slice_id=slice_id,
                kind=OperationKind.INSTANTIATE,
                state=OperationState.STARTING,
                started_at=parse_start,
                steps=(parsed, placed),
                held_for="; ".join(self.approvals.reasons(request)),
            )
            return instance, operation, placement.usage(request)

        instance, operation = self.store.admit((request.template, content), decide)
        if not operation.held_for:
            self._start(operation, self._run_instantiate, instance, operation)
        return instance, operation

    # --- approvals ---------------------------------------------------------------------

    def approve(self, operation_id: str) -> Operation:
        """Let a held instantiation proceed (its capacity was reserved when it was held)."""
        operation = self.store.release_hold(operation_id)
        instance = self.store.get_slice(operation.slice_id)
        self._start(operation, self._run_instantiate, instance, operation)
        return operation

    def reject(self, operation_id: str) -> Operation:
        """Refuse a held instantiation: nothing was pushed; its capacity is freed."""
        operation = self.store.release_hold(operation_id)
        self.store.update_slice(operation.slice_id, state=SliceState.NOT_INSTANTIATED, release=True)
        Journal(self.store, operation.id, operation.steps).set_state(
            OperationState.ROLLED_BACK, ConflictError("rejected by an operator", hint="nothing was deployed")
        )
        return self.store.get_operation(operation_id)

    def _run_instantiate(self, instance: SliceInstance, operation: Operation) -> None:
        assert instance.plan is not None and instance.placement is not None
        journal = Journal(self.store, operation.id, operation.steps)
        journal.set_state(OperationState.PROCESSING)
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

    # --- terminate -------------------------------------------------------------------

    def terminate(self, slice_id: str) -> Operation:
        """Start removing a slice from every domain. Terminating a terminated slice
        returns its last terminate operation (idempotent)."""
        current = self.store.get_slice(slice_id)
        if current.state in (SliceState.TERMINATED, SliceState.NOT_INSTANTIATED):
            done = [
                op
                for op in self.store.list_operations(slice_id=slice_id)
                if op.kind is OperationKind.TERMINATE
            ]
            if done:
                return done[-1]
            raise ConflictError(f"slice {slice_id} is {current.state}: nothing is deployed")
        instance = self.store.transition(
            slice_id, (SliceState.ACTIVE, SliceState.FAILED), SliceState.TERMINATING
        )
        operation = Operation(
            id=new_id("op"),
            slice_id=slice_id,
            kind=OperationKind.TERMINATE,
            state=OperationState.STARTING,
            started_at=utcnow(),
        )
        self.store.add_operation(operation)
        self._start(operation, self._run_terminate, instance, operation)
        return operation

    def _run_terminate(self, instance: SliceInstance, operation: Operation) -> None:
        journal = Journal(self.store, operation.id, operation.steps)
        finish_teardown(self.store, self.substrate, self.connect, self.confirm_timeout_s, journal, operation)

    # --- retry and rollback of FAILED_TEMP ------------------------------------------------

    def retry(self, operation_id: str) -> Operation:
        """Run a FAILED_TEMP operation again from the start: pushes and deletes are
        idempotent, so what already succeeded is simply confirmed."""
        operation = self.store.transition_operation(
            operation_id, (OperationState.FAILED_TEMP,), OperationState.PROCESSING
        )
        self._guard.allow_trials()  # the operator retries: try the controllers now
        instance = self.store.get_slice(operation.slice_id)
        if operation.kind is OperationKind.INSTANTIATE:
            self.store.update_slice(instance.id, state=SliceState.INSTANTIATING)
            self._start(operation, self._run_instantiate, instance, operation)
        else:
            self.store.update_slice(instance.id, state=SliceState.TERMINATING)
            self._start(operation, self._run_terminate, instance, operation)
        return self.store.get_operation(operation_id)

    def rollback(self, operation_id: str) -> Operation:
        """Undo a FAILED_TEMP instantiation in every domain and free its capacity."""
        if self.store.get_operation(operation_id).kind is not OperationKind.INSTANTIATE:
            raise ConflictError(
                "only an instantiation can be rolled back", hint="retry the termination instead"
            )
        operation = self.store.transition_operation(
            operation_id, (OperationState.FAILED_TEMP,), OperationState.ROLLING_BACK
        )
        self._guard.allow_trials()

        def run() -> None:
            journal = Journal(self.store, operation.id, operation.steps)
            roll_back_everything(
                self.store, self.substrate, self.connect, self.confirm_timeout_s, journal, operation, None
            )

        self._start(operation, run)
        return self.store.get_operation(operation_id)

    # --- recovery ----------------------------------------------------------------------

    def recover(self) -> list[Operation]:
        """Bring operations left open by a crashed process to a final state (see
        recovery.py). Call once at start-up, before serving requests."""
        return recover_open_operations(self.store, self.substrate, self.connect, self.confirm_timeout_s)

    def breakers(self) -> list[BreakerStatus]:
        """The circuit breaker of every controller this process has called."""
        return self._guard.breakers()

    def reconcile(self, *, repair: bool = False) -> list[Drift]:
        """What each controller holds against what the store says (see reconcile.py)."""
        return reconcile(
            self.store, self.substrate, self.connect, repair=repair, confirm_timeout_s=self.confirm_timeout_s
        )

    # --- running operations ------------------------------------------------------------

    def _start(self, operation: Operation, run: Callable[..., None], *args: object) -> None:
        def guarded() -> None:
            try:
                run(*args)
            except NfvoError as exc:  # anything the saga did not turn into a state already
                Journal(self.store, operation.id).set_state(OperationState.FAILED, exc)

        self._running[operation.id] = self._pool.submit(guarded)

    def wait(self, operation_id: str, timeout_s: float | None = None) -> Operation:
        """Block until an operation started by this process has ended; return it."""
        future = self._running.get(operation_id)
        if future is not None:
            future.result(timeout=timeout_s)
        return self.store.get_operation(operation_id)
