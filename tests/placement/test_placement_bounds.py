"""The heuristic's incremental latency-budget bounds (nfvo/placement/budget_bounds.py) against
the plain Dijkstra over the slice graph that they replace (slice_graph.slice_latency)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from placement_builders import DC_ROLES, chain, five_nf, gnb_upf

from nfvo.domain import (
    SLA,
    Domain,
    LatencyBudget,
    NetworkFunction,
    Resources,
    SliceRequest,
    SliceType,
    Usage,
    VirtualLink,
    link_key,
)
from nfvo.placement import ENGINE_VERSION, check_placement, place
from nfvo.placement.budget_bounds import BudgetBounds
from nfvo.placement.numbers import EPS
from nfvo.placement.problem import Problem, build_problem
from nfvo.placement.routing import wide_components
from nfvo.placement.slice_graph import simple_paths, slice_latency


def slice_problem(
    n: int, ends: list[tuple[int, int]], proc: list[float], budgets: list[tuple[int, int, float]]
) -> Problem:
    functions = tuple(
        NetworkFunction(f"f{i}", "NF", Domain.CORE, Resources(1, 1), DC_ROLES, processing_latency_ms=proc[i])
        for i in range(n)
    )
    links = tuple(VirtualLink(f"v{k}", f"f{a}", f"f{b}", 10) for k, (a, b) in enumerate(ends))
    sla = SLA(
        SliceType.EMBB,
        tuple(LatencyBudget(f"b{k}", f"f{a}", f"f{b}", m) for k, (a, b, m) in enumerate(budgets)),
    )
    return build_problem(SliceRequest("bounds", sla, functions, links), chain(), Usage())


def test_simple_paths_of_a_triangle_with_a_parallel_link() -> None:
    # f0 - f1 - f2, f0 - f2 twice: three simple paths f0 → f2, none revisiting a function.
    p = slice_problem(3, [(0, 1), (1, 2), (0, 2), (2, 0)], [0.0] * 3, [])
    paths = simple_paths(p, 0, 2)
    assert paths is not None
    assert sorted(paths) == sorted([((0, 1), (1, 2)), ((2, 2),), ((3, 2),)])
    assert simple_paths(p, 1, 1) == ((),)


def test_too_many_paths_fall_back_to_dijkstra() -> None:
    n = 8  # complete graph: thousands of simple paths f0 → f7
    ends = [(a, b) for a in range(n) for b in range(a + 1, n)]
    p = slice_problem(n, ends, [0.1] * n, [(0, n - 1, 1.0)])
    assert simple_paths(p, 0, n - 1) is None
    bounds = BudgetBounds(p, [0])
    assert bounds.paths[0] is None
    assert all(t == (0,) for t in bounds.touching)
    weights = [0.5] * len(ends)
    assert bounds.met(0, weights)  # f0 → f7 direct: 0.1 + 0.5 + 0.1
    assert not bounds.met(0, [0.9] * len(ends))


def test_a_leaf_off_every_budget_path_touches_only_its_own_budget() -> None:
    # gnb, upf, smf, amf, app; the cycle gnb-upf-smf-amf-gnb and app hanging off upf.
    # user-plane (gnb → app) runs over every link; control (gnb → smf) never over n6
    # (upf-app), so placing the app cannot change control's bound.
    p = build_problem(five_nf(4.0), chain(), Usage())
    bounds = BudgetBounds(p, range(len(p.budgets)))
    assert bounds.touching == ((0, 1), (0, 1), (0, 1), (0, 1), (0,))
    assert sorted(simple_paths(p, 0, 2) or ()) == sorted([((0, 1), (1, 2)), ((3, 3), (2, 2))])


@st.composite
def slice_graphs(draw: st.DrawFn) -> tuple[Problem, list[float]]:
    n = draw(st.integers(1, 6))
    pairs = st.tuples(st.integers(0, n - 1), st.integers(0, n - 1))
    ends = draw(st.lists(pairs, max_size=9))  # self-loops and parallel links included
    proc = draw(st.lists(st.sampled_from([0.0, 0.1, 0.25, 1.0]), min_size=n, max_size=n))
    budgets = draw(
        st.lists(
            st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), st.floats(0, 8)), min_size=1, max_size=3
        )
    )
    weights = draw(st.lists(st.floats(0, 4), min_size=len(ends), max_size=len(ends)))
    return slice_problem(n, ends, proc, budgets), weights


@settings(max_examples=300, deadline=None)
@given(slice_graphs(), st.integers(0, 5))
def test_bounds_agree_with_dijkstra(case: tuple[Problem, list[float]], path_limit: int) -> None:
    p, weights = case
    bounds = BudgetBounds(p, range(len(p.budgets)), path_limit=path_limit)
    for b, (src, tgt, max_ms) in enumerate(p.budgets):
        expected = slice_latency(p.adj, p.proc, weights, src, tgt) <= max_ms + EPS
        assert bounds.met(b, weights) == expected
        # A link on no path of the budget never changes its verdict: the search skips it.
        for i in range(len(p.funcs)):
            if b in bounds.touching[i]:
                continue
            longer = list(weights)
            for _, e in p.adj[i]:
                longer[e] += 100.0
            assert bounds.met(b, longer) == expected


def test_the_heuristic_records_its_version_and_seed() -> None:
    # Replaying a decision needs the engine version: 2 since the incremental bounds.
    placement = place(five_nf(4.0), chain(), seed=3)
    assert (placement.engine, placement.engine_version, placement.seed) == ("heuristic", ENGINE_VERSION, 3)
    assert ENGINE_VERSION == "2"
    again = place(five_nf(4.0), chain(), seed=3)
    assert (again.assignments, again.routes, again.cost) == (
        placement.assignments,
        placement.routes,
        placement.cost,
    )


def test_wide_components_split_at_links_without_the_bandwidth() -> None:
    # edge-1 — regional-1 has 60 Mbps left: 50 Mbps cross it, 100 Mbps do not.
    held = Usage(links_mbps={link_key("edge-1", "regional-1"): 9_940.0})
    p = build_problem(gnb_upf(None), chain(), held)
    cell, edge, regional, core = (p.idx.pos[n] for n in ("cell-1", "edge-1", "regional-1", "core-1"))
    narrow = wide_components(p, 50.0)
    assert narrow[cell] == narrow[edge] == narrow[regional] == narrow[core]
    wide = wide_components(p, 100.0)
    assert wide[cell] == wide[edge] != wide[regional] == wide[core]


def test_a_site_its_link_cannot_reach_is_never_tried() -> None:
    # The UPF would be cheapest in the core, but its 100 Mbps N3 cannot leave the edge: the
    # search places it at edge-1 without trying the sites beyond the full link.
    held = Usage(links_mbps={link_key("edge-1", "regional-1"): 9_940.0})
    request = gnb_upf(None, bandwidth=100)
    placement = place(request, chain(), held)
    assert placement.assignments["upf"] == "edge-1"
    assert check_placement(request, chain(), held, placement) == []
    assert placement.stats["nodes"] == 2  # gnb at cell-1, upf at edge-1: nothing else
    assert place(gnb_upf(None, bandwidth=50), chain(), held).assignments["upf"] == "core-1"
