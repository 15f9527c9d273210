"""The heuristic engine on a cell → edge → regional → core chain (costs fall towards the core)."""

from __future__ import annotations

import pytest
from placement_builders import DC_ROLES, chain, five_nf, gnb_upf

from nfvo.domain import (
    SLA,
    Domain,
    InfeasibleError,
    InputError,
    LatencyBudget,
    Link,
    NetworkFunction,
    Resources,
    Site,
    SiteRole,
    SliceRequest,
    SliceType,
    Usage,
    VirtualLink,
)
from nfvo.placement import check_placement, place


def test_tight_budget_forces_the_upf_to_the_edge() -> None:
    request, substrate = gnb_upf(1.0), chain()
    placement = place(request, substrate)
    assert placement.assignments == {"gnb": "cell-1", "upf": "edge-1"}
    assert placement.route("n3").sites == ("cell-1", "edge-1")
    assert placement.budgets[0].achieved_ms == pytest.approx(0.5)
    assert placement.budgets[0].met
    assert placement.engine == "heuristic"
    assert check_placement(request, substrate, Usage(), placement) == []


def test_loose_budget_lets_the_upf_go_to_the_cheaper_core() -> None:
    placement = place(gnb_upf(10.0), chain())
    assert placement.assignments["upf"] == "core-1"
    route = placement.route("n3")
    assert route.sites == ("cell-1", "edge-1", "regional-1", "core-1")
    assert route.latency_ms == pytest.approx(8.0)
    # cost = 2 vCPU at cell (4/vCPU) + 4 vCPU at core (1/vCPU) + a small bandwidth term
    assert placement.cost == pytest.approx(12.0, abs=0.01)


def test_middle_budget_picks_the_cheapest_site_within_reach() -> None:
    assert place(gnb_upf(3.5), chain()).assignments["upf"] == "regional-1"


def test_processing_latency_of_both_ends_counts() -> None:
    # 0.1 (gnb) + 3.0 (cell → regional) + 0.3 (upf) = 3.4 ms: fits 3.5 at regional, not 3.3.
    assert place(gnb_upf(3.5, gnb_proc=0.1, upf_proc=0.3), chain()).assignments["upf"] == "regional-1"
    placement = place(gnb_upf(3.3, gnb_proc=0.1, upf_proc=0.3), chain())
    assert placement.assignments["upf"] == "edge-1"
    assert placement.budgets[0].achieved_ms == pytest.approx(0.9)


def test_edge_exhausted_by_held_usage() -> None:
    substrate = chain()
    held = Usage({"edge-1": Resources(14, 0)})  # 2 of 16 vCPU left at the edge
    with pytest.raises(InfeasibleError) as err:
        place(gnb_upf(1.0), substrate, held)
    blocking = err.value.blocking
    assert blocking.kind == "site-capacity"
    assert blocking.subject == "upf"
    assert blocking.required == 4.0
    assert blocking.best_achievable == 2.0
    assert blocking.unit == "vCPU"
    assert "edge-1" in blocking.explanation and "regional-1 at 3.00 ms" in blocking.explanation
    assert "3.00 ms" in err.value.hint
    # A looser budget moves the UPF past the full edge.
    assert place(gnb_upf(3.5), substrate, held).assignments["upf"] == "regional-1"


def test_full_pinned_site_names_the_pinned_function() -> None:
    with pytest.raises(InfeasibleError) as err:
        place(gnb_upf(10.0), chain(), Usage({"cell-1": Resources(7, 0)}))
    blocking = err.value.blocking
    assert (blocking.kind, blocking.subject, blocking.required, blocking.best_achievable) == (
        "site-capacity",
        "gnb",
        2.0,
        1.0,
    )
    assert blocking.explanation == (
        "gnb is pinned to cell-1, which has 1 vCPU and 16 GB free; it needs 2 vCPU and 4 GB"
    )


def test_capacity_is_summed_over_functions_on_a_site() -> None:
    # Two 4-vCPU functions both within 1 ms of the cell; the edge has 6 vCPU free.
    gnb = NetworkFunction("gnb", "gNB", Domain.RAN, Resources(1, 1), frozenset({SiteRole.CELL}), "cell-1")
    nfs = tuple(NetworkFunction(n, "UPF", Domain.CORE, Resources(4, 4), DC_ROLES) for n in ("u1", "u2"))
    request = SliceRequest(
        "two-upfs",
        SLA(SliceType.URLLC, tuple(LatencyBudget(f"b-{n.name}", "gnb", n.name, 1.0) for n in nfs)),
        (gnb, *nfs),
        tuple(VirtualLink(f"l-{n.name}", "gnb", n.name, 10) for n in nfs),
    )
    substrate = chain(edge_cpu=6)
    with pytest.raises(InfeasibleError) as err:
        place(request, substrate)
    assert err.value.blocking.kind == "site-capacity"
    assert "edge-1" in err.value.blocking.explanation
    assert place(request, chain(edge_cpu=8)).assignments == {"gnb": "cell-1", "u1": "edge-1", "u2": "edge-1"}


def test_impossible_budget_reports_the_best_achievable() -> None:
    with pytest.raises(InfeasibleError) as err:
        place(gnb_upf(0.5, gnb_proc=0.1, upf_proc=0.3), chain())
    blocking = err.value.blocking
    assert blocking.kind == "latency-budget"
    assert blocking.subject == "gnb-to-upf"
    assert blocking.required == 0.5
    assert blocking.best_achievable == pytest.approx(0.9)
    assert blocking.unit == "ms"
    assert blocking.explanation == (
        "latency budget 'gnb-to-upf' (gnb → upf) of 0.50 ms cannot be met: "
        "the best achievable is 0.90 ms (upf at edge-1)"
    )
    assert err.value.hint == "raise the budget to at least 0.90 ms or add a site closer to cell-1"


def _with_detour(bandwidth_cell_edge: float) -> tuple[Usage, list[Link]]:
    """A second way from the cell to the regional site, through edge-2 (0.8 + 2.5 ms)."""
    extra = [Link("cell-1", "edge-2", 0.8, 10_000), Link("edge-2", "regional-1", 2.5, 10_000)]
    held = Usage(links_mbps={"cell-1--edge-1": 10_000 - bandwidth_cell_edge})
    return held, extra


def test_full_link_forces_a_detour() -> None:
    held, extra = _with_detour(50)
    substrate = chain(extra_links=extra, extra_sites=[Site("edge-2", SiteRole.EDGE, Resources(16, 64), 3.0)])
    request = gnb_upf(3.5, bandwidth=100)
    placement = place(request, substrate, held)
    assert placement.assignments["upf"] == "regional-1"
    assert placement.route("n3").sites == ("cell-1", "edge-2", "regional-1")
    assert placement.budgets[0].achieved_ms == pytest.approx(3.3)
    assert check_placement(request, substrate, held, placement) == []
    # A thin link still fits on the short path.
    assert place(gnb_upf(3.5, bandwidth=40), substrate, held).route("n3").sites == (
        "cell-1",
        "edge-1",
        "regional-1",
    )


def test_bandwidth_of_earlier_links_of_the_same_slice_counts() -> None:
    # Two 60 Mbps links from the cell on a 100 Mbps chain: the second cannot pass.
    gnb = NetworkFunction("gnb", "gNB", Domain.RAN, Resources(1, 1), frozenset({SiteRole.CELL}), "cell-1")
    upf = NetworkFunction("upf", "UPF", Domain.CORE, Resources(1, 1), frozenset({SiteRole.EDGE}))
    links = (VirtualLink("a", "gnb", "upf", 60), VirtualLink("b", "gnb", "upf", 60))
    request = SliceRequest("double", SLA(SliceType.EMBB), (gnb, upf), links)
    with pytest.raises(InfeasibleError) as err:
        place(request, chain(bandwidth=100))
    blocking = err.value.blocking
    assert blocking.kind == "link-bandwidth"
    assert blocking.subject == "b"
    assert blocking.required == 60
    assert blocking.best_achievable == pytest.approx(40)


def test_no_bandwidth_anywhere_is_link_bandwidth() -> None:
    with pytest.raises(InfeasibleError) as err:
        place(gnb_upf(10.0, bandwidth=100), chain(bandwidth=50))
    assert err.value.blocking.kind == "link-bandwidth"
    assert err.value.blocking.unit == "Mbps"
    assert "50 Mbps free" in err.value.blocking.explanation


def test_detour_that_breaks_the_budget_is_link_bandwidth() -> None:
    held, extra = _with_detour(50)
    # edge-2 is no data centre here (role cell, and the gNB is pinned): only a transit site.
    substrate = chain(extra_links=extra, extra_sites=[Site("edge-2", SiteRole.CELL, Resources(1, 1), 9.0)])
    held = held + Usage({"edge-1": Resources(16, 0)})  # and the edge is full
    with pytest.raises(InfeasibleError) as err:
        place(gnb_upf(3.1, bandwidth=100), substrate, held)
    assert err.value.blocking.kind == "link-bandwidth"
    assert "3.30 ms" in err.value.blocking.explanation


def test_unknown_pin_and_missing_role_are_no_candidate_site() -> None:
    request = gnb_upf(1.0)
    bad_pin = SliceRequest(
        request.template,
        request.sla,
        (
            NetworkFunction("gnb", "gNB", Domain.RAN, Resources(1, 1), frozenset({SiteRole.CELL}), "cell-9"),
            request.functions[1],
        ),
        request.links,
    )
    with pytest.raises(InfeasibleError) as err:
        place(bad_pin, chain())
    assert err.value.blocking.kind == "no-candidate-site"
    assert err.value.blocking.subject == "gnb"
    assert "cell-9" in err.value.blocking.explanation

    core_gnb = NetworkFunction(
        "gnb", "gNB", Domain.RAN, Resources(1, 1), frozenset({SiteRole.CELL}), "core-1"
    )
    wrong_role_pin = SliceRequest(
        request.template, request.sla, (core_gnb, request.functions[1]), request.links
    )
    with pytest.raises(InfeasibleError) as err:
        place(wrong_role_pin, chain())
    assert err.value.blocking.kind == "no-candidate-site"

    nowhere = NetworkFunction("upf", "UPF", Domain.CORE, Resources(1, 1), frozenset())
    with pytest.raises(InfeasibleError) as err:
        place(SliceRequest("x", request.sla, (request.functions[0], nowhere), request.links), chain())
    assert err.value.blocking.kind == "no-candidate-site"
    assert err.value.blocking.subject == "upf"


def test_inconsistent_request_is_an_input_error() -> None:
    request = gnb_upf(1.0)
    broken = SliceRequest("x", request.sla, request.functions, (VirtualLink("n3", "gnb", "ghost", 1),))
    with pytest.raises(InputError):
        place(broken, chain())


def test_same_site_functions_get_a_one_site_route() -> None:
    # Both functions pinned to the same site.
    a = NetworkFunction("a", "X", Domain.CORE, Resources(1, 1), DC_ROLES, "edge-1", 0.2)
    b = NetworkFunction("b", "Y", Domain.CORE, Resources(1, 1), DC_ROLES, "edge-1", 0.3)
    request = SliceRequest(
        "co",
        SLA(SliceType.EMBB, (LatencyBudget("ab", "a", "b", 0.5),)),
        (a, b),
        (VirtualLink("ab", "a", "b", 100),),
    )
    placement = place(request, chain())
    route = placement.route("ab")
    assert route.sites == ("edge-1",) and route.latency_ms == 0.0 and route.link_keys == ()
    assert placement.budgets[0].achieved_ms == pytest.approx(0.5)


def test_five_functions_meet_both_budgets_and_check() -> None:
    request, substrate = five_nf(4.0), chain()
    placement = place(request, substrate)
    assert check_placement(request, substrate, Usage(), placement) == []
    assert all(b.met for b in placement.budgets)
    assert placement.assignments["smf"] == "core-1"  # the loose control budget lets it go far
    assert placement.stats["nodes"] > 0
    assert placement.usage(request).sites["core-1"].cpu >= 2


def test_same_seed_same_placement() -> None:
    # Three equal-cost edges: the seed breaks the tie, the same seed the same way.
    edges = [Site(f"edge-{i}", SiteRole.EDGE, Resources(16, 64), 3.0) for i in (2, 3)]
    links = [Link("cell-1", e.name, 0.5, 10_000) for e in edges]
    substrate = chain(extra_sites=edges, extra_links=links)
    request = gnb_upf(1.0, bandwidth=0)
    runs = [place(request, substrate, seed=seed) for seed in (0, 0, 1, 1, 7)]
    assert runs[0].assignments == runs[1].assignments and runs[0].routes == runs[1].routes
    assert runs[2].assignments == runs[3].assignments
    assert all(r.seed == s for r, s in zip(runs, (0, 0, 1, 1, 7), strict=True))
    chosen = {place(request, substrate, seed=s).assignments["upf"] for s in range(20)}
    assert chosen <= {"edge-1", "edge-2", "edge-3"} and len(chosen) > 1


def test_node_limit_returns_the_best_so_far() -> None:
    # The search reaches its first (here also its best) placement at its 5th node, one per
    # function: a limit of 5 stops it right there.
    placement = place(five_nf(4.0), chain(), node_limit=5)
    assert placement.stats["limit_hit"] == 1.0
    assert check_placement(five_nf(4.0), chain(), Usage(), placement) == []
