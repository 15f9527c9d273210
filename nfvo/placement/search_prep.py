"""What the branch and bound settles before it starts: the order functions are taken in, the
candidate sites no placement meeting the budgets can use, routing orders and tie-breaks."""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Sequence

from nfvo.domain import RuleKind
from nfvo.placement.numbers import EPS
from nfvo.placement.problem import Problem
from nfvo.placement.slice_graph import least_processing, separating_functions


def search_order(p: Problem, cand: Sequence[Sequence[int]] | None = None) -> list[int]:
    """Single-candidate (pinned) functions first, then breadth-first along the slice graph;
    a component without a pin starts from its most constrained function (fewest sites in
    `cand`, the problem's candidates unless given)."""
    cand = p.cand if cand is None else cand
    n = len(p.funcs)
    order: list[int] = []
    seen = [False] * n
    starts = [i for i in range(n) if len(cand[i]) == 1]
    starts += sorted((i for i in range(n) if len(cand[i]) != 1), key=lambda i: (len(cand[i]), i))
    for start in starts:
        if seen[start]:
            continue
        seen[start] = True
        queue = deque([start])
        while queue:
            u = queue.popleft()
            order.append(u)
            for v, _ in p.adj[u]:
                if not seen[v]:
                    seen[v] = True
                    queue.append(v)
    return order


def reachable_sites(p: Problem, budgets: Sequence[int], rules: Sequence[int] = ()) -> list[tuple[int, ...]]:
    """The candidate sites of each function that some placement meeting `budgets` may use.

    For a budget src → tgt and a function f on every slice path between them, any placement
    meeting it has f's site s with near_src(s) + near_tgt(s) + (least processing on a slice
    path src → f → tgt) ≤ max, where near_x(s) is the least substrate latency from s to a
    candidate of x: routes are substrate paths, so the triangle inequality bounds each half.
    Sites failing that are dropped; the cut never loses a placement. An enforced affinity rule
    leaves each of its functions only the sites all of them may take."""
    cand = [tuple(c) for c in p.cand]
    for b in budgets:
        src, tgt, max_ms = p.budgets[b]
        funcs = separating_functions(p, src, tgt)
        if not funcs:
            continue  # no slice path: the search and the diagnosis say so
        near_src, near_tgt = p.idx.near(cand[src]), p.idx.near(cand[tgt])
        lead, tail = least_processing(p.adj, p.proc, src), least_processing(p.adj, p.proc, tgt)
        for f in funcs:
            slack = max_ms + EPS - (lead[f] + tail[f] - p.proc[f])
            kept = tuple(s for s in cand[f] if near_src[s] + near_tgt[s] <= slack)
            if len(kept) != len(cand[f]):
                cand[f] = kept
    for r in rules:
        kind, members = p.rules[r]
        if kind is RuleKind.AFFINITY:  # one site for all: only the sites they all may take
            common = set.intersection(*(set(cand[f]) for f in members))
            for f in members:
                cand[f] = tuple(s for s in cand[f] if s in common)
    return cand


def routing_orders(p: Problem) -> list[list[int]]:
    """Request order, then widest first: routing is greedy, a second order rescues some
    cases where a thin link took the only path a wide one could use."""
    first = list(range(len(p.ends)))
    wide = sorted(first, key=lambda e: (-p.vlinks[e].bandwidth_mbps, e))
    return [first] if wide == first else [first, wide]


_TIEBREAKS: dict[tuple[int, int, int], tuple[tuple[float, ...], ...]] = {}


def tiebreaks(seed: int, n_funcs: int, n_sites: int) -> tuple[tuple[float, ...], ...]:
    """Per function and site, a number drawn from random.Random(seed), row after row: the
    same table for the same seed and sizes, memoised (drawing it is a good part of a small
    search)."""
    key = (seed, n_funcs, n_sites)
    table = _TIEBREAKS.get(key)
    if table is None:
        rng = random.Random(seed)
        table = tuple(tuple(rng.random() for _ in range(n_sites)) for _ in range(n_funcs))
        if len(_TIEBREAKS) >= 64:
            _TIEBREAKS.clear()
        _TIEBREAKS[key] = table
    return table
