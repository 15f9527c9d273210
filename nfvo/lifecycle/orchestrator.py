"""The orchestrator: admits slices (parse, place, reserve) and runs their operations.

Admission is synchronous and all-or-nothing: a bad template or an infeasible request
raises before anything is stored. The rest of an operation runs as a saga on a worker
thread (runner.py): twin validation, then one transactional push per domain; if a push
fails, the domains already configured are compensated in reverse order and the capacity
is freed. What operators do to operations (approve, reject, retry, rollback, cancel) is in
interventions.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path

from adapters.factory import connect as connect_adapter
from nfvo import catalog
from nfvo.domain import (
    ApprovalPolicy,
    ConflictError,
    InputError,
    Modification,
    NfvoError,
    Operation,
    OperationKind,
    OperationState,
    Placer,
    SharedInstance,
    SliceInstance,
    SliceRequest,
    SliceState,
    StepRecord,
    StepState,
    Substrate,
    TemplateVersion,
    Usage,
    link_key,
)
from nfvo.lifecycle import sharing
from nfvo.lifecycle.admission import checked_placement
from nfvo.lifecycle.breaker import BreakerPolicy
from nfvo.lifecycle.interventions import Interventions
from nfvo.lifecycle.modify import decide_modification, reparse, uses, without
from nfvo.lifecycle.observe import TWIN_MODES, TwinMode
from nfvo.lifecycle.push import Connect
from nfvo.lifecycle.reconcile import Drift, reconcile
from nfvo.lifecycle.recovery import (
    FORCED_STEP,
    recover_open_operations,
)
from nfvo.placement import place
from nfvo.plan import build_plan
from nfvo.resources import example_template
from nfvo.store import Store, modifications, outages, utcnow


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


class Orchestrator(Interventions):
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
        reuse_sessions: bool = True,
        twin: TwinMode = "ledger",
    ) -> None:
        if twin not in TWIN_MODES:
            raise InputError(f"unknown twin mode {twin!r}", hint=f"use one of {', '.join(TWIN_MODES)}")
        super().__init__(
            store,
            substrate,
            connect=connect,
            confirm_timeout_s=confirm_timeout_s,
            workers=workers,
            breaker=breaker,
            reuse_sessions=reuse_sessions,
        )
        self.twin = twin  # "off" | "ledger" (the store's ledger) | "live" (what controllers hold)
        self.placer = placer
        self.approvals = approvals or ApprovalPolicy()  # default: nothing needs sign-off
        self.register_examples()

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
        expires_at: datetime | None = None,
    ) -> tuple[SliceInstance, Operation]:
        """Admit a slice and start deploying it; raises (storing nothing) when it cannot be.

        The template is a catalog name (optionally with a `version`), a file, or inline
        YAML (`template_yaml`, recorded in the catalog as a new version if the slice is
        admitted). The slice records the exact template version it came from, and its
        `expires_at` (if any) in the same transaction as the slice itself.
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
            placing = sharing.joining(request, slice_id, display_name, sharing.running(self.store))
            placement = checked_placement(self.placer, placing, self.live_substrate(), held)
            kept, shared = sharing.settle(placing, placement, slice_id, display_name)
            plan = build_plan(slice_id, display_name, kept, placement, self.substrate)
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
                request=kept,
                created_at=parse_start,
                placement=placement,
                plan=plan,
                expires_at=expires_at,
            )
            operation = Operation(
                id=new_id("op"),
                slice_id=slice_id,
                kind=OperationKind.INSTANTIATE,
                state=OperationState.STARTING,
                started_at=parse_start,
                steps=(parsed, placed),
                held_for="; ".join(self.approvals.reasons(kept)),
            )
            sharing.attach(self.store, shared)  # joins the admission transaction
            return instance, operation, placement.usage(kept)

        instance, operation = self.store.admit((request.template, content), decide)
        if not operation.held_for:
            self._start(operation, self._run_instantiate, instance, operation)
        return instance, operation

    # --- terminate -------------------------------------------------------------------

    def terminate(self, slice_id: str, *, force: bool = False) -> Operation:
        """Start removing a slice from every domain. Terminating a terminated slice
        returns its last terminate operation (idempotent).

        `force` is for domains that no longer answer: each domain is tried once, and the
        slice ends TERMINATED with its capacity freed whatever happens, the operation
        recording what may be left where (error code left-behind). It also ends a stuck
        TERMINATING slice, and closes the slice's FAILED_TEMP operations as FAILED. It is
        refused while another operation on the slice is running."""
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
        allowed: tuple[SliceState, ...] = (SliceState.ACTIVE, SliceState.FAILED)
        steps: tuple[StepRecord, ...] = ()
        if force:
            allowed += (SliceState.TERMINATING,)
            self._close_failed_temp(slice_id)
            now = utcnow()
            steps = (StepRecord(FORCED_STEP, StepState.DONE, now, now, "terminate with force"),)
        instance = self.store.transition(slice_id, allowed, SliceState.TERMINATING)
        operation = Operation(
            id=new_id("op"),
            slice_id=slice_id,
            kind=OperationKind.TERMINATE,
            state=OperationState.STARTING,
            started_at=utcnow(),
            steps=steps,
        )
        self.store.add_operation(operation)
        self._start(operation, self._run_terminate, instance, operation)
        return operation

    # --- modify and heal -----------------------------------------------------------------

    def out_of_service(self) -> tuple[frozenset[str], frozenset[str]]:
        """(sites, link keys) out of service (heal), as the store holds them for every process."""
        return outages.current(self.store)

    def live_substrate(self) -> Substrate:
        """The substrate without the sites and links declared failed (see heal)."""
        sites, links = self.out_of_service()
        if not sites and not links:
            return self.substrate
        return without(self.substrate, sites, links)

    def modify(self, slice_id: str, inputs: Mapping[str, object], *, reason: str = "") -> Operation:
        """Re-place an ACTIVE slice with some of its template's inputs changed and switch
        every changed domain to it (see modify.py). Raises, recording nothing, when the new
        request is invalid or cannot be placed."""
        request = reparse(self.store, self.store.get_slice(slice_id), inputs)
        changed = ", ".join(f"{k}={v!r}" for k, v in sorted(inputs.items()))
        return self._begin_modify(slice_id, request, reason or f"inputs changed: {changed}")

    def heal(
        self, *, sites: Iterable[str] = (), links: Iterable[tuple[str, str]] = ()
    ) -> dict[str, Operation | NfvoError]:
        """Take sites and links out of service and re-place every live slice that uses
        them; returns, per affected slice, its MODIFY operation or why it could not be
        re-placed (e.g. InfeasibleError with the blocking constraint)."""
        names = frozenset(sites)
        keys = frozenset(link_key(a, b) for a, b in links)
        unknown = sorted(names - {s.name for s in self.substrate.sites}) + sorted(
            keys - {link.key for link in self.substrate.links}
        )
        if unknown:
            raise InputError(f"no such site or link in the substrate: {', '.join(unknown)}")
        outages.take_out(self.store, names, keys)
        reason = "heal: out of service: " + ", ".join(sorted(names | keys))
        results: dict[str, Operation | NfvoError] = {}
        for instance in self.store.list_slices(state=SliceState.ACTIVE):
            if uses(instance, names, keys):
                try:
                    results[instance.id] = self._begin_modify(instance.id, None, reason)
                except NfvoError as exc:
                    results[instance.id] = exc
        return results

    def shared_instances(self) -> list[SharedInstance]:
        """Function instances several slices share (nfvo/lifecycle/sharing.py), by name."""
        return [i for _, i in sorted(sharing.running(self.store).items())]

    def restore(self, *, sites: Iterable[str] = (), links: Iterable[tuple[str, str]] = ()) -> None:
        """Put sites and links back in service for placement (slices are not moved back)."""
        outages.put_back(self.store, [*sites, *(link_key(a, b) for a, b in links)])

    def _begin_modify(self, slice_id: str, request: SliceRequest | None, reason: str) -> Operation:
        operation_id = new_id("op")
        substrate = self.live_substrate()

        def decide(held: Usage, instance: SliceInstance) -> tuple[Modification, Operation]:
            if request is not None:
                self.approvals.check_change(instance.request, request)
            # The slice's shared functions stay on their instances, asking for nothing.
            running = sharing.running(self.store)
            wanted = sharing.joining(request or instance.request, instance.id, instance.name, running)
            return decide_modification(
                operation_id=operation_id,
                reason=reason,
                request=wanted,
                substrate=substrate,
                placer=self.placer,
                held_by_others=held,
                instance=instance,
            )

        _, operation = modifications.begin(self.store, slice_id, decide)
        self._start(operation, self._run_modify, self.store.get_slice(slice_id), operation)
        return operation

    # --- recovery ----------------------------------------------------------------------

    def recover(self) -> list[Operation]:
        """Bring operations left open by a crashed process to a final state (see
        recovery.py). Call once at start-up, before serving requests."""
        return recover_open_operations(self.store, self.substrate, self.connect, self.confirm_timeout_s)

    def reconcile(self, *, repair: bool = False) -> list[Drift]:
        """What each controller holds against what the store says (see reconcile.py).
        Asked for by an operator, so open circuit breakers get their trial call now."""
        self._guard.allow_trials()
        return reconcile(
            self.store, self.substrate, self.connect, repair=repair, confirm_timeout_s=self.confirm_timeout_s
        )
