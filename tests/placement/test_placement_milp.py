"""The exact engine (MILP over HiGHS): same answers as the heuristic where that is optimal,
the same explanations when nothing fits, and every result re-verified by the checker."""

from __future__ import annotations

from typing import Any

import pytest
from placement_builders import DC_ROLES, chain, five_nf, gnb_upf

from nfvo.catalog import load_substrate, load_template
from nfvo.catalog.topology import load_topology
from nfvo.domain import (
    SLA,
    Domain,
    InfeasibleError,
    LatencyBudget,
    Link,
    NetworkFunction,
    Placement,
    Resources,
    Site,
    SiteRole,
    SliceRequest,
    SliceType,
    Substrate,
    Usage,
    VirtualLink,
)
from nfvo.placement import check_placement, place
from nfvo.placement.milp import STATUS_OPTIMAL, place_milp
from nfvo.resources import example_substrate, example_template

NO_USAGE = Usage()
LIMIT = 20.0  # seconds; these instances solve in milliseconds


def milp(request: SliceRequest, substrate: Substrate, usage: Usage = NO_USAGE, **options: Any) -> Placement:
    placement = place_milp(request, substrate, usage, time_limit_s=LIMIT, **options)
    assert check_placement(request, substrate, usage, placement) == []
    return placement


@pytest.mark.parametrize("template", ["embb", "urllc", "mmtc"])
def test_examples_on_the_lab_match_the_heuristic_cost(template: str) -> None:
    substrate = load_substrate(example_substrate())
    request = load_template(example_template(template))
    exact = milp(request, substrate)
    assert exact.engine == "milp"
    heuristic = place(request, substrate).cost
    # HiGHS stops within mip_rel_gap (1e-4) of its bound, and versions differ in which
    # near-optimal incumbent they keep: compare within that gap, not to the last digit.
    assert exact.cost == pytest.approx(heuristic, rel=1e-4)
    # The objective adds a 1e-9-per-ms routing tie-break to the cost, hence the slack.
    assert exact.stats["bound"] <= heuristic * (1 + 1e-6)  # no placement is cheaper than the bound
    assert exact.stats["status"] == STATUS_OPTIMAL
    assert exact.stats["gap"] <= 1e-4
    assert exact.stats["bound"] <= exact.stats["objective"] + 1e-9
    assert {"time_ms", "variables", "constraints"} <= set(exact.stats)


@pytest.mark.parametrize(("budget", "site"), [(1.0, "edge-1"), (3.0, "regional-1"), (10.0, "core-1")])
def test_budget_picks_the_cheapest_site_within_reach(budget: float, site: str) -> None:
    assert milp(gnb_upf(budget), chain()).assignments["upf"] == site


def test_five_functions_and_held_usage() -> None:
    held = Usage({"edge-1": Resources(12, 0)})
    exact = milp(five_nf(), chain(), held)
    assert exact.cost == pytest.approx(place(five_nf(), chain(), held).cost, rel=1e-6)


def test_objectives_trade_cost_for_latency_and_balance() -> None:
    substrate = load_substrate(example_substrate())
    request = load_template(example_template("embb"))
    cheap = milp(request, substrate)
    fast = milp(request, substrate, objective="latency")
    balanced = milp(request, substrate, objective="load-balance")
    assert fast.budgets[0].achieved_ms < cheap.budgets[0].achieved_ms
    assert fast.cost >= cheap.cost and balanced.cost >= cheap.cost

    def peak(p: Placement) -> float:
        used = p.usage(request)
        return max(used.sites[name].cpu / substrate.site(name).capacity.cpu for name in used.sites)

    assert peak(balanced) <= peak(cheap) + 1e-9
    with pytest.raises(ValueError, match="fastest"):
        place_milp(request, substrate, objective="fastest")


def test_a_full_link_forces_a_multi_hop_detour() -> None:
    extra = [Link("cell-1", "edge-2", 0.8, 10_000), Link("edge-2", "regional-1", 2.5, 10_000)]
    substrate = chain(extra_links=extra, extra_sites=[Site("edge-2", SiteRole.EDGE, Resources(16, 64), 3.0)])
    held = Usage(links_mbps={"cell-1--edge-1": 9_950})
    exact = milp(gnb_upf(3.5, bandwidth=100), substrate, held)
    assert exact.assignments["upf"] == "regional-1"
    assert exact.route("n3").sites == ("cell-1", "edge-2", "regional-1")


def test_budget_met_through_a_longer_slice_path() -> None:
    """a—c directly must detour 20 ms (bandwidth), a—b—c is 3 ms: the min over slice paths
    meets 5 ms, which constraining only the one-hop slice path would have missed."""
    substrate = chain(bandwidth=100, extra_links=[Link("cell-1", "regional-1", 20.0, 10_000)])
    a = NetworkFunction("a", "gNB", Domain.RAN, Resources(1, 1), frozenset({SiteRole.CELL}), "cell-1")
    b = NetworkFunction("b", "UPF", Domain.CORE, Resources(1, 1), DC_ROLES)
    c = NetworkFunction(
        "c", "APP", Domain.CORE, Resources(1, 1), frozenset({SiteRole.REGIONAL}), "regional-1"
    )
    links = (
        VirtualLink("ab", "a", "b", 10),
        VirtualLink("bc", "b", "c", 10),
        VirtualLink("ac", "a", "c", 500),
    )
    request = SliceRequest(
        "triangle", SLA(SliceType.URLLC, (LatencyBudget("a-c", "a", "c", 5.0),)), (a, b, c), links
    )
    exact = milp(request, substrate)
    assert exact.route("ac").latency_ms == pytest.approx(20.0)
    assert exact.budgets[0].achieved_ms == pytest.approx(3.0)
    assert place(request, substrate).budgets[0].achieved_ms == pytest.approx(3.0)


@pytest.mark.parametrize(
    ("request_", "substrate", "usage"),
    [
        (gnb_upf(0.5, gnb_proc=0.1, upf_proc=0.3), chain(), Usage()),  # latency
        (gnb_upf(1.0, upf_cpu=20), chain(), Usage()),  # capacity at the edge
        (gnb_upf(10.0, bandwidth=100), chain(bandwidth=50), Usage()),  # bandwidth
        (gnb_upf(1.0), chain(), Usage({"cell-1": Resources(7, 0)})),  # the pinned site is full
    ],
    ids=["latency", "capacity", "bandwidth", "pinned-full"],
)
def test_infeasible_explained_as_the_heuristic_does(
    request_: SliceRequest, substrate: Substrate, usage: Usage
) -> None:
    with pytest.raises(InfeasibleError) as heuristic:
        place(request_, substrate, usage)
    with pytest.raises(InfeasibleError) as exact:
        place_milp(request_, substrate, usage, time_limit_s=LIMIT)
    assert exact.value.blocking == heuristic.value.blocking
    assert exact.value.hint == heuristic.value.hint


def test_no_candidate_site() -> None:
    nowhere = NetworkFunction("upf", "UPF", Domain.CORE, Resources(1, 1), frozenset())
    request = gnb_upf(1.0)
    with pytest.raises(InfeasibleError) as err:
        place_milp(SliceRequest("x", request.sla, (request.functions[0], nowhere), request.links), chain())
    assert err.value.blocking.kind == "no-candidate-site"


def test_seed_and_version_are_recorded() -> None:
    exact = milp(gnb_upf(3.0), chain(), seed=7)
    assert (exact.seed, exact.engine_version) == (7, "1")


def test_time_limit_without_a_placement_says_so() -> None:
    substrate = load_topology("sndlib/germany50")
    request = load_template(example_template("embb"), {"cell_site": "aachen"})
    with pytest.raises(InfeasibleError) as err:
        place_milp(request, substrate, time_limit_s=1e-5)
    assert err.value.blocking.kind == "time-limit"
    assert "time limit" in err.value.blocking.explanation
