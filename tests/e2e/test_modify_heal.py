"""Modify (new inputs) and heal (a site or link out of service) of live slices on the lab:
each changed domain switches atomically, the ledger follows, and a failure switches every
domain back to exactly the old configuration."""

from __future__ import annotations

import pytest
from test_faults import state

from adapters.factory import connect
from nfvo.domain import (
    Domain,
    InfeasibleError,
    Operation,
    OperationKind,
    OperationState,
    SliceInstance,
    SliceState,
    Usage,
    link_key,
)
from nfvo.lifecycle import Orchestrator
from nfvo.lifecycle.push import apply_changeset
from nfvo.resources import example_template
from nfvo.store import modifications
from simulator.lab.faults import Fault, FaultKind, Op
from simulator.lab.lab import Lab


def live(orchestrator: Orchestrator, template: str = "urllc", **inputs: object) -> SliceInstance:
    instance, operation = orchestrator.instantiate(example_template(template), inputs or None)
    assert orchestrator.wait(operation.id, timeout_s=60).state is OperationState.COMPLETED
    return orchestrator.store.get_slice(instance.id)


def ledger_matches_placements(orchestrator: Orchestrator) -> None:
    total = Usage()
    for s in orchestrator.store.list_slices(state=SliceState.ACTIVE):
        assert s.placement is not None
        total = total + s.placement.usage(s.request)
    held = orchestrator.store.usage()
    assert {k: v for k, v in held.sites.items() if v.cpu or v.memory_gb} == {
        k: v for k, v in total.sites.items() if v.cpu or v.memory_gb
    }
    assert {k: round(v, 6) for k, v in held.links_mbps.items() if v} == {
        k: round(v, 6) for k, v in total.links_mbps.items() if v
    }


def test_modify_switches_the_changed_domains_and_the_ledger(lab: Lab, orchestrator: Orchestrator) -> None:
    instance = live(orchestrator)
    operation = orchestrator.modify(instance.id, {"throughput_mbps": 400.0})
    assert operation.kind is OperationKind.MODIFY
    done = orchestrator.wait(operation.id, timeout_s=60)
    assert done.state is OperationState.COMPLETED, done.error
    names = [s.name for s in done.steps]
    assert names[:3] == ["reason", "place", "twin-validate"] and "push:transport" in names
    after = orchestrator.store.get_slice(instance.id)
    assert after.state is SliceState.ACTIVE and after.request.inputs["throughput_mbps"] == 400.0
    assert after.plan is not None and all(len(cs.undo) == 1 for cs in after.plan.changesets)
    assert modifications.pending(orchestrator.store, instance.id) is None
    assert "400.0" in lab.netconf[Domain.TRANSPORT].running_xml()  # the N3 link's new bandwidth
    ledger_matches_placements(orchestrator)
    # Terminating the modified slice removes everything, as for any slice.
    terminate = orchestrator.terminate(instance.id)
    assert orchestrator.wait(terminate.id, timeout_s=60).state is OperationState.COMPLETED
    assert orchestrator.store.usage() == Usage()


def test_a_modification_that_fails_switches_every_domain_back(lab: Lab, orchestrator: Orchestrator) -> None:
    instance = live(orchestrator)
    before = state(lab)
    held_before = orchestrator.store.usage()
    lab.inject(Domain.CORE, Fault(FaultKind.REJECT, Op.COMMIT))
    operation = orchestrator.modify(instance.id, {"throughput_mbps": 400.0})
    done = orchestrator.wait(operation.id, timeout_s=60)
    assert done.state is OperationState.ROLLED_BACK
    assert done.error is not None and done.error.code == "config-rejected"
    assert ("undo:transport", "DONE") in [(s.name, s.state.value) for s in done.steps]
    assert state(lab) == before  # byte for byte
    assert orchestrator.store.usage() == held_before
    after = orchestrator.store.get_slice(instance.id)
    assert after.state is SliceState.ACTIVE and after.placement == instance.placement


def test_an_infeasible_modification_is_refused_and_records_nothing(orchestrator: Orchestrator) -> None:
    instance = live(orchestrator)
    operations = orchestrator.store.list_operations(slice_id=instance.id)
    with pytest.raises(InfeasibleError):
        orchestrator.modify(instance.id, {"user_plane_budget_ms": 0.1})
    assert orchestrator.store.get_slice(instance.id).state is SliceState.ACTIVE
    assert orchestrator.store.list_operations(slice_id=instance.id) == operations
    ledger_matches_placements(orchestrator)


def test_heal_moves_every_slice_off_a_failed_link(lab: Lab, orchestrator: Orchestrator) -> None:
    slices = [live(orchestrator), live(orchestrator, "embb")]
    failed = ("edge-1", "regional-1")
    key = link_key(*failed)
    users = [s for s in slices if s.placement and any(key in r.link_keys for r in s.placement.routes)]
    assert users, "the examples route through the failed link"
    results = orchestrator.heal(links=[failed])
    assert set(results) == {s.id for s in users}
    for slice_id, result in results.items():
        assert isinstance(result, Operation), result
        done = orchestrator.wait(result.id, timeout_s=60)
        assert done.state is OperationState.COMPLETED, done.error
        healed = orchestrator.store.get_slice(slice_id)
        assert healed.placement is not None
        for route in healed.placement.routes:
            pairs = set(zip(route.sites, route.sites[1:], strict=False))
            assert failed not in pairs and failed[::-1] not in pairs
    ledger_matches_placements(orchestrator)
    # New slices avoid the failed link too, until it is restored.
    fresh = live(orchestrator)
    assert fresh.placement is not None
    for route in fresh.placement.routes:
        pairs = set(zip(route.sites, route.sites[1:], strict=False))
        assert failed not in pairs and failed[::-1] not in pairs
    # Another process on the same database (or this one, restarted) places around it too.
    other = Orchestrator(orchestrator.store, orchestrator.substrate, confirm_timeout_s=10)
    try:
        assert other.out_of_service() == (frozenset(), frozenset({key}))
        assert key not in {link.key for link in other.live_substrate().links}
        other.restore(links=[failed])
    finally:
        other.close()
    assert orchestrator.out_of_service() == (frozenset(), frozenset())
    assert orchestrator.live_substrate() is orchestrator.substrate


class _Crashing(Orchestrator):
    """Admits operations but never runs them: as if the process died right after."""

    def _start(self, operation: Operation, run: object, *args: object) -> None:
        pass


def test_an_interrupted_modification_is_switched_back_on_recovery(
    lab: Lab, orchestrator: Orchestrator
) -> None:
    instance = live(orchestrator)
    before = state(lab)
    held_before = orchestrator.store.usage()
    crashing = _Crashing(orchestrator.store, lab.substrate, confirm_timeout_s=10)
    try:
        operation = crashing.modify(instance.id, {"throughput_mbps": 400.0})
    finally:
        crashing.close()
    # It got as far as switching the transport domain, then the process died.
    pending = modifications.pending(orchestrator.store, instance.id)
    assert pending is not None
    first = pending.plan.changesets[0]
    apply_changeset(connect, lab.substrate.controller_for(first.domain), first, confirm_timeout_s=10)
    assert state(lab) != before
    orchestrator.store.update_operation(operation.id, state=OperationState.PROCESSING)

    (recovered,) = orchestrator.recover()
    assert recovered.id == operation.id and recovered.state is OperationState.ROLLED_BACK
    assert state(lab) == before
    assert orchestrator.store.usage() == held_before
    assert orchestrator.store.get_slice(instance.id).state is SliceState.ACTIVE
    assert modifications.pending(orchestrator.store, instance.id) is None
