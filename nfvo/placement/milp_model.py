"""The placement MILP: variables and constraints, built once per request (see milp.py for
the solve and the meaning of each objective).

Sets: F functions, S sites, E virtual links, A directed substrate arcs (two per link).

- y[f,s] ∈ {0,1} for s in f's candidate sites (roles and pin); Σ_s y[f,s] = 1.
- Site capacity: Σ_f cpu_f y[f,s] ≤ free_cpu(s), and the same for memory.
- Rules: affinity y[f,s] = y[g,s] for the members of a rule; anti-affinity Σ_members
  y[f,s] ≤ 1 at every site. Isolation has already removed sites from the candidates. A function whose
  demand does not fit a site's free capacity on its own gets no y there (as the heuristic).
- Routing, one binary multi-commodity flow per virtual link e = (a, b): x[e,u→v] ∈ {0,1},
  and at every site v: Σ_out x - Σ_in x = y[a,v] - y[b,v]. Ends on one site need no flow
  (0 ms, as the latency semantics say). Arcs whose link has less than bw_e Mbps free get no
  variable. Every path the heuristic can route is a solution, and from any solution the
  simple path inside the chosen arcs is at most as long and as heavy: the flow is exact.
- Link bandwidth: Σ_e bw_e (x[e,u→v] + x[e,v→u]) ≤ free(link).
- Routed latency L_e = Σ_arcs lat · x[e,arc] (an expression, not a variable).
- Latency budget b (source → target, max): lat_b ≥ the latency of one slice-graph path from
  source to target (links' L_e plus every function's processing latency on it), lat_b ≤ max.
  When one simple slice-graph path joins them (chains, trees) it is written directly.
  Otherwise the solver also picks the path: a unit flow z over the directed slice graph from
  source to target, with w[b,e] ≥ L_e - M (1 - z[b,e→] - z[b,e←]) and
  lat_b ≥ proc_source + Σ z[b,u→v] proc_v + Σ_e w[b,e]. Any slice path meeting the budget is
  a solution and every solution holds a simple path at least as fast (weights are
  non-negative), so this is exactly "the minimum over slice-graph paths ≤ max".
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import networkx as nx
import numpy as np

from nfvo.domain import RuleKind
from nfvo.placement.highs import highspy
from nfvo.placement.milp_prune import Pruned, prune
from nfvo.placement.numbers import EPS
from nfvo.placement.problem import Problem

Terms = list[tuple[int, float]]
Arc = tuple[int, int, str, float]  # (from site, to site, link key, latency ms)
# How much of a slice-graph path search we do before switching to the path-choosing flow.
_PATHS_PROBED = 2


@dataclass
class LinearProgram:
    """A MILP in the making: columns with cost, bounds, integrality; rows as sparse terms."""

    cost: list[float] = field(default_factory=list)
    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)
    integer: list[bool] = field(default_factory=list)
    row_lower: list[float] = field(default_factory=list)
    row_upper: list[float] = field(default_factory=list)
    starts: list[int] = field(default_factory=lambda: [0])
    index: list[int] = field(default_factory=list)
    value: list[float] = field(default_factory=list)

    def var(self, *, lb: float = 0.0, ub: float = 1.0, binary: bool = True) -> int:
        self.cost.append(0.0)
        self.lower.append(lb)
        self.upper.append(ub)
        self.integer.append(binary)
        return len(self.cost) - 1

    def row(
        self, terms: Iterable[tuple[int, float]], lower: float = -math.inf, upper: float = math.inf
    ) -> None:
        merged: dict[int, float] = {}
        for col, coef in terms:
            merged[col] = merged.get(col, 0.0) + coef
        self.index += merged.keys()
        self.value += merged.values()
        self.starts.append(len(self.index))
        self.row_lower.append(lower)
        self.row_upper.append(upper)

    def add_cost(self, terms: Iterable[tuple[int, float]], weight: float = 1.0) -> None:
        for col, coef in terms:
            self.cost[col] += weight * coef

    @property
    def size(self) -> tuple[int, int]:
        return len(self.cost), len(self.row_lower)

    def to_highs(self) -> highspy.HighsLp:
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = self.size
        lp.col_cost_ = np.array(self.cost, dtype=float)
        lp.col_lower_ = np.array(self.lower, dtype=float)
        lp.col_upper_ = np.array(self.upper, dtype=float)
        lp.row_lower_ = np.array(self.row_lower, dtype=float)
        lp.row_upper_ = np.array(self.row_upper, dtype=float)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.start_ = np.array(self.starts, dtype=np.int32)
        lp.a_matrix_.index_ = np.array(self.index, dtype=np.int32)
        lp.a_matrix_.value_ = np.array(self.value, dtype=float)
        kinds = highspy.HighsVarType
        lp.integrality_ = [kinds.kInteger if b else kinds.kContinuous for b in self.integer]
        return lp


@dataclass
class Formulation:
    """The program and where each decision lives in it."""

    lp: LinearProgram
    arcs: list[Arc]
    y: dict[tuple[int, int], int]  # (function, site) → column
    x: dict[tuple[int, int], int]  # (virtual link, arc index) → column
    route_ms: list[Terms]  # per virtual link: L_e as terms
    budget_ms: list[int]  # per budget: column of its achieved latency
    cpu_cost: Terms  # Σ cpu_f cost_s y[f,s]
    bandwidth_ms: Terms  # Σ bw_e L_e


def _arcs(p: Problem) -> list[Arc]:
    pos = p.idx.pos
    arcs: list[Arc] = []
    for key, link in p.idx.links.items():
        a, b = pos[link.a], pos[link.b]
        arcs += [(a, b, key, link.latency_ms), (b, a, key, link.latency_ms)]
    return arcs


def _assignment(p: Problem, lp: LinearProgram, keep: Pruned) -> tuple[dict[tuple[int, int], int], Terms]:
    y: dict[tuple[int, int], int] = {}
    cpu_cost: Terms = []
    for f, nf in enumerate(p.funcs):
        for s in p.cand[f]:
            if nf.demand.fits_in(p.free[s]) and s in keep.sites[f]:
                y[f, s] = lp.var()
                cpu_cost.append((y[f, s], nf.demand.cpu * p.idx.sites[s].cost_per_cpu))
        lp.row(((y[f, s], 1.0) for s in p.cand[f] if (f, s) in y), 1.0, 1.0)
    for s, free in enumerate(p.free):
        on_site = [(f, y[f, s]) for f in range(len(p.funcs)) if (f, s) in y]
        if not on_site:
            continue  # an over-full site nobody may use must not make the program infeasible
        cpu = [(col, p.funcs[f].demand.cpu) for f, col in on_site]
        mem = [(col, p.funcs[f].demand.memory_gb) for f, col in on_site]
        # Rows that cannot bind are left out: they only slow the solver down.
        if sum(c for _, c in cpu) > free.cpu + EPS:
            lp.row(cpu, upper=free.cpu + EPS)
        if sum(c for _, c in mem) > free.memory_gb + EPS:
            lp.row(mem, upper=free.memory_gb + EPS)
    _rules(p, lp, y)
    return y, cpu_cost


def _rules(p: Problem, lp: LinearProgram, y: dict[tuple[int, int], int]) -> None:
    """Affinity: y[f,s] = y[g,s] for consecutive members f, g at every site either may take
    (a missing y is 0, so a site only one may take is closed to that one); anti-affinity:
    at most one member per site."""
    for kind, members in p.rules:
        if kind is RuleKind.AFFINITY:
            for f, g in itertools.pairwise(members):
                for s in sorted({s for (h, s) in y if h in (f, g)}):
                    terms = [(y[f, s], 1.0)] if (f, s) in y else []
                    terms += [(y[g, s], -1.0)] if (g, s) in y else []
                    lp.row(terms, 0.0, 0.0)
        else:
            for s in range(len(p.idx.sites)):
                on_site = [(y[f, s], 1.0) for f in members if (f, s) in y]
                if len(on_site) > 1:
                    lp.row(on_site, upper=1.0)


def _routing(
    p: Problem, lp: LinearProgram, arcs: list[Arc], y: dict[tuple[int, int], int], keep: Pruned
) -> tuple[dict[tuple[int, int], int], list[Terms]]:
    x: dict[tuple[int, int], int] = {}
    route_ms: list[Terms] = []
    n_sites = len(p.idx.sites)
    per_link: dict[str, Terms] = {}
    for e, (fa, fb) in enumerate(p.ends):
        bw = p.vlinks[e].bandwidth_mbps
        terms: Terms = []
        if fa != fb:
            out: list[Terms] = [[] for _ in range(n_sites)]
            usable = keep.arcs.get(e)
            for k, (u, v, key, ms) in enumerate(arcs):
                if bw > 0 and p.link_free[key] < bw - EPS:
                    continue  # the heuristic hides such links too
                if usable is not None and k not in usable:
                    continue  # too far for a latency budget (milp_prune.py)
                x[e, k] = lp.var()
                terms.append((x[e, k], ms))
                out[u].append((x[e, k], 1.0))
                out[v].append((x[e, k], -1.0))
                per_link.setdefault(key, []).append((x[e, k], bw))
            for s in range(n_sites):
                ends = [(y[fa, s], -1.0)] if (fa, s) in y else []
                ends += [(y[fb, s], 1.0)] if (fb, s) in y else []
                if out[s] or ends:
                    lp.row(out[s] + ends, 0.0, 0.0)
        route_ms.append(terms)
    for key, terms in per_link.items():
        if sum(bw for _, bw in terms) / 2 > p.link_free[key] + EPS:  # each vlink counts 2 arcs
            lp.row(terms, upper=max(p.link_free[key], 0.0) + EPS)
    return x, route_ms


def _slice_graph(p: Problem) -> nx.MultiGraph:
    g = nx.MultiGraph()
    g.add_nodes_from(range(len(p.funcs)))
    for e, (a, b) in enumerate(p.ends):
        if a != b:
            g.add_edge(a, b, key=e)
    return g


def _budgets(
    p: Problem, lp: LinearProgram, route_ms: list[Terms], big_m: float, graph: nx.MultiGraph
) -> list[int]:
    cols: list[int] = []
    for src, tgt, max_ms in p.budgets:
        lat = lp.var(ub=max(max_ms, 0.0) + EPS, binary=False)
        cols.append(lat)
        if src == tgt:
            lp.row([(lat, 1.0)], lower=p.proc[src])
            continue
        paths = []
        for path in nx.all_simple_edge_paths(graph, src, tgt):
            paths.append(path)
            if len(paths) >= _PATHS_PROBED:
                break
        if not paths:
            lp.row([(lat, 0.0)], lower=1.0)  # no slice path: always infeasible, explain.py says why
        elif len(paths) == 1:
            const = p.proc[src] + sum(p.proc[v] for _, v, _ in paths[0])
            terms = [(lat, 1.0)] + [(col, -ms) for _, _, e in paths[0] for col, ms in route_ms[e]]
            lp.row(terms, lower=const)
        else:
            _path_choice(p, lp, route_ms, big_m, lat, src, tgt)
    return cols


def _path_choice(
    p: Problem, lp: LinearProgram, route_ms: list[Terms], big_m: float, lat: int, src: int, tgt: int
) -> None:
    """lat ≥ the latency of a slice-graph path the solver picks (module docstring)."""
    flow: list[Terms] = [[] for _ in p.funcs]
    total: Terms = [(lat, 1.0)]
    for e, (a, b) in enumerate(p.ends):
        if a == b:
            continue
        fwd, bwd = lp.var(), lp.var()
        flow[a] += [(fwd, 1.0), (bwd, -1.0)]
        flow[b] += [(bwd, 1.0), (fwd, -1.0)]
        lp.row([(fwd, 1.0), (bwd, 1.0)], upper=1.0)
        w = lp.var(ub=math.inf, binary=False)
        # w ≥ L_e - M (1 - fwd - bwd)  ⇔  w - L_e - M fwd - M bwd ≥ -M
        lp.row(
            [(w, 1.0), *((col, -ms) for col, ms in route_ms[e]), (fwd, -big_m), (bwd, -big_m)], lower=-big_m
        )
        total += [(w, -1.0), (fwd, -p.proc[b]), (bwd, -p.proc[a])]
    for f in range(len(p.funcs)):
        rhs = (1.0 if f == src else 0.0) - (1.0 if f == tgt else 0.0)
        lp.row(flow[f], rhs, rhs)
    lp.row(total, lower=p.proc[src])


def formulate(p: Problem, *, pruned: bool = True) -> Formulation:
    """The program of the module docstring; `pruned=False` skips milp_prune (the full
    program, which the tests compare with the pruned one)."""
    lp = LinearProgram()
    arcs = _arcs(p)
    graph = _slice_graph(p)
    keep = prune(p, graph, arcs) if pruned else Pruned([set(c) for c in p.cand], {})
    y, cpu_cost = _assignment(p, lp, keep)
    x, route_ms = _routing(p, lp, arcs, y, keep)
    # No route uses an arc twice, so no L_e exceeds the sum over all arcs.
    big_m = sum(ms for *_, ms in arcs) + 1.0
    budget_ms = _budgets(p, lp, route_ms, big_m, graph)
    bandwidth_ms = [
        (col, p.vlinks[e].bandwidth_mbps * ms) for e, terms in enumerate(route_ms) for col, ms in terms
    ]
    return Formulation(lp, arcs, y, x, route_ms, budget_ms, cpu_cost, bandwidth_ms)
