"""Lower bounds on the latency budgets of a partial assignment, for the branch and bound.

Each virtual link gets a lower bound on its routed latency (the search keeps them: exact
once both ends are placed, the least latency to the other end's candidates once one is); a
budget can still be met when some slice path between its ends, with those bounds, fits.
Placing a function changes the bounds of its own virtual links only, so a budget is checked
again only when one of them lies on a path between its ends: every other budget keeps the
verdict its parent node had. The paths are enumerated once per slice-graph shape
(`simple_paths`); a budget with too many falls back to Dijkstra (`slice_latency`).
"""

from __future__ import annotations

from collections.abc import Sequence

from nfvo.placement.numbers import EPS
from nfvo.placement.problem import Problem
from nfvo.placement.slice_graph import PATH_LIMIT, simple_paths, slice_latency

# Per simple path: the processing of its first function, then (link, processing of the
# function it enters) per hop; summed in that order, as slice_latency sums.
_Path = tuple[float, tuple[tuple[int, float], ...]]


_Plan = tuple[dict[int, tuple[_Path, ...] | None], tuple[tuple[int, ...], ...]]
_PLANS: dict[tuple[object, ...], _Plan] = {}


def _plan(p: Problem, ids: tuple[int, ...], limit: int) -> _Plan:
    """Per budget its compiled paths (None: use Dijkstra), and per function the budgets its
    links lie on. Memoised by the slice graph's shape, processing latencies and budgets."""
    key = (p.ends, len(p.funcs), p.proc, p.budgets, ids, limit)
    hit = _PLANS.get(key)
    if hit is not None:
        return hit
    paths: dict[int, tuple[_Path, ...] | None] = {}
    every_link = frozenset(range(len(p.ends)))
    links_of: dict[int, frozenset[int]] = {}
    for b in ids:
        src, tgt, _ = p.budgets[b]
        found = simple_paths(p, src, tgt, limit)
        if found is None:
            paths[b], links_of[b] = None, every_link
        else:
            paths[b] = tuple((p.proc[src], tuple((e, p.proc[v]) for e, v in hops)) for hops in found)
            links_of[b] = frozenset(e for hops in found for e, _ in hops)
    touching = []
    for i in range(len(p.funcs)):
        mine = {e for _, e in p.adj[i]}
        touching.append(tuple(b for b in ids if not mine.isdisjoint(links_of[b])))
    if len(_PLANS) >= 256:
        _PLANS.clear()
    _PLANS[key] = plan = (paths, tuple(touching))
    return plan


class BudgetBounds:
    def __init__(self, p: Problem, budget_ids: Sequence[int], *, path_limit: int = PATH_LIMIT) -> None:
        self.p = p
        self.ids = tuple(budget_ids)
        # touching[i]: the budgets that placing function i may change.
        self.paths, self.touching = _plan(p, self.ids, path_limit)

    def met(self, b: int, weights: Sequence[float]) -> bool:
        """Can budget b still be met with these lower bounds on the virtual links' latency?"""
        src, tgt, max_ms = self.p.budgets[b]
        paths = self.paths[b]
        if paths is None:
            return slice_latency(self.p.adj, self.p.proc, weights, src, tgt, bound=max_ms) <= max_ms + EPS
        limit = max_ms + EPS
        for start, hops in paths:
            total = start
            for e, proc in hops:
                total = total + weights[e] + proc
                if total > limit:  # every term is non-negative: this path is out
                    break
            else:
                if total <= limit:
                    return True
        return False

    def all_met(self, budgets: Sequence[int], weights: Sequence[float]) -> bool:
        for b in budgets:
            if not self.met(b, weights):
                break
        else:
            return True
        return False
