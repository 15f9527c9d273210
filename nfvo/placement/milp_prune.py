"""Shrinking the MILP before it is built, without losing any solution that matters.

Take a latency budget src → tgt. Whatever slice-graph path meets it passes through every
function and virtual link that separates src from tgt in the slice graph (src and tgt
included). Let fwd_f(s) be a lower bound of the latency from src to function f placed at
site s (a relaxation: a walk in the slice graph, consecutive functions joined by their
shortest substrate latency, every function's processing counted), and bwd_f(s) the same
from f to tgt. Then:

- a separating function f can only take site s if fwd_f(s) + bwd_f(s) - proc_f ≤ max;
- a separating virtual link a → b (in the direction the paths cross it) can only route over
  the arc u → v if fwd to u (from a's site) + the arc + bwd from v (to b's site) ≤ max.

Every placement with simple routes that meets the budget survives both cuts, and the MILP's
optimum can always be taken with simple routes (milp.py extracts them), so the pruned
program has the optimum and the feasibility of the full one. Dropping candidates tightens
the bounds of other budgets, so the cuts repeat until nothing changes.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
import numpy.typing as npt

from nfvo.placement.numbers import EPS
from nfvo.placement.problem import Problem
from nfvo.placement.slice_graph import connected, separating_functions

Vector = npt.NDArray[np.float64]
_ROUNDS = 4  # each round only drops sites; one or two settle it in practice


@dataclass
class Pruned:
    sites: list[set[int]]  # per function: the candidate sites left
    arcs: dict[int, set[int]]  # per separating virtual link of some budget: the arcs left


def _reach(p: Problem, graph: nx.MultiGraph, start: int, sites: list[set[int]], dist: Vector) -> list[Vector]:
    """Per function, the least walk latency from `start` to it at each site (Bellman-Ford
    over the slice graph, vectorised over the candidate sites)."""
    n = len(p.idx.sites)
    cols = [np.array(sorted(c), dtype=np.intp) for c in sites]
    best = [np.full(n, np.inf) for _ in p.funcs]
    best[start][cols[start]] = p.proc[start]
    for _ in range(len(p.funcs)):
        changed = False
        for a, b in graph.edges():
            for u, v in ((a, b), (b, a)):
                rows = np.flatnonzero(np.isfinite(best[u]))
                if rows.size == 0 or cols[v].size == 0:
                    continue
                block = best[u][rows][:, None] + dist[np.ix_(rows, cols[v])]
                step = block.min(axis=0) + p.proc[v]
                if (step < best[v][cols[v]] - EPS).any():
                    best[v][cols[v]] = np.minimum(best[v][cols[v]], step)
                    changed = True
        if not changed:
            break
    return best


def _separators(p: Problem, src: int, tgt: int) -> tuple[list[int], list[tuple[int, int, int]]]:
    """Functions and (from, to, virtual link) edges on every slice path src → tgt."""
    funcs = separating_functions(p, src, tgt)
    edges = []
    for e, (a, b) in enumerate(p.ends):
        if a != b and not connected(p, src, tgt, without_e=e):
            edges.append((a, b, e) if connected(p, src, a, without_e=e) else (b, a, e))
    return funcs, edges


Cut = tuple[int, int, float, list[int], list[tuple[int, int, int]]]


def prune(p: Problem, graph: nx.MultiGraph, arcs: list[tuple[int, int, str, float]]) -> Pruned:
    n = len(p.idx.sites)
    dist = np.array(p.idx.dist, dtype=float).reshape(n, n)
    sites = [set(c) for c in p.cand]
    cuts: list[Cut] = [
        (src, tgt, max_ms, *_separators(p, src, tgt))
        for src, tgt, max_ms in p.budgets
        if src != tgt and connected(p, src, tgt)
    ]
    reach: dict[int, tuple[list[Vector], list[Vector]]] = {}
    for _ in range(_ROUNDS):
        changed = False
        for c, (src, tgt, max_ms, funcs, _) in enumerate(cuts):
            fwd, bwd = _reach(p, graph, src, sites, dist), _reach(p, graph, tgt, sites, dist)
            reach[c] = fwd, bwd
            for f in funcs:
                through = fwd[f] + bwd[f] - p.proc[f]
                keep = {s for s in sites[f] if through[s] <= max_ms + EPS}
                if keep != sites[f]:
                    sites[f] = keep
                    changed = True
        if not changed:
            break
    else:
        reach = {}  # the last round still dropped sites: the bounds are stale (yet valid)
    kept: dict[int, set[int]] = {}
    for c, (src, tgt, max_ms, _, edges) in enumerate(cuts):
        if not edges:
            continue
        # Bounds from before the last drops are weaker but still valid lower bounds.
        fwd, bwd = reach.get(c) or (_reach(p, graph, src, sites, dist), _reach(p, graph, tgt, sites, dist))
        for a, b, e in edges:
            to_u = (fwd[a][:, None] + dist).min(axis=0)
            from_v = (dist + bwd[b][None, :]).min(axis=1)
            along = p.ends[e][0] == a  # the flow runs from the vlink's a end to its b end
            ok = set()
            for k, (u, v, _, ms) in enumerate(arcs):
                first, second = (u, v) if along else (v, u)
                if to_u[first] + ms + from_v[second] <= max_ms + EPS:
                    ok.add(k)
            kept[e] = kept[e] & ok if e in kept else ok
    return Pruned(sites, kept)
