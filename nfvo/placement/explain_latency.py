"""Diagnosis of latency budgets: the least latency a budget can reach on the substrate,
ignoring capacity and bandwidth, and the error when even that is too much."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Sequence

from nfvo.domain import InfeasibleError
from nfvo.placement.blocking import budget_of, fail
from nfvo.placement.numbers import EPS, INF
from nfvo.placement.problem import Problem

State = tuple[int, int]  # (function index, site index)


def best_latency(p: Problem, budget: int, fixed: State | None = None) -> tuple[float, list[State]]:
    """Least latency a budget can reach, ignoring capacity and bandwidth, and the (function,
    site) path reaching it. Dijkstra over (function, site) pairs: shortest substrate
    latencies obey the triangle inequality, so no walk visiting a function twice beats the
    best consistent path. `fixed` forces one function onto one site."""
    src, tgt, _ = p.budgets[budget]

    def cands(i: int) -> tuple[int, ...]:
        return (fixed[1],) if fixed is not None and fixed[0] == i else p.cand[i]

    # Per function a row of best latencies by site (INF: not reached), and heap entries
    # flattened to (latency, tie, function, site): the unique tie orders them exactly as
    # (latency, tie, state) would.
    dist, proc = p.idx.dist, p.proc
    best = [[INF] * len(dist) for _ in p.funcs]
    prev: dict[State, State] = {}
    tie = itertools.count()
    heap: list[tuple[float, int, int, int]] = []
    for s in cands(src):
        best[src][s] = proc[src]
        heap.append((proc[src], next(tie), src, s))
    heapq.heapify(heap)
    while heap:
        d, _, i, s = heapq.heappop(heap)
        if d > best[i][s]:
            continue
        if i == tgt:
            path = [(i, s)]
            while path[-1] in prev:
                path.append(prev[path[-1]])
            return d, path[::-1]
        row = dist[s]
        for j, _e in p.adj[i]:
            reached, pj = best[j], proc[j]
            for t in cands(j):
                nd = d + row[t] + pj
                if nd < reached[t]:
                    reached[t] = nd
                    prev[(j, t)] = (i, s)
                    heapq.heappush(heap, (nd, next(tie), j, t))
    return INF, []


def _at(p: Problem, path: Sequence[State], skip_pinned: bool = True) -> str:
    parts = [
        f"{p.funcs[i].name} at {p.idx.sites[s].name}"
        for i, s in path
        if not (skip_pinned and len(p.cand[i]) == 1)
    ]
    return ", ".join(parts)


def latency_error(p: Problem, b: int, best: float, path: Sequence[State]) -> InfeasibleError:
    budget = budget_of(p, b)
    if best == INF:
        text = (
            f"latency budget {budget.name!r} ({budget.source} → {budget.target}) cannot be met: "
            "no path of the slice graph joins them on the substrate"
        )
        return fail(
            "latency-budget",
            budget.name,
            text,
            "connect the two functions with virtual links",
            required=budget.max_ms,
            unit="ms",
        )
    where = _at(p, path) or _at(p, path, skip_pinned=False)
    anchor = p.idx.sites[path[0][1]].name
    text = (
        f"latency budget {budget.name!r} ({budget.source} → {budget.target}) of {budget.max_ms:.2f} ms "
        f"cannot be met: the best achievable is {best:.2f} ms ({where})"
    )
    hint = f"raise the budget to at least {best:.2f} ms or add a site closer to {anchor}"
    return fail(
        "latency-budget", budget.name, text, hint, required=budget.max_ms, best=best, unit="ms", anchor=anchor
    )


def latency_alone(p: Problem) -> InfeasibleError | None:
    """A budget that no placement meets even with unlimited capacity and bandwidth."""
    for b in range(len(p.budgets)):
        best, path = best_latency(p, b)
        if best > p.budgets[b][2] + EPS:
            return latency_error(p, b, best, path)
    return None
