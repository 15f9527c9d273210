"""Cancelling an instantiation (held, queued, running, FAILED_TEMP) and terminating with
force when a domain no longer answers, on the lab's real controllers."""

from __future__ import annotations

import time

import pytest
from test_faults import holds, state

from nfvo.domain import (
    ConflictError,
    Domain,
    Operation,
    OperationState,
    SliceState,
    StepState,
    Usage,
)
from nfvo.lifecycle import Orchestrator
from nfvo.resources import example_template
from nfvo.store import Store
from simulator.lab.faults import Fault, FaultKind, Op
from simulator.lab.lab import Lab

DOMAINS = (Domain.TRANSPORT, Domain.CORE, Domain.RAN)


def until_step_runs(orchestrator: Orchestrator, operation_id: str, name: str) -> Operation:
    deadline = time.monotonic() + 30
    while True:
        operation = orchestrator.store.get_operation(operation_id)
        if any(s.name == name and s.state is StepState.RUNNING for s in operation.steps):
            return operation
        assert time.monotonic() < deadline, operation.steps
        time.sleep(0.02)


def steps(operation: Operation) -> list[tuple[str, str]]:
    return [(s.name, s.state.value) for s in operation.steps]


def test_cancel_while_running_stops_at_the_next_step_and_undoes(lab: Lab, orchestrator: Orchestrator) -> None:
    before = state(lab)
    lab.inject(Domain.CORE, Fault(FaultKind.DELAY, Op.COMMIT, delay_ms=1500))  # a slow core commit
    instance, operation = orchestrator.instantiate(example_template("urllc"))
    until_step_runs(orchestrator, operation.id, "push:core")
    cancelling = orchestrator.cancel(operation.id)
    assert cancelling.state is OperationState.ROLLING_BACK  # persisted: any process sees it

    done = orchestrator.wait(operation.id, timeout_s=60)
    assert done.state is OperationState.ROLLED_BACK
    assert done.error is not None and done.error.code == "cancelled"
    names = [name for name, _ in steps(done)]
    assert "push:ran" not in names  # stopped at the boundary after the running step
    assert ("undo:core", "DONE") in steps(done) and ("undo:transport", "DONE") in steps(done)
    assert done.first_time_right is False
    assert state(lab) == before
    assert orchestrator.store.get_slice(instance.id).state is SliceState.NOT_INSTANTIATED
    assert orchestrator.store.usage() == Usage()


def test_cancel_before_the_operation_starts_pushes_nothing(lab: Lab, store: Store) -> None:
    before = state(lab)
    single = Orchestrator(store, lab.substrate, confirm_timeout_s=10, workers=1)
    try:
        lab.inject(Domain.TRANSPORT, Fault(FaultKind.DELAY, Op.COMMIT, delay_ms=1000))
        _, first = single.instantiate(example_template("embb"))
        instance, queued = single.instantiate(example_template("urllc"))  # waits for the one worker
        assert single.cancel(queued.id).state is OperationState.ROLLING_BACK
        done = single.wait(queued.id, timeout_s=60)
        assert done.state is OperationState.ROLLED_BACK and done.error is not None
        assert done.error.code == "cancelled" and "before anything was pushed" in done.error.detail
        assert [s.name for s in done.steps] == ["parse-template", "place"]
        assert single.store.get_slice(instance.id).state is SliceState.NOT_INSTANTIATED
        assert single.wait(first.id, timeout_s=60).state is OperationState.COMPLETED
        assert not any(holds(lab, d, instance.id) for d in DOMAINS)
        terminate = single.terminate(first.slice_id)
        assert single.wait(terminate.id, timeout_s=60).state is OperationState.COMPLETED
        assert state(lab) == before and single.store.usage() == Usage()
    finally:
        single.close()


def test_a_termination_cannot_be_cancelled(lab: Lab, orchestrator: Orchestrator) -> None:
    instance, operation = orchestrator.instantiate(example_template("embb"))
    assert orchestrator.wait(operation.id, timeout_s=60).state is OperationState.COMPLETED
    terminate = orchestrator.terminate(instance.id)
    with pytest.raises(ConflictError, match="cannot be cancelled"):
        orchestrator.cancel(terminate.id)
    assert orchestrator.wait(terminate.id, timeout_s=60).state is OperationState.COMPLETED
    with pytest.raises(ConflictError):
        orchestrator.cancel(operation.id)  # completed: nothing to cancel


def test_force_terminate_with_a_dead_domain_frees_everything_and_says_what_was_left(
    lab: Lab, orchestrator: Orchestrator
) -> None:
    instance, operation = orchestrator.instantiate(example_template("urllc"))
    assert orchestrator.wait(operation.id, timeout_s=60).state is OperationState.COMPLETED

    lab.gnmi[Domain.RAN].stop()
    plain = orchestrator.terminate(instance.id)
    assert orchestrator.wait(plain.id, timeout_s=60).state is OperationState.FAILED_TEMP
    assert orchestrator.store.usage() != Usage()  # kept while configuration may remain

    forced = orchestrator.terminate(instance.id, force=True)
    done = orchestrator.wait(forced.id, timeout_s=60)
    assert done.state is OperationState.COMPLETED
    assert done.error is not None and done.error.code == "left-behind"
    ran = lab.substrate.controller_for(Domain.RAN).name
    assert ran in done.error.detail and "reconcile" in done.error.hint
    assert steps(done)[0] == ("forced", "DONE") and steps(done)[-1][0] == "left-behind"
    assert ("remove:ran", "FAILED") in steps(done)
    assert done.first_time_right is False
    superseded = orchestrator.store.get_operation(plain.id)
    assert superseded.state is OperationState.FAILED and superseded.error is not None
    assert superseded.error.code == "cancelled"
    assert orchestrator.store.get_slice(instance.id).state is SliceState.TERMINATED
    assert orchestrator.store.usage() == Usage()
    assert not holds(lab, Domain.TRANSPORT, instance.id) and not holds(lab, Domain.CORE, instance.id)

    # The RAN comes back still holding the slice: reconciliation finds it and removes it.
    lab.gnmi[Domain.RAN].start()
    orphans = [d for d in orchestrator.reconcile() if d.slice_id == instance.id]
    assert [d.kind for d in orphans] == ["orphan"]
    orchestrator.reconcile(repair=True)
    assert not holds(lab, Domain.RAN, instance.id)
    assert orchestrator.terminate(instance.id).id == forced.id  # idempotent afterwards


def test_cancel_of_a_failed_temp_instantiation_gives_up_and_force_cleans_up(
    lab: Lab, orchestrator: Orchestrator
) -> None:
    # As in test_retry_rollback: everything configured, then an interrupted operation whose
    # undo cannot reach the core, so recovery leaves it FAILED_TEMP.
    instance, operation = orchestrator.instantiate("urllc")
    assert orchestrator.wait(operation.id, timeout_s=60).state is OperationState.COMPLETED
    orchestrator.store.update_slice(instance.id, state=SliceState.INSTANTIATING)
    orchestrator.store.update_operation(operation.id, state=OperationState.PROCESSING)
    lab.gnmi[Domain.CORE].stop()
    (recovered,) = orchestrator.recover()
    assert recovered.state is OperationState.FAILED_TEMP

    given_up = orchestrator.cancel(operation.id)
    assert given_up.state is OperationState.FAILED
    assert given_up.error is not None and given_up.error.code == "cancelled"
    assert "terminate" in given_up.error.hint
    assert orchestrator.store.usage() != Usage()  # configuration may remain: still reserved

    forced = orchestrator.terminate(instance.id, force=True)
    done = orchestrator.wait(forced.id, timeout_s=60)
    assert done.state is OperationState.COMPLETED and done.error is not None
    assert done.error.code == "left-behind"
    assert orchestrator.store.usage() == Usage()
    lab.gnmi[Domain.CORE].start()
    orchestrator.reconcile(repair=True)
    assert not any(holds(lab, d, instance.id) for d in DOMAINS)
