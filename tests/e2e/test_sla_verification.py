"""The SLA measured after the transport step (nfvo/lifecycle/sla.py), on the lab: a healthy
network passes and the step records the measured budgets; a degraded one rolls the slice
back with sla-not-met before any other domain is touched, leaving every domain as before."""

from __future__ import annotations

import pytest
from test_faults import state

from nfvo.domain import (
    SLA,
    Domain,
    LatencyBudget,
    NetworkFunction,
    OperationState,
    Placement,
    Resources,
    Route,
    SiteRole,
    SliceRequest,
    SliceState,
    SliceType,
    StepState,
    Usage,
    VirtualLink,
)
from nfvo.lifecycle import Orchestrator
from nfvo.lifecycle.sla import assess
from nfvo.resources import example_template
from simulator.lab.lab import Lab


def test_a_healthy_network_passes_and_the_measurement_is_journalled(
    lab: Lab, orchestrator: Orchestrator
) -> None:
    instance, operation = orchestrator.instantiate(example_template("urllc"))
    done = orchestrator.wait(operation.id, timeout_s=60)
    assert done.state is OperationState.COMPLETED, done.error
    names = [step.name for step in done.steps]
    assert names.index("push:transport") < names.index("verify-sla") < names.index("push:core")
    step = done.steps[names.index("verify-sla")]
    assert step.state is StepState.DONE
    for budget in instance.request.sla.latency_budgets:
        assert f"{budget.name} " in step.detail, step.detail
    assert done.first_time_right is True


def test_a_degraded_transport_rolls_back_with_the_measured_figures(
    lab: Lab, orchestrator: Orchestrator
) -> None:
    before = state(lab)
    lab.latency[Domain.TRANSPORT].offset_ms = 25.0  # every path is 25 ms slower than planned
    instance, operation = orchestrator.instantiate(example_template("urllc"))
    done = orchestrator.wait(operation.id, timeout_s=60)

    assert done.state is OperationState.ROLLED_BACK
    assert done.error is not None and done.error.code == "sla-not-met"
    assert "measures" in done.error.detail and "ms" in done.error.hint
    names = [step.name for step in done.steps]
    assert "push:core" not in names and "push:ran" not in names  # stopped before other domains
    assert done.steps[names.index("verify-sla")].state is StepState.FAILED
    assert done.steps[names.index("undo:transport")].state is StepState.DONE
    assert done.first_time_right is False
    assert state(lab) == before
    assert orchestrator.store.get_slice(instance.id).state is SliceState.NOT_INSTANTIATED
    assert orchestrator.store.usage() == Usage()


def test_a_controller_without_telemetry_deploys_and_says_the_sla_went_unmeasured(
    lab: Lab, orchestrator: Orchestrator
) -> None:
    for server in lab.netconf.values():
        server.store.telemetry = None  # as yuma123 netconfd: configuration only
    _, operation = orchestrator.instantiate(example_template("urllc"))
    done = orchestrator.wait(operation.id, timeout_s=60)
    assert done.state is OperationState.COMPLETED, done.error
    step = next(s for s in done.steps if s.name == "verify-sla")
    assert "not measured" in step.detail


def _one_link_slice() -> tuple[SliceRequest, Placement]:
    def nf(name: str, domain: Domain, proc: float) -> NetworkFunction:
        return NetworkFunction(name, "x", domain, Resources(1, 1), frozenset(SiteRole), None, proc)

    request = SliceRequest(
        "t",
        SLA(SliceType.URLLC, (LatencyBudget("b", "g", "u", 2.0),)),
        (nf("g", Domain.RAN, 0.2), nf("u", Domain.CORE, 0.3)),
        (VirtualLink("v", "g", "u", 10.0),),
    )
    placement = Placement({"g": "s1", "u": "s2"}, (Route("v", ("s1", "s2"), 1.0, 10.0),), (), 0.0, "test")
    return request, placement


@pytest.mark.parametrize(
    ("measured", "achieved", "broken"),
    [
        ({}, {}, ()),
        ({"v": 1.0}, {"b": 1.5}, ()),
        ({"v": 1.6}, {"b": 2.1}, ("b",)),
        ({"w": 9.0}, {"b": 1.5}, ()),
    ],
    ids=["unmeasured", "as-planned", "degraded", "other-vlink"],
)
def test_assess_recomputes_budgets_from_measured_routes(
    measured: dict[str, float], achieved: dict[str, float], broken: tuple[str, ...]
) -> None:
    request, placement = _one_link_slice()
    report = assess(request, placement, measured)
    assert report.achieved_ms == pytest.approx(achieved)
    assert report.broken == broken
