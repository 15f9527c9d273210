"""Properties over random small substrates and slices (hypothesis):

- every placement the heuristic, the MILP or first fit returns passes the independent checker;
- when the MILP reaches optimality its cost is at most the heuristic's (it is exact over
  the same constraints, and the heuristic's placement is one of its solutions);
- when the MILP proves infeasibility, the heuristic fails too (and so does first fit);
- the latency pruning of the MILP (milp_prune.py) changes neither feasibility nor optimum.

Values are drawn on coarse grids (halves of a ms, whole vCPU) so that ties are common and
float noise is not what is being tested.
"""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nfvo.domain import (
    SLA,
    Controller,
    Domain,
    InfeasibleError,
    LatencyBudget,
    Link,
    NetworkFunction,
    Placement,
    Protocol,
    Resources,
    Site,
    SiteRole,
    SliceRequest,
    SliceType,
    Substrate,
    Usage,
    VirtualLink,
)
from nfvo.placement import check_placement, first_fit, place
from nfvo.placement.milp import STATUS_OPTIMAL, place_milp

CONTROLLER = (Controller("c", Domain.CORE, Protocol.GNMI, "127.0.0.1", 1),)
DC = [SiteRole.EDGE, SiteRole.REGIONAL, SiteRole.CORE]
Case = tuple[SliceRequest, Substrate, Usage]
LINK_MBPS = [50.0, 100.0, 200.0, 400.0]


@st.composite
def instances(draw: st.DrawFn) -> Case:
    n_sites = draw(st.integers(3, 6))
    # s1 is a data centre, so that most slices have somewhere to go.
    roles = [
        SiteRole.CELL,
        draw(st.sampled_from(DC)),
        *draw(st.lists(st.sampled_from(list(SiteRole)), min_size=n_sites - 2, max_size=n_sites - 2)),
    ]
    present = sorted({r for r in roles if r is not SiteRole.CELL})
    sites = tuple(
        Site(
            f"s{i}",
            role,
            Resources(draw(st.integers(1, 12)), draw(st.integers(1, 12))),
            draw(st.integers(1, 4)),
        )
        for i, role in enumerate(roles)
    )
    pairs = [(draw(st.integers(0, i - 1)), i) for i in range(1, n_sites)]  # a spanning tree
    others = [p for p in itertools.combinations(range(n_sites), 2) if p not in pairs]
    pairs += draw(st.lists(st.sampled_from(others), max_size=3, unique=True)) if others else []
    links = tuple(
        Link(f"s{a}", f"s{b}", draw(st.integers(1, 10)) / 2, draw(st.sampled_from(LINK_MBPS)))
        for a, b in pairs
    )
    substrate = Substrate("random", sites, links, CONTROLLER)
    held_sites = {s.name: Resources(draw(st.integers(0, 3)), 0) for s in sites if draw(st.booleans())}
    held_links = {link.key: draw(st.sampled_from(LINK_MBPS[:2])) for link in links if draw(st.booleans())}

    n_funcs = draw(st.integers(2, 5))
    funcs = [
        NetworkFunction(
            "f0",
            "gNB",
            Domain.RAN,
            Resources(1, 1),
            frozenset({SiteRole.CELL}),
            pinned_site="s0",
            processing_latency_ms=draw(st.integers(0, 2)) / 4,
        )
    ]
    for i in range(1, n_funcs):
        allowed = frozenset(draw(st.lists(st.sampled_from(present), min_size=1, max_size=3)))
        demand = Resources(draw(st.integers(0, 6)), draw(st.integers(0, 6)))
        funcs.append(
            NetworkFunction(
                f"f{i}", "NF", Domain.CORE, demand, allowed, processing_latency_ms=draw(st.integers(0, 2)) / 4
            )
        )
    vlinks = [
        VirtualLink(
            f"v{i}",
            f"f{draw(st.integers(0, i - 1))}",
            f"f{i}",
            float(draw(st.sampled_from([0, 10, 50, 100, 150]))),
        )
        for i in range(1, n_funcs)
    ]
    for k, (a, b) in enumerate(
        draw(st.lists(st.sampled_from(list(itertools.combinations(range(n_funcs), 2))), max_size=2))
    ):
        vlinks.append(VirtualLink(f"x{k}", f"f{a}", f"f{b}", float(draw(st.sampled_from([0, 20, 100])))))
    budgets = tuple(
        LatencyBudget(f"b{k}", "f0", f"f{draw(st.integers(1, n_funcs - 1))}", draw(st.integers(1, 24)) / 2)
        for k in range(draw(st.integers(0, 2)))
    )
    request = SliceRequest("random", SLA(SliceType.URLLC, budgets), tuple(funcs), tuple(vlinks))
    return request, substrate, Usage(held_sites, held_links)


def _try(engine: str, case: Case) -> Placement | InfeasibleError:
    request, substrate, usage = case
    try:
        if engine == "milp":
            return place_milp(request, substrate, usage, time_limit_s=30.0)
        if engine == "first-fit":
            return first_fit(request, substrate, usage)
        return place(request, substrate, usage)
    except InfeasibleError as exc:
        return exc


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_engines_agree_with_the_checker_and_each_other(case: Case) -> None:
    request, substrate, usage = case
    results = {engine: _try(engine, case) for engine in ("heuristic", "milp", "first-fit")}
    for engine, result in results.items():
        if isinstance(result, Placement):
            assert check_placement(request, substrate, usage, result) == [], engine
    heuristic, exact = results["heuristic"], results["milp"]
    if isinstance(exact, InfeasibleError) and exact.blocking.kind != "time-limit":
        assert isinstance(heuristic, InfeasibleError)
        assert isinstance(results["first-fit"], InfeasibleError)
    optimal = isinstance(exact, Placement) and exact.stats["status"] == STATUS_OPTIMAL
    if optimal and isinstance(exact, Placement) and isinstance(heuristic, Placement):
        assert exact.cost <= heuristic.cost + 1e-4 * abs(heuristic.cost) + 1e-6


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_pruning_keeps_the_optimum(case: Case) -> None:
    request, substrate, usage = case
    outcomes = []
    for pruned in (True, False):
        try:
            outcomes.append(place_milp(request, substrate, usage, time_limit_s=30.0, pruned=pruned))
        except InfeasibleError as exc:
            outcomes.append(exc)
    small, full = outcomes
    assert type(small) is type(full)
    if isinstance(small, Placement) and isinstance(full, Placement):
        assert check_placement(request, substrate, usage, full) == []
        assert small.stats["variables"] <= full.stats["variables"]
        if small.stats["status"] == full.stats["status"] == STATUS_OPTIMAL:
            assert abs(small.cost - full.cost) <= 1e-4 * abs(full.cost) + 1e-6
