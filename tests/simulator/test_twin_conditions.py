"""The twin with conditions: latency distributions, concurrency, failure probabilities,
per-link latency. Every failure kind names its step and its reason."""

from __future__ import annotations

import pytest

from nfvo import catalog
from nfvo.domain import DeploymentPlan, Domain, Placement, Resources, SliceRequest, Substrate, Usage
from nfvo.placement import place
from nfvo.plan import build_plan
from nfvo.resources import example_substrate, example_template
from simulator.lab.capacity import SiteCapacity, functions_usage
from simulator.twin import simulate, validate
from simulator.twin_model import Conditions, ControllerProfile, FailureKind


@pytest.fixture(scope="module")
def lab() -> tuple[Substrate, SliceRequest, Placement, DeploymentPlan]:
    substrate = catalog.load_substrate(example_substrate())
    request = catalog.load_template(example_template("urllc"))
    placement = place(request, substrate, Usage())
    return substrate, request, placement, build_plan("s1", "urllc", request, placement, substrate)


def core(substrate: Substrate, **changes: object) -> dict[str, ControllerProfile]:
    base = ControllerProfile.of(substrate.controller_for(Domain.CORE))
    fields = {**base.__dict__, **changes}
    return {"core-ctl": ControllerProfile(**fields)}


def test_default_conditions_are_the_deterministic_model(
    lab: tuple[Substrate, SliceRequest, Placement, DeploymentPlan],
) -> None:
    substrate, request, placement, plan = lab
    run = simulate(plan, substrate, Usage(), conditions=Conditions(), slice_=(request, placement))
    assert run.verdict.ok and run.kind is None and run.success_rate == 1.0
    assert run.verdict == validate(plan, substrate, Usage())


def test_capacity_raced_away_is_named(lab: tuple[Substrate, SliceRequest, Placement, DeploymentPlan]) -> None:
    substrate, _, placement, plan = lab
    upf_site = placement.assignments["upf"]
    run = simulate(plan, substrate, Usage({upf_site: Resources(31, 0)}))
    assert run.kind is FailureKind.CAPACITY and run.verdict.failed_step == "core"
    assert f"site {upf_site} has 1.0 vCPU free" in run.verdict.reason


def test_a_slow_lognormal_controller_times_out_in_most_runs(
    lab: tuple[Substrate, SliceRequest, Placement, DeploymentPlan],
) -> None:
    substrate, _, _, plan = lab
    # median 12 s against a 10 s timeout, wide spread: some runs make it, most do not
    slow = Conditions(profiles=core(substrate, median_ms=12_000, sigma=0.5), runs=40)
    run = simulate(plan, substrate, Usage(), conditions=slow, seed=7)
    assert run.kind is FailureKind.TIMEOUT and run.verdict.failed_step == "core"
    assert "core-ctl's timeout of 10.000 s" in run.verdict.reason
    assert " of 40 simulated runs)" in run.verdict.reason
    assert 0.0 < run.success_rate < 0.5
    again = simulate(plan, substrate, Usage(), conditions=slow, seed=7)
    assert again == run  # seeded: the same verdict and trace
    fast = Conditions(profiles=core(substrate, median_ms=60, sigma=0.5), runs=40)
    assert simulate(plan, substrate, Usage(), conditions=fast, seed=7).success_rate == 1.0


def test_sampled_latencies_vary_around_the_median(
    lab: tuple[Substrate, SliceRequest, Placement, DeploymentPlan],
) -> None:
    substrate, _, _, plan = lab
    durations = {
        validate(
            plan, substrate, Usage(), seed=s, conditions=Conditions(profiles=core(substrate, sigma=0.3))
        ).steps[1]
        for s in range(5)
    }
    assert len({round(d.end_s - d.start_s, 9) for d in durations}) == 5


def test_a_failure_probability_refuses_commits(
    lab: tuple[Substrate, SliceRequest, Placement, DeploymentPlan],
) -> None:
    substrate, _, _, plan = lab
    flaky = Conditions(profiles=core(substrate, failure_prob=0.5), runs=50, required_success=0.9)
    run = simulate(plan, substrate, Usage(), conditions=flaky)
    assert run.kind is FailureKind.FAULT and run.verdict.failed_step == "core"
    assert "core-ctl refuses the commit (failure probability 0.50)" in run.verdict.reason
    assert 0.3 < run.success_rate < 0.7
    lenient = Conditions(profiles=core(substrate, failure_prob=0.02), runs=50, required_success=0.9)
    assert simulate(plan, substrate, Usage(), conditions=lenient).verdict.ok


def test_an_unreachable_controller_fails_its_step(
    lab: tuple[Substrate, SliceRequest, Placement, DeploymentPlan],
) -> None:
    substrate, _, _, plan = lab
    down = Conditions(profiles=core(substrate, unreachable="connection refused"))
    run = simulate(plan, substrate, Usage(), conditions=down)
    assert run.kind is FailureKind.FAULT
    assert run.verdict.reason == "step core: controller core-ctl does not answer (connection refused)"


def test_slow_links_break_the_sla_at_the_transport_step(
    lab: tuple[Substrate, SliceRequest, Placement, DeploymentPlan],
) -> None:
    substrate, request, placement, plan = lab
    route = placement.routes[0]
    key = route.link_keys[0]
    nominal = {link.key: link.latency_ms for link in substrate.links}[key]
    slow = Conditions(link_latency_ms={key: nominal + 5.0})
    run = simulate(plan, substrate, Usage(), conditions=slow, slice_=(request, placement))
    assert run.kind is FailureKind.SLA and run.verdict.failed_step == "transport"
    assert "SLA budget" in run.verdict.reason and "with simulated link latencies" in run.verdict.reason
    # without the slice the twin cannot know the budgets: latency alone fails nothing
    assert simulate(plan, substrate, Usage(), conditions=slow).verdict.ok


def test_busy_controllers_make_the_plan_wait_for_its_deadline(
    lab: tuple[Substrate, SliceRequest, Placement, DeploymentPlan],
) -> None:
    substrate, _, _, plan = lab
    free = simulate(plan, substrate, Usage(), deadline_s=0.5)
    assert free.verdict.ok
    # the transport controller runs one commit at a time; three in flight take 360 ms
    busy = Conditions(busy={"transport-ctl": 3})
    run = simulate(plan, substrate, Usage(), deadline_s=0.5, conditions=busy)
    assert run.kind is FailureKind.TIMEOUT and "deadline of 0.500 s" in run.verdict.reason
    assert run.verdict.steps[0].start_s == 0.0 and run.verdict.steps[0].end_s > 0.36


def test_the_lab_capacity_check_counts_both_function_controllers() -> None:
    substrate = catalog.load_substrate(example_substrate())
    cap = SiteCapacity(substrate)
    ran, core_check = cap.validator(Domain.RAN), cap.validator(Domain.CORE)

    def tree(site: str, cpu: float) -> dict[str, object]:
        fn = {"name": "f", "site": site, "cpu": cpu, "memory-gb": 1.0}
        return {"slices": {"slice": [{"name": "x", "function": [fn]}]}}

    assert functions_usage(tree("edge-1", 20.0)) == {"edge-1": Resources(20.0, 1.0)}  # type: ignore[arg-type]
    assert ran(tree("edge-1", 20.0)) is None  # type: ignore[arg-type]
    why = core_check(tree("edge-1", 20.0))  # type: ignore[arg-type]
    assert why is not None and "site edge-1 is full" in why
    assert core_check(tree("edge-1", 12.0)) is None  # type: ignore[arg-type]
    cap.forget(Domain.RAN)
    assert core_check(tree("edge-1", 32.0)) is None  # type: ignore[arg-type]
