"""Slice-wide rollback over real controllers, and the digital twin's gate before any push."""

from __future__ import annotations

from dataclasses import replace

from nfvo.domain import Domain, OperationState, SliceState, Usage
from nfvo.lifecycle import Orchestrator
from nfvo.resources import example_template
from nfvo.store import Store
from simulator.lab.lab import Lab


def step_states(orchestrator: Orchestrator, operation_id: str) -> list[tuple[str, str]]:
    op = orchestrator.store.get_operation(operation_id)
    return [(s.name, s.state.value) for s in op.steps]


def test_failed_ran_push_rolls_back_transport_and_core(orchestrator: Orchestrator, lab: Lab) -> None:
    # The RAN controller goes away: transport and core are configured first, then the RAN
    # push fails (after its retries), and both must be undone.
    lab.gnmi[Domain.RAN].stop()
    instance, operation = orchestrator.instantiate(example_template("urllc"))
    final = orchestrator.wait(operation.id, timeout_s=60)

    assert final.state is OperationState.ROLLED_BACK
    assert final.first_time_right is False
    assert final.error is not None and final.error.code == "controller-unavailable"
    assert step_states(orchestrator, operation.id) == [
        ("parse-template", "DONE"),
        ("place", "DONE"),
        ("twin-validate", "DONE"),
        ("push:transport", "DONE"),
        ("verify-sla", "DONE"),
        ("push:core", "DONE"),
        ("push:ran", "FAILED"),
        ("undo:core", "DONE"),
        ("undo:transport", "DONE"),
    ]
    assert orchestrator.store.get_slice(instance.id).state is SliceState.NOT_INSTANTIATED
    assert orchestrator.store.usage() == Usage()
    assert instance.id not in lab.netconf[Domain.TRANSPORT].running_xml()
    assert not lab.gnmi[Domain.CORE].snapshot().get("slices", {}).get("slice")


def test_twin_rejects_a_plan_before_anything_is_pushed(lab: Lab, store: Store) -> None:
    # A core controller that commits slower than its own timeout: the twin predicts the
    # failure, so nothing reaches any controller.
    core = lab.substrate.controller_for(Domain.CORE)
    slow = lab.substrate.with_controllers({Domain.CORE: replace(core, commit_latency_ms=5000, timeout_s=1)})
    orchestrator = Orchestrator(store, slow)
    try:
        instance, operation = orchestrator.instantiate(example_template("embb"))
        final = orchestrator.wait(operation.id, timeout_s=30)
    finally:
        orchestrator.close()
    assert final.state is OperationState.ROLLED_BACK
    assert final.error is not None and final.error.code == "plan-rejected-by-twin"
    assert "core" in final.error.detail
    assert [name for name, _ in step_states(orchestrator, operation.id)][-1] == "twin-validate"
    assert store.usage() == Usage()
    assert store.get_slice(instance.id).state is SliceState.NOT_INSTANTIATED
    assert instance.id not in lab.netconf[Domain.TRANSPORT].running_xml()
