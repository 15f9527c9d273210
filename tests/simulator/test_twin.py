"""The digital twin validates a plan's steps against controllers and free capacity."""

from __future__ import annotations

import pytest

from nfvo.domain import (
    ChangeSet,
    Controller,
    DeploymentPlan,
    Domain,
    Link,
    Protocol,
    Resources,
    Site,
    SiteRole,
    Substrate,
    Usage,
)
from simulator.twin import simulate, validate


def substrate(core_commit_ms: float = 120.0, core_timeout_s: float = 10.0) -> Substrate:
    return Substrate(
        "twin",
        (
            Site("cell-1", SiteRole.CELL, Resources(8, 16)),
            Site("edge-1", SiteRole.EDGE, Resources(16, 64)),
        ),
        (Link("cell-1", "edge-1", 0.5, 1000),),
        (
            Controller("ran-ctl", Domain.RAN, Protocol.NETCONF, "h", 1, commit_latency_ms=50),
            Controller("tr-ctl", Domain.TRANSPORT, Protocol.GNMI, "h", 2, commit_latency_ms=80),
            Controller(
                "core-ctl",
                Domain.CORE,
                Protocol.NETCONF,
                "h",
                3,
                commit_latency_ms=core_commit_ms,
                timeout_s=core_timeout_s,
            ),
        ),
    )


def plan() -> DeploymentPlan:
    def step(name: str, domain: Domain, ctl: str, demand: Usage) -> ChangeSet:
        return ChangeSet(name, domain, ctl, f"{name} config", (), (), demand)

    return DeploymentPlan(
        "s1",
        (
            step("ran", Domain.RAN, "ran-ctl", Usage({"cell-1": Resources(2, 4)})),
            step("transport", Domain.TRANSPORT, "tr-ctl", Usage(links_mbps={"cell-1--edge-1": 500})),
            step("core", Domain.CORE, "core-ctl", Usage({"edge-1": Resources(4, 8)})),
        ),
    )


def test_a_plan_that_fits_passes_with_commit_latencies() -> None:
    verdict = validate(plan(), substrate(), Usage())
    assert verdict.ok and verdict.failed_step is None and verdict.reason == ""
    assert [s.changeset for s in verdict.steps] == ["ran", "transport", "core"]
    assert [round(s.end_s - s.start_s, 6) for s in verdict.steps] == [0.05, 0.08, 0.12]
    assert verdict.steps[1].start_s == pytest.approx(0.05)  # sequential: each after the last
    assert verdict.simulated_duration_s == pytest.approx(0.25)


def test_capacity_raced_away_fails_the_step_that_needs_it() -> None:
    held = Usage({"edge-1": Resources(14, 0)})  # only 2 vCPU left on the edge
    verdict = validate(plan(), substrate(), held)
    assert not verdict.ok
    assert verdict.failed_step == "core"
    assert verdict.reason == "site edge-1 has 2.0 vCPU free, step core needs 4.0"
    assert [s.changeset for s in verdict.steps] == ["ran", "transport", "core"]


def test_bandwidth_raced_away_fails_the_transport_step() -> None:
    verdict = validate(plan(), substrate(), Usage(links_mbps={"cell-1--edge-1": 700}))
    assert verdict.failed_step == "transport"
    assert "link cell-1--edge-1 has 300.0 Mbps free, step transport needs 500.0" in verdict.reason
    assert [s.changeset for s in verdict.steps] == ["ran", "transport"]  # core never runs


def test_steps_of_one_plan_add_up_on_shared_capacity() -> None:
    twice = DeploymentPlan(
        "s2",
        plan().changesets
        + tuple(
            ChangeSet(f"{cs.id}-2", cs.domain, cs.controller, "", (), (), cs.demand)
            for cs in plan().changesets
        ),
    )
    verdict = validate(twice, substrate(), Usage(links_mbps={"cell-1--edge-1": 200}))
    assert verdict.failed_step == "transport-2"  # 500 + 500 > 800 free


def test_a_step_slower_than_its_controller_timeout_fails() -> None:
    verdict = validate(plan(), substrate(core_commit_ms=12_000, core_timeout_s=10.0), Usage())
    assert not verdict.ok
    assert verdict.failed_step == "core"
    assert "12.000 s" in verdict.reason and "core-ctl's timeout of 10.000 s" in verdict.reason
    assert verdict.steps[-1].end_s - verdict.steps[-1].start_s == pytest.approx(10.0)


def test_the_plan_deadline_fails_the_step_it_falls_in() -> None:
    verdict = validate(plan(), substrate(), Usage(), deadline_s=0.1)
    assert verdict.failed_step == "transport"
    assert "deadline of 0.100 s" in verdict.reason
    assert verdict.simulated_duration_s == pytest.approx(0.1)
    assert validate(plan(), substrate(), Usage(), deadline_s=0.25).ok


def test_unknown_controller_or_site_fails() -> None:
    bad = DeploymentPlan("s", (ChangeSet("x", Domain.CORE, "nope", "", (), ()),))
    assert "controller 'nope'" in validate(bad, substrate(), Usage()).reason
    ghost = DeploymentPlan(
        "s", (ChangeSet("y", Domain.CORE, "core-ctl", "", (), (), Usage({"mars-1": Resources(1, 1)})),)
    )
    assert "site mars-1 is not in substrate" in validate(ghost, substrate(), Usage()).reason


def test_teardown_needs_no_capacity_and_the_trace_tells_the_story() -> None:
    full = Usage({"cell-1": Resources(8, 16), "edge-1": Resources(16, 64)}, {"cell-1--edge-1": 1000})
    run = simulate(plan().teardown(), substrate(), full, seed=3)
    assert run.verdict.ok
    assert [s.changeset for s in run.verdict.steps] == ["core/undo", "transport/undo", "ran/undo"]
    assert run.trace[0].endswith("3 steps, seed 3")
    assert any("core/undo: committed" in line for line in run.trace)
