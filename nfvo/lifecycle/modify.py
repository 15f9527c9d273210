"""Modify and heal: re-place a live slice and switch every changed domain to the new
placement, make-before-break per domain, with the old slice restored on any failure.

- modify(slice, inputs): the slice's own template version again, with some inputs
  changed (bandwidth, throughput, UEs...), placed against what the others hold.
- heal(site=... | link=...): the site or link is out of service; every live slice that
  uses it is re-placed on the substrate without it (each as its own MODIFY operation).
  Failed elements stay out of placement for later admissions until restored.

The saga is the deployment saga (saga.deploy) on a switch plan (plan/switch.py): twin
gate, one atomic switch per domain, SLA measured after transport, compensation = switch
back. The slice keeps serving throughout (ACTIVE → MODIFYING → ACTIVE).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from nfvo import catalog
from nfvo.domain import (
    ConflictError,
    InputError,
    Modification,
    NfvoError,
    Operation,
    OperationCancelled,
    OperationKind,
    OperationState,
    Placer,
    SliceInstance,
    SliceRequest,
    StepRecord,
    StepState,
    Substrate,
    Usage,
)
from nfvo.lifecycle.admission import checked_placement
from nfvo.lifecycle.journal import Journal
from nfvo.lifecycle.push import Connect
from nfvo.lifecycle.saga import compensate, deploy
from nfvo.plan import build_plan, build_switch_plan
from nfvo.store import Store, modifications, utcnow


def without(substrate: Substrate, sites: frozenset[str], links: frozenset[str]) -> Substrate:
    """The substrate with failed sites (and every link touching them) and links removed."""
    return dataclasses.replace(
        substrate,
        sites=tuple(s for s in substrate.sites if s.name not in sites),
        links=tuple(
            link for link in substrate.links if link.key not in links and not ({link.a, link.b} & sites)
        ),
    )


def uses(instance: SliceInstance, sites: frozenset[str], links: frozenset[str]) -> bool:
    placement = instance.placement
    if placement is None:
        return False
    if sites & set(placement.assignments.values()):
        return True
    return any(sites & set(route.sites) or links & set(route.link_keys) for route in placement.routes)


def reparse(store: Store, instance: SliceInstance, inputs: Mapping[str, object] | None) -> SliceRequest:
    """The slice's exact template version, with its inputs updated by `inputs`."""
    name, _, version = instance.template.rpartition("@")
    if not name or not version.isdigit():
        raise InputError(f"slice {instance.id} records no catalog template version ({instance.template!r})")
    _, content = store.get_template(name, int(version))
    merged = {**instance.request.inputs, **(inputs or {})}
    return catalog.load_template(content, merged, name=name)


def decide_modification(
    *,
    operation_id: str,
    reason: str,
    request: SliceRequest | None,
    substrate: Substrate,
    placer: Placer,
    held_by_others: Usage,
    instance: SliceInstance,
) -> tuple[Modification, Operation]:
    """Place the new request (or the same one) and build the switch plan; raises with the
    blocking constraint when it cannot be placed, so nothing is recorded."""
    started = utcnow()
    assert instance.placement is not None
    new_request = request or instance.request
    placement = checked_placement(placer, new_request, substrate, held_by_others)
    plan = build_switch_plan(
        instance.id,
        instance.name,
        (instance.request, instance.placement),
        (new_request, placement),
        substrate,
    )
    if not plan.changesets:
        raise ConflictError(
            f"slice {instance.id} would be configured exactly as it is: nothing to modify",
            hint="change an input, or heal only slices that use the failed element",
        )
    moved = sorted(
        f"{nf} {instance.placement.assignments[nf]}→{site}"
        for nf, site in placement.assignments.items()
        if instance.placement.assignments.get(nf) != site
    )
    step = StepRecord("place", StepState.DONE, started, utcnow(), "; ".join(moved) or "same sites")
    operation = Operation(
        id=operation_id,
        slice_id=instance.id,
        kind=OperationKind.MODIFY,
        state=OperationState.STARTING,
        started_at=started,
        steps=(StepRecord("reason", StepState.DONE, started, started, reason), step),
    )
    return Modification(operation_id, reason, new_request, placement, plan), operation


def run_modification(
    store: Store,
    substrate: Substrate,
    connect: Connect,
    confirm_timeout_s: float,
    instance: SliceInstance,
    operation: Operation,
) -> None:
    """The MODIFY saga; ends with the slice ACTIVE (new or old) or FAILED."""
    modification = modifications.pending(store, instance.id)
    assert modification is not None
    journal = Journal(store, operation.id, operation.steps)
    try:
        store.transition_operation(
            operation.id, (OperationState.STARTING, OperationState.PROCESSING), OperationState.PROCESSING
        )
    except ConflictError:  # cancelled (ROLLING_BACK) before it started: nothing was switched
        modifications.finish(store, instance.id, applied=False)
        journal.set_state(
            OperationState.ROLLED_BACK, OperationCancelled("cancelled before anything was switched")
        )
        return
    old = instance.placement.usage(instance.request) if instance.placement else Usage()
    covered = old.cover(modification.placement.usage(modification.request))
    outcome = deploy(
        journal,
        substrate,
        modification.plan,
        store.usage() - covered,
        connect,
        confirm_timeout_s,
        slice_=(modification.request, modification.placement),
    )
    if outcome.error is None:
        steady = build_plan(
            instance.id, instance.name, modification.request, modification.placement, substrate
        )
        modifications.finish(store, instance.id, applied=True, steady_plan=steady)
        journal.set_state(OperationState.COMPLETED)
    elif outcome.clean:
        modifications.finish(store, instance.id, applied=False)
        journal.set_state(OperationState.ROLLED_BACK, outcome.error)
    else:
        modifications.fail(store, instance.id)
        journal.set_state(OperationState.FAILED_TEMP, outcome.error)


def roll_back_modification(
    store: Store,
    substrate: Substrate,
    connect: Connect,
    confirm_timeout_s: float,
    journal: Journal,
    operation: Operation,
    reason: NfvoError | None,
) -> None:
    """Switch every domain of an interrupted or FAILED_TEMP modification back to the old
    slice (switching back what never switched is harmless: it re-applies the old config)."""
    modification = modifications.pending(store, operation.slice_id)
    journal.set_state(OperationState.ROLLING_BACK)
    if modification is None:  # already finished
        journal.set_state(OperationState.ROLLED_BACK, reason)
        return
    changesets = list(modification.plan.changesets)
    if compensate(journal, substrate, changesets, connect, confirm_timeout_s):
        modifications.finish(store, operation.slice_id, applied=False)
        journal.set_state(OperationState.ROLLED_BACK, reason)
    else:
        modifications.fail(store, operation.slice_id)
        journal.set_state(OperationState.FAILED_TEMP, reason)
