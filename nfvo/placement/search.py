"""Depth-first branch and bound over function → site assignments.

Functions are taken pinned first, then breadth-first along the slice graph, so that latency
bounds bite early. At each node a partial assignment is pruned when a site lacks capacity,
when a latency budget's lower bound (shortest substrate latencies, precomputed) already
exceeds it, or when its cost lower bound cannot beat the best placement found. A full
assignment is routed (bandwidth-aware) and its budgets recomputed exactly; failures
backtrack. The same search, with capacity or bandwidth switched off, serves the diagnosis
of infeasible requests (explain.py).
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from nfvo.domain import Resources, Route, RuleKind
from nfvo.placement.model import (
    EPS,
    INF,
    Problem,
    least_processing,
    route_vlinks,
    separating_functions,
    slice_latency,
)

NODE_LIMIT = 20_000
# Once this many nodes are spent, branches that cannot lower the cpu cost are cut even if
# they might shave the bandwidth term: among many sites of equal price the ties would
# otherwise multiply.
POLISH_NODES = 1_000
# Cost per Mbps·ms of routed virtual link: small next to a vCPU (cost 1 at cost_per_cpu 1),
# it only breaks ties between sites of the same price in favour of short, thin routes.
BANDWIDTH_WEIGHT = 1e-6


@dataclass
class SearchResult:
    assign: list[int] | None = None  # site index per function
    routes: list[Route] = field(default_factory=list)
    achieved: list[float] = field(default_factory=list)  # per budget of the request
    cost: float = INF
    cpu_cost: float = INF
    nodes: int = 0
    limit_hit: bool = False


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


class _Search:
    def __init__(
        self,
        p: Problem,
        *,
        capacity: bool,
        bandwidth: bool,
        first_only: bool,
        node_limit: int,
        budgets: Sequence[int] | None,
        rules: Sequence[int] | None,
        seed: int,
    ) -> None:
        self.p = p
        self.capacity = capacity
        self.bandwidth = bandwidth
        self.first_only = first_only
        self.node_limit = node_limit
        self.budget_ids = list(range(len(p.budgets))) if budgets is None else list(budgets)
        self.dist = p.idx.dist
        # Candidates: the problem's, less the sites no placement meeting the enforced budgets
        # can use (sites without room stay: the capacity test skips them cheaply).
        rule_ids = list(range(len(p.rules))) if rules is None else list(rules)
        self.cand = cand = reachable_sites(p, self.budget_ids, rule_ids)
        # Per function: (affinity?, the other functions of each enforced rule it is in).
        self.partners: list[list[tuple[bool, tuple[int, ...]]]] = [[] for _ in p.funcs]
        for r in rule_ids:
            kind, members = p.rules[r]
            for f in members:
                self.partners[f].append((kind is RuleKind.AFFINITY, tuple(g for g in members if g != f)))
        self.order = search_order(p, cand)
        self.route_orders = routing_orders(p)
        n_sites = len(p.idx.sites)
        # Seeded tie-break between candidate sites of equal cost: deterministic for a seed.
        self.tiebreak = tiebreaks(seed, len(p.funcs), n_sites)
        self.site_cost = [s.cost_per_cpu for s in p.idx.sites]
        # near[f][s]: least latency from site s to any candidate of f (a lower bound for a
        # virtual link whose other end sits at s); edge_lb: the same with both ends free.
        # Shared per substrate for unpruned candidate sets (SubstrateIndex.near).
        self.near = [p.idx.near(c) for c in cand]
        self.edge_lb = [min((self.near[b][c] for c in cand[a]), default=INF) for a, b in p.ends]
        # rest[k]: least cpu cost of the functions order[k:], each on its cheapest site.
        mins = [min((p.funcs[i].demand.cpu * self.site_cost[s] for s in cand[i]), default=INF)
                for i in self.order]
        self.rest = [sum(mins[k:]) for k in range(len(mins) + 1)]
        # For the capacity-aware bound: what order[k:] still needs, and the sites any of
        # them may use, cheapest first.
        tails = [self.order[k:] for k in range(len(mins) + 1)]
        self.rest_cpu = [sum(p.funcs[i].demand.cpu for i in tail) for tail in tails]
        self.rest_mem = [sum(p.funcs[i].demand.memory_gb for i in tail) for tail in tails]
        self.rest_sites: list[list[int]] = []
        usable: set[int] = set()
        for tail in reversed(tails):
            if tail:
                usable.update(cand[tail[0]])
            self.rest_sites.append([s for s in p.idx.by_cost if s in usable])
        self.rest_sites.reverse()
        self.assign = [-1] * len(p.funcs)
        self.free = list(p.free)
        self.result = SearchResult()

    # --- bounds -----------------------------------------------------------------------
    def _edge_bound(self, e: int) -> float:
        a, b = self.p.ends[e]
        sa, sb = self.assign[a], self.assign[b]
        if sa >= 0 and sb >= 0:
            return self.dist[sa][sb]
        if sa >= 0:
            return self.near[b][sa]
        if sb >= 0:
            return self.near[a][sb]
        return self.edge_lb[e]

    def _bounds_ok(self, cpu_bound: float, bandwidth: float) -> bool:
        """The partial assignment can still meet every enforced budget and beat the best
        placement: the virtual links not yet both placed add at least their least latency
        (edge bounds) times their bandwidth to the bandwidth term."""
        weights = [self._edge_bound(e) for e in range(len(self.p.ends))]
        assign, vlinks = self.assign, self.p.vlinks
        for e, (a, b) in enumerate(self.p.ends):
            if assign[a] < 0 or assign[b] < 0:
                bandwidth += BANDWIDTH_WEIGHT * vlinks[e].bandwidth_mbps * weights[e]
        if self._cut(cpu_bound, bandwidth):
            return False
        for b in self.budget_ids:
            src, tgt, max_ms = self.p.budgets[b]
            if slice_latency(self.p.adj, self.p.proc, weights, src, tgt, bound=max_ms) > max_ms + EPS:
                return False
        return True

    def _rest_bound(self, k: int) -> float:
        """Least cost of placing order[k:] on what is free: their cpu poured into the
        cheapest free sites any of them may use, as if divisible (a relaxation, hence a lower
        bound); INF when even that does not fit."""
        if not self.capacity:
            return self.rest[k]
        left, bound = self.rest_cpu[k], 0.0
        mem_left = self.rest_mem[k]
        for s in self.rest_sites[k]:
            if left <= EPS and mem_left <= EPS:
                break
            free = self.free[s]
            mem_left -= max(free.memory_gb, 0.0)
            if left > EPS:
                take = min(left, max(free.cpu, 0.0))
                bound += take * self.site_cost[s]
                left -= take
        return INF if left > EPS or mem_left > EPS else max(bound, self.rest[k])

    def _cut(self, cpu_bound: float, bandwidth_bound: float) -> bool:
        best = self.result
        if cpu_bound + bandwidth_bound >= best.cost - EPS:
            return True
        return cpu_bound >= best.cpu_cost - EPS and best.nodes >= POLISH_NODES

    def _rules_ok(self, i: int, s: int) -> bool:
        """Affinity: every placed partner is on s; anti-affinity: none is."""
        for together, others in self.partners[i]:
            for j in others:
                sj = self.assign[j]
                if sj >= 0 and (sj != s) == together:
                    return False
        return True

    def _reachable(self, i: int, s: int) -> bool:
        """Every virtual link of i can still reach its other end from s."""
        for j, _ in self.p.adj[i]:
            sj = self.assign[j]
            if (self.dist[s][sj] if sj >= 0 else self.near[j][s]) == INF:
                return False
        return True

    # --- search -----------------------------------------------------------------------
    def run(self) -> SearchResult:
        self._dfs(0, 0.0, 0.0)
        return self.result

    def _done(self) -> bool:
        return self.result.limit_hit or (self.first_only and self.result.assign is not None)

    def _options(self, i: int) -> list[tuple[float, float, int]]:
        """(step cost, seeded tie-break, site) for each candidate of i, cheapest first: its cpu
        cost there plus the bandwidth term of its links to functions already placed (links
        are undirected, so dist[s][t] = dist[t][s] and rows of placed sites serve)."""
        cost, ties, cpu = self.site_cost, self.tiebreak[i], self.p.funcs[i].demand.cpu
        placed = [(BANDWIDTH_WEIGHT * self.p.vlinks[e].bandwidth_mbps, self.dist[self.assign[j]])
                  for j, e in self.p.adj[i] if self.assign[j] >= 0]
        if not placed:
            return sorted((cpu * cost[s], ties[s], s) for s in self.cand[i])
        if len(placed) == 1:
            (w, row), = placed
            return sorted((cpu * cost[s] + w * row[s], ties[s], s) for s in self.cand[i])
        options = []
        for s in self.cand[i]:
            bw = 0.0
            for w, row in placed:
                bw += w * row[s]
            options.append((cpu * cost[s] + bw, ties[s], s))
        options.sort()
        return options

    def _dfs(self, k: int, cpu: float, bandwidth: float) -> None:
        if k == len(self.order):
            self._leaf()
            return
        i = self.order[k]
        demand = self.p.funcs[i].demand
        base = cpu + self.rest[k + 1] + bandwidth
        for step, _, s in self._options(i):
            if self._done():
                return
            if base + step >= self.result.cost - EPS:
                return  # options are sorted by step: none of the rest can beat the best either
            step_cpu = demand.cpu * self.site_cost[s]
            step_bw = step - step_cpu
            if self.capacity and not demand.fits_in(self.free[s]):
                continue
            if self.partners[i] and not self._rules_ok(i, s):
                continue
            if self._cut(cpu + step_cpu + self.rest[k + 1], bandwidth + step_bw) or not self._reachable(i, s):
                continue
            self.result.nodes += 1
            if self.result.nodes >= self.node_limit:
                self.result.limit_hit = True
            self.assign[i] = s
            self.free[s] = self.free[s] - demand
            cpu_bound = cpu + step_cpu + self._rest_bound(k + 1)
            if self._bounds_ok(cpu_bound, bandwidth + step_bw):
                self._dfs(k + 1, cpu + step_cpu, bandwidth + step_bw)
            self.free[s] = self.free[s] + demand
            self.assign[i] = -1

    def _leaf(self) -> None:
        p = self.p
        for order in self.route_orders:
            routed, failed = route_vlinks(p, self.assign, order, bandwidth_aware=self.bandwidth)
            if failed is not None:
                continue
            routes = [r for r in routed if r is not None]
            weights = [r.latency_ms for r in routes]
            achieved = [slice_latency(p.adj, p.proc, weights, src, tgt) for src, tgt, _ in p.budgets]
            if any(achieved[b] > p.budgets[b][2] + EPS for b in self.budget_ids):
                continue
            cost = placement_cost(p, self.assign, routes)
            if cost < self.result.cost - EPS:
                self.result.assign = list(self.assign)
                self.result.routes = routes
                self.result.achieved = achieved
                self.result.cost = cost
                self.result.cpu_cost = cpu_cost(p, self.assign)
            return


def cpu_cost(p: Problem, assign: Sequence[int]) -> float:
    return sum(nf.demand.cpu * p.idx.sites[assign[i]].cost_per_cpu for i, nf in enumerate(p.funcs))


def placement_cost(p: Problem, assign: Sequence[int], routes: Sequence[Route]) -> float:
    """Sum of cpu * cost_per_cpu, plus the small bandwidth * latency term."""
    return cpu_cost(p, assign) + BANDWIDTH_WEIGHT * sum(r.bandwidth_mbps * r.latency_ms for r in routes)


def search(
    p: Problem,
    *,
    capacity: bool = True,
    bandwidth: bool = True,
    first_only: bool = False,
    node_limit: int = NODE_LIMIT,
    budgets: Sequence[int] | None = None,
    rules: Sequence[int] | None = None,
    seed: int = 0,
) -> SearchResult:
    """Best (or, with first_only, any) assignment meeting the chosen constraints.

    capacity=False ignores site capacity; bandwidth=False routes on shortest paths whatever
    the free bandwidth; `budgets` and `rules` limit the latency budgets and the affinity /
    anti-affinity rules enforced (all by default)."""
    return _Search(
        p,
        capacity=capacity,
        bandwidth=bandwidth,
        first_only=first_only,
        node_limit=node_limit,
        budgets=budgets,
        rules=rules,
        seed=seed,
    ).run()


def site_load(p: Problem, assign: Sequence[int]) -> dict[int, Resources]:
    load: dict[int, Resources] = {}
    for i, nf in enumerate(p.funcs):
        load[assign[i]] = load.get(assign[i], Resources()) + nf.demand
    return load
