"""A first-fit baseline: each function on the first allowed site with room, in substrate
order; then route; then check the budgets. No search, no backtracking: a yardstick for the
heuristic in benchmarks, not an engine to deploy with."""

from __future__ import annotations

from collections.abc import Sequence

from nfvo.domain import (
    BlockingConstraint,
    BudgetOutcome,
    InfeasibleError,
    Placement,
    RuleKind,
    SliceRequest,
    Substrate,
    Usage,
)
from nfvo.placement.costs import placement_cost
from nfvo.placement.explain import no_candidate
from nfvo.placement.numbers import EPS, fmt_ms
from nfvo.placement.problem import NO_USAGE, Problem, build_problem
from nfvo.placement.routing import route_vlinks
from nfvo.placement.slice_graph import slice_latency

ENGINE = "first-fit"


def _keeps_rules(p: Problem, assign: Sequence[int], i: int, s: int) -> int | None:
    """The first rule that function i at site s breaks with the functions placed so far
    (indices below len(assign)), or None."""
    for r, (kind, members) in enumerate(p.rules):
        if i not in members:
            continue
        placed = [assign[f] for f in members if f != i and f < len(assign)]
        if (kind is RuleKind.AFFINITY and any(t != s for t in placed)) or (
            kind is RuleKind.ANTI_AFFINITY and s in placed
        ):
            return r
    return None


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
        roomy = [s for s in p.cand[i] if nf.demand.fits_in(free[s])]
        site = next((s for s in roomy if _keeps_rules(p, assign, i, s) is None), None)
        if site is None and roomy:
            rule = p.request.rules[_keeps_rules(p, assign, i, roomy[0]) or 0]
            text = (
                f"first fit: no site with room for {nf.name} keeps {rule.kind.value} rule {rule.name!r} "
                "with the functions placed before it"
            )
            why = {"engine": ENGINE}
            raise InfeasibleError(BlockingConstraint(rule.kind.value, rule.name, None, None, "", text, why))
        if site is None:
            text = (
                f"first fit: no allowed site has {nf.demand.cpu:g} vCPU and {nf.demand.memory_gb:g} GB "
                f"free for {nf.name}"
            )
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
            text = (
                f"first fit: latency budget {budget.name!r} of {max_ms:.2f} ms is not met; "
                f"the first-fit placement reaches {fmt_ms(achieved)}"
            )
            blocking = BlockingConstraint(
                "latency-budget", budget.name, max_ms, achieved, "ms", text, {"engine": ENGINE}
            )
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
