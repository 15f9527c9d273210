"""Dedicated isolation through the orchestrator: the ledger in the store remembers which
sites a dedicated function holds, so later slices are placed elsewhere (or refused)."""

from __future__ import annotations

from nfvo.domain import OperationState
from nfvo.lifecycle import Orchestrator
from nfvo.resources import example_template, models_dir


def test_a_dedicated_function_keeps_its_site_from_other_slices(orchestrator: Orchestrator) -> None:
    v2x, operation = orchestrator.instantiate(models_dir() / "templates" / "showcase" / "v2x.yaml")
    assert orchestrator.wait(operation.id, timeout_s=60).state is OperationState.COMPLETED
    assert v2x.placement is not None
    held = v2x.placement.assignments["upf"]
    assert orchestrator.store.usage().exclusive == frozenset({held})

    other, operation = orchestrator.instantiate(example_template("urllc"))
    assert orchestrator.wait(operation.id, timeout_s=60).state is OperationState.COMPLETED
    assert other.placement is not None
    assert held not in other.placement.assignments.values()

    terminate = orchestrator.terminate(v2x.id)
    assert orchestrator.wait(terminate.id, timeout_s=60).state is OperationState.COMPLETED
    assert orchestrator.store.usage().exclusive == frozenset()
