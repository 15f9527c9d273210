"""A first-fit baseline: each function on the first allowed site with room, in substrate
order; then route; then check the budgets. No search, no backtracking: a yardstick for the
heuristic in benchmarks, not an engine to deploy with."""

from __future__ import annotations

from nfvo.domain import (
    BlockingConstraint,
    BudgetOutcome,
    InfeasibleError,
    Placement,
    SliceRequest,
    Substrate,
    Usage,
)
from nfvo.placement.explain import no_candidate
from nfvo.placement.model import EPS, NO_USAGE, build_problem, fmt_ms, route_vlinks, slice_latency
from nfvo.placement.search import placement_cost

ENGINE = "first-fit"


def first_fit(
    request: SliceRequest, substrate: Substrate, usage: Usage = NO_USAGE, *, seed: int = 0
) -> Placement:
    p = build_problem(request, substrate, usage)
    blocked = no_candidate(p)
    if blocked is not None:
        raise blocked
    free = list(p.free)
    assign: list[int] = []
    for i, nf in enumerate(p.funcs):
        site = next((s for s in p.cand[i] if nf.demand.fits_in(free[s])), None)
        if site is None:
            text = (f"first fit: no allowed site has {nf.demand.cpu:g} vCPU and {nf.demand.memory_gb:g} GB "
                    f"free for {nf.name}")
            most = max(free[s].cpu for s in p.cand[i])
            blocking = BlockingConstraint("site-capacity", nf.name, nf.demand.cpu, most, "vCPU", text)
            raise InfeasibleError(blocking)
        free[site] = free[site] - nf.demand
        assign.append(site)
    routed, failed = route_vlinks(p, assign, range(len(p.ends)))
    if failed is not None:
        vl = p.vlinks[failed]
        text = f"first fit: no path with {vl.bandwidth_mbps:g} Mbps free for virtual link {vl.name!r}"
        blocking = BlockingConstraint("link-bandwidth", vl.name, vl.bandwidth_mbps, None, "Mbps", text)
        raise InfeasibleError(blocking)
    routes = [r for r in routed if r is not None]
    weights = [r.latency_ms for r in routes]
    outcomes = []
    for budget, (src, tgt, max_ms) in zip(request.sla.latency_budgets, p.budgets, strict=True):
        achieved = slice_latency(p.adj, p.proc, weights, src, tgt)
        if achieved > max_ms + EPS:
            text = (f"first fit: latency budget {budget.name!r} of {max_ms:.2f} ms is not met; "
                    f"the first-fit placement reaches {fmt_ms(achieved)}")
            blocking = BlockingConstraint("latency-budget", budget.name, max_ms, achieved, "ms", text,
                                          {"engine": ENGINE})
            raise InfeasibleError(blocking)
        outcomes.append(BudgetOutcome(budget, achieved))
    return Placement(
        assignments={nf.name: p.idx.sites[assign[i]].name for i, nf in enumerate(p.funcs)},
        routes=tuple(routes),
        budgets=tuple(outcomes),
        cost=placement_cost(p, assign, routes),
        engine=ENGINE,
        seed=seed,
    )
