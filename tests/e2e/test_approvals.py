"""Operations that need an operator's sign-off are held (capacity reserved, nothing
pushed), survive restarts, and proceed or end when an operator decides."""

from __future__ import annotations

from nfvo.domain import ApprovalPolicy, ConflictError, OperationState, SliceState, Usage
from nfvo.lifecycle import Orchestrator
from nfvo.store import Store
from simulator.lab.lab import Lab

POLICY = ApprovalPolicy(slice_types=frozenset({"URLLC"}))


def controllers_hold_nothing(lab: Lab) -> bool:
    return "<slice>" not in "".join(s.running_xml() for s in lab.netconf.values()) and not any(
        g.snapshot().get("slices", {}).get("slice") for g in lab.gnmi.values()
    )


def test_held_until_approved_even_across_a_restart(store: Store, lab: Lab) -> None:
    first = Orchestrator(store, lab.substrate, approvals=POLICY)
    instance, operation = first.instantiate("urllc")
    first.close()
    held = store.get_operation(operation.id)
    assert held.state is OperationState.STARTING and "URLLC" in held.held_for
    assert store.usage() != Usage(), "capacity is reserved while the operation waits"
    assert controllers_hold_nothing(lab)

    second = Orchestrator(store, lab.substrate, approvals=POLICY)  # a restart
    try:
        assert second.recover() == [], "recovery leaves held operations to the operator"
        second.approve(operation.id)
        final = second.wait(operation.id, timeout_s=60)
    finally:
        second.close()
    assert final.state is OperationState.COMPLETED and final.held_for == ""
    assert store.get_slice(instance.id).state is SliceState.ACTIVE


def test_rejected_frees_capacity_and_pushes_nothing(orchestrator: Orchestrator, lab: Lab) -> None:
    orchestrator.approvals = POLICY
    instance, operation = orchestrator.instantiate("urllc")
    rejected = orchestrator.reject(operation.id)
    assert rejected.state is OperationState.ROLLED_BACK
    assert rejected.error is not None and "rejected" in rejected.error.detail
    assert orchestrator.store.get_slice(instance.id).state is SliceState.NOT_INSTANTIATED
    assert orchestrator.store.usage() == Usage()
    assert controllers_hold_nothing(lab)
    for decide in (orchestrator.approve, orchestrator.reject):
        try:
            decide(operation.id)
        except ConflictError:
            continue
        raise AssertionError("a decided operation cannot be decided again")


def test_other_slice_types_are_not_held(orchestrator: Orchestrator) -> None:
    orchestrator.approvals = POLICY
    _, operation = orchestrator.instantiate("embb")
    assert operation.held_for == ""
    assert orchestrator.wait(operation.id, timeout_s=60).state is OperationState.COMPLETED
