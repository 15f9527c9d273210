"""The heuristic placement engine: branch and bound over sites, routing on the substrate
graph, and an explanation naming the blocking constraint when nothing fits."""

from __future__ import annotations

import time

from nfvo.domain import BudgetOutcome, Placement, SliceRequest, Substrate, Usage
from nfvo.placement.explain import diagnose, no_candidate
from nfvo.placement.problem import NO_USAGE, build_problem
from nfvo.placement.search import NODE_LIMIT, search

ENGINE = "heuristic"
ENGINE_VERSION = "2"  # 2: incremental bounds (same search as 1, float sums in another order)


def place(
    request: SliceRequest,
    substrate: Substrate,
    usage: Usage = NO_USAGE,
    *,
    seed: int = 0,
    node_limit: int = NODE_LIMIT,
) -> Placement:
    """Place `request` on what `usage` leaves of `substrate`, at the least cost found.

    Deterministic for a given seed (the seed only breaks ties between sites of equal cost).
    Raises `InfeasibleError` naming the blocking constraint when no placement is found.
    If the node limit stops the search after a placement was found, the best one so far is
    returned (stats["limit_hit"] = 1).
    """
    started = time.perf_counter()
    problem = build_problem(request, substrate, usage)
    blocked = no_candidate(problem)
    if blocked is not None:
        raise blocked
    result = search(problem, node_limit=node_limit, seed=seed)
    if result.assign is None:
        raise diagnose(problem, node_limit=node_limit, seed=seed)
    sites = problem.idx.sites
    return Placement(
        assignments={nf.name: sites[result.assign[i]].name for i, nf in enumerate(problem.funcs)},
        routes=tuple(result.routes),
        budgets=tuple(
            BudgetOutcome(budget, achieved)
            for budget, achieved in zip(request.sla.latency_budgets, result.achieved, strict=True)
        ),
        cost=result.cost,
        engine=ENGINE,
        engine_version=ENGINE_VERSION,
        seed=seed,
        stats={
            "nodes": float(result.nodes),
            "time_ms": (time.perf_counter() - started) * 1000.0,
            "limit_hit": float(result.limit_hit),
        },
    )
