"""Sessions to controllers are pooled between change sets (nfvo/lifecycle/bulkhead.py):
reused when they ended cleanly, replaced transparently when the server dropped them while
idle, and never reused after an error."""

from __future__ import annotations

from nfvo.domain import Domain, OperationState
from nfvo.lifecycle import Orchestrator
from nfvo.resources import example_template
from nfvo.store import Store
from simulator.lab.faults import Fault, FaultKind, Op
from simulator.lab.lab import Lab


def deploy(orchestrator: Orchestrator, template: str = "urllc") -> None:
    _, operation = orchestrator.instantiate(example_template(template))
    done = orchestrator.wait(operation.id, timeout_s=60)
    assert done.state is OperationState.COMPLETED, done.error
    assert done.first_time_right is True


def test_sessions_are_reused_across_change_sets_and_slices(lab: Lab, orchestrator: Orchestrator) -> None:
    deploy(orchestrator)
    guard = orchestrator._guard
    opened = guard.sessions_opened
    assert opened == 3  # one per controller; verify-sla reused the transport session
    deploy(orchestrator, "embb")
    assert guard.sessions_opened == opened and guard.sessions_reused >= 4


def test_a_pooled_session_the_server_dropped_is_replaced_without_a_failed_attempt(
    lab: Lab, orchestrator: Orchestrator
) -> None:
    deploy(orchestrator)
    # The transport server drops the connection at the next request it gets, which is the
    # first call on the pooled session: as if it had closed the session while idle.
    lab.inject(Domain.TRANSPORT, Fault(FaultKind.DROP, Op.ANY))
    opened = orchestrator._guard.sessions_opened
    deploy(orchestrator, "embb")  # first time right: no attempt failed
    assert lab.faults(Domain.TRANSPORT).hits, "the drop was never acted out"
    assert orchestrator._guard.sessions_opened == opened + 1


def test_a_session_that_saw_an_error_is_not_lent_again(lab: Lab, store: Store) -> None:
    orchestrator = Orchestrator(store, lab.substrate, confirm_timeout_s=10)
    try:
        lab.inject(Domain.CORE, Fault(FaultKind.REJECT, Op.COMMIT))
        _, operation = orchestrator.instantiate(example_template("urllc"))
        assert orchestrator.wait(operation.id, timeout_s=60).state is OperationState.ROLLED_BACK
        opened, reused = orchestrator._guard.sessions_opened, orchestrator._guard.sessions_reused
        deploy(orchestrator)
        # A fresh core session (the old one saw the rejection) and a first RAN one;
        # transport, which ended cleanly, is reused.
        assert orchestrator._guard.sessions_opened == opened + 2
        assert orchestrator._guard.sessions_reused > reused
    finally:
        orchestrator.close()


def test_reuse_can_be_switched_off(lab: Lab, store: Store) -> None:
    orchestrator = Orchestrator(store, lab.substrate, confirm_timeout_s=10, reuse_sessions=False)
    try:
        deploy(orchestrator)
        assert orchestrator._guard.sessions_reused == 0 and orchestrator._guard.sessions_opened == 4
    finally:
        orchestrator.close()
