"""A fault injected into one lab controller at a time, during a whole slice deployment by
the orchestrator: every domain ends exactly as before (the operation rolled back) or
exactly as planned (the fault passed and a retry got through), never in between."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace

import pytest

from nfvo.domain import Domain, OperationState, SliceState, Usage
from nfvo.lifecycle import BreakerPolicy, BreakerState, Orchestrator
from nfvo.resources import example_template
from nfvo.store import Store
from simulator.lab.faults import Fault, FaultKind, Op
from simulator.lab.lab import Lab

DOMAINS = (Domain.TRANSPORT, Domain.CORE, Domain.RAN)


def state(lab: Lab) -> dict[Domain, object]:
    """Every domain's configuration, as its controller holds it."""
    held: dict[Domain, object] = {d: nc.running_xml() for d, nc in lab.netconf.items()}
    held.update({d: gn.snapshot() for d, gn in lab.gnmi.items()})
    return held


def holds(lab: Lab, domain: Domain, slice_id: str) -> bool:
    if domain in lab.netconf:
        return slice_id in lab.netconf[domain].running_xml()
    entries = lab.gnmi[domain].snapshot().get("slices", {}).get("slice", [])
    return any(e.get("name") == slice_id for e in entries)


@pytest.fixture
def quick(lab: Lab, store: Store) -> Iterator[Orchestrator]:
    """An orchestrator whose controllers time out after 1 s, so a TIMEOUT costs little."""
    fast = lab.substrate.with_controllers(
        {c.domain: replace(c, timeout_s=1.0) for c in lab.substrate.controllers}
    )
    orch = Orchestrator(store, fast, confirm_timeout_s=10)
    yield orch
    orch.close()


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize(
    ("fault", "final"),
    [
        (Fault(FaultKind.REJECT, Op.COMMIT), OperationState.ROLLED_BACK),
        (Fault(FaultKind.PARTIAL, Op.COMMIT), OperationState.ROLLED_BACK),
        (Fault(FaultKind.DROP, Op.COMMIT), OperationState.COMPLETED),
        (Fault(FaultKind.TIMEOUT, Op.COMMIT), OperationState.COMPLETED),
        (Fault(FaultKind.DROP, Op.READ), OperationState.COMPLETED),
    ],
    ids=["reject", "partial", "drop", "timeout", "drop-read"],
)
def test_a_fault_in_one_domain_leaves_all_as_before_or_as_planned(
    lab: Lab, quick: Orchestrator, domain: Domain, fault: Fault, final: OperationState
) -> None:
    before = state(lab)
    lab.inject(domain, fault)
    instance, operation = quick.instantiate(example_template("urllc"))
    done = quick.wait(operation.id, timeout_s=60)

    assert done.state is final, done.error
    assert lab.faults(domain).hits, "the fault was never acted out"
    if final is OperationState.ROLLED_BACK:
        assert state(lab) == before
        assert quick.store.get_slice(instance.id).state is SliceState.NOT_INSTANTIATED
        assert quick.store.usage() == Usage()
    else:
        assert all(holds(lab, d, instance.id) for d in DOMAINS)
        assert quick.store.get_slice(instance.id).state is SliceState.ACTIVE


def test_a_lasting_outage_opens_the_breaker_which_fails_fast_then_lets_a_trial_through(
    lab: Lab, store: Store
) -> None:
    fast = lab.substrate.with_controllers(
        {c.domain: replace(c, timeout_s=1.0) for c in lab.substrate.controllers}
    )
    # Cooldown well above the controllers' 1 s timeout: the second slice must not wait for
    # the trial call, it must fail at once.
    quick = Orchestrator(store, fast, confirm_timeout_s=10, breaker=BreakerPolicy(threshold=3, cooldown_s=6))
    try:
        before = state(lab)
        lab.inject(Domain.RAN, Fault(FaultKind.DROP, Op.ANY, times=0))  # down until cleared
        _, operation = quick.instantiate(example_template("urllc"))
        first = quick.wait(operation.id, timeout_s=60)
        assert first.state is OperationState.ROLLED_BACK
        # Three failed attempts open the breaker, so the push's fourth attempt is refused.
        assert first.error is not None and first.error.code == "circuit-open"
        assert state(lab) == before
        ran = lab.substrate.controller_for(Domain.RAN).name
        breaker = {b.controller: b for b in quick.breakers()}[ran]
        assert breaker.state is BreakerState.OPEN and breaker.opened_total == 1

        # While open, the RAN is not even called: the slice rolls back with circuit-open.
        hits = len(lab.faults(Domain.RAN).hits)
        _, operation = quick.instantiate(example_template("urllc"))
        second = quick.wait(operation.id, timeout_s=60)
        assert second.state is OperationState.ROLLED_BACK
        assert second.error is not None and second.error.code == "circuit-open", second.error
        assert "next trial in" in second.error.detail
        assert len(lab.faults(Domain.RAN).hits) == hits
        assert state(lab) == before

        # Repaired; once the cooldown is over the trial call goes through and closes it.
        lab.clear_faults()
        time.sleep({b.controller: b for b in quick.breakers()}[ran].retry_after_s)
        instance, operation = quick.instantiate(example_template("urllc"))
        assert quick.wait(operation.id, timeout_s=60).state is OperationState.COMPLETED
        assert all(holds(lab, d, instance.id) for d in DOMAINS)
        assert {b.controller: b for b in quick.breakers()}[ran].state is BreakerState.CLOSED
    finally:
        quick.close()
