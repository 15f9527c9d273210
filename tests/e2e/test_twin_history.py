"""A controller that answers reads at once but takes too long to commit: only its
journalled transaction times show it. After one slow push failed (and was rolled back),
the live twin refuses the next plan before anything is pushed, naming the controller's
recent transactions; read times alone would have let it through."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

from nfvo.catalog import load_template
from nfvo.domain import (
    Domain,
    Operation,
    OperationKind,
    OperationState,
    SliceInstance,
    SliceState,
    StepRecord,
    StepState,
    Substrate,
    Usage,
)
from nfvo.lifecycle import Orchestrator
from nfvo.lifecycle.history import recent_transaction_ms
from nfvo.lifecycle.observe import Observation, conditions
from nfvo.resources import example_template
from nfvo.store import Store
from simulator.lab.faults import Fault, FaultKind, Op
from simulator.lab.lab import Lab


def short_transport_timeout(substrate: Substrate, timeout_s: float) -> Substrate:
    controllers = tuple(
        dataclasses.replace(c, timeout_s=timeout_s) if c.domain is Domain.TRANSPORT else c
        for c in substrate.controllers
    )
    return dataclasses.replace(substrate, controllers=controllers)


def test_recent_transactions_are_the_median_of_the_last_few(lab_substrate: Substrate, tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'nfvo.db'}")
    transport = lab_substrate.controller_for(Domain.TRANSPORT)
    start = datetime(2026, 12, 5, tzinfo=UTC)

    def step(name: str, ms: float) -> StepRecord:
        end = start + timedelta(milliseconds=ms)
        return StepRecord(name, StepState.DONE, start, end, f"{transport.protocol} {transport.address}")

    def operation(i: int, ms: float) -> Operation:
        steps = (step("place", 1.0), step("push:transport", ms), step("remove:nowhere", 1.0))
        when = start + timedelta(seconds=i)
        kind, state = OperationKind.INSTANTIATE, OperationState.COMPLETED
        return Operation(f"op-{i}", "s-0", kind, state, when, steps=steps)

    durations = [9000.0, 9000.0, 100.0, 200.0, 300.0, 400.0, 500.0]  # oldest first
    template = example_template("urllc")
    instance = SliceInstance(
        "s-0", "s-0", "default", "urllc@1", SliceState.ACTIVE, load_template(template), start
    )
    store.admit(
        ("urllc", template.read_text()), lambda _h, _v: (instance, operation(0, durations[0]), Usage())
    )
    for i, ms in enumerate(durations[1:], start=1):
        store.add_operation(operation(i, ms))
    # The last five transactions at the transport controller: 100..500 ms, median 300.
    assert recent_transaction_ms(store, lab_substrate) == {transport.name: 300.0}
    # Only the last two operations are looked at: 400 and 500.
    assert recent_transaction_ms(store, lab_substrate, operations=2) == {transport.name: 450.0}

    profile = conditions(lab_substrate, Observation(usage=store.usage()), {transport.name: 300.0})
    chosen = profile.profiles[transport.name]
    assert (chosen.median_ms, chosen.source) == (300.0, "journal")
    # Below the substrate file's figure, the file's figure stays.
    assert (
        conditions(lab_substrate, Observation(usage=store.usage()), {transport.name: 1.0})
        .profiles[transport.name]
        .source
        == "substrate"
    )
    store.close()


def test_the_live_twin_refuses_after_slow_commits_were_journalled(lab: Lab, tmp_path: Path) -> None:
    substrate = short_transport_timeout(lab.substrate, timeout_s=1.0)
    # Commits on the transport controller answer 2.5 s late; reads are not delayed.
    lab.inject(Domain.TRANSPORT, Fault(FaultKind.DELAY, on=Op.COMMIT, delay_ms=2500, times=0))
    store = Store(f"sqlite:///{tmp_path / 'nfvo.db'}")
    orchestrator = Orchestrator(store, substrate, confirm_timeout_s=10, twin="live")
    try:
        _, first = orchestrator.instantiate(example_template("urllc"))
        first = orchestrator.wait(first.id, timeout_s=90)
        assert first.state is OperationState.ROLLED_BACK
        failed = [s.name for s in first.steps if s.state is StepState.FAILED]
        assert "push:transport" in failed, first.steps  # the twin could not know yet

        _, second = orchestrator.instantiate(example_template("urllc"))
        second = orchestrator.wait(second.id, timeout_s=90)
        assert second.state is OperationState.ROLLED_BACK
        assert not any(s.name.startswith("push:") for s in second.steps), "refused before any push"
        assert second.error is not None and second.error.code == "plan-rejected-by-twin"
        assert "its recent transactions" in second.error.detail, second.error.detail
    finally:
        lab.clear_faults()
        orchestrator.close()
        store.close()
