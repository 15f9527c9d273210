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

from nfvo.domain import Resources, Route
from nfvo.placement.model import EPS, INF, Problem, route_vlinks, slice_latency

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


def search_order(p: Problem) -> list[int]:
    """Single-candidate (pinned) functions first, then breadth-first along the slice graph;
    a component without a pin starts from its most constrained function."""
    n = len(p.funcs)
    order: list[int] = []
    seen = [False] * n
    starts = [i for i in range(n) if len(p.cand[i]) == 1]
    starts += sorted((i for i in range(n) if len(p.cand[i]) != 1), key=lambda i: (len(p.cand[i]), i))
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


def routing_orders(p: Problem) -> list[list[int]]:
    """Request order, then widest first: routing is greedy, a second order rescues some
    cases where a thin link took the only path a wide one could use."""
    first = list(range(len(p.ends)))
    wide = sorted(first, key=lambda e: (-p.vlinks[e].bandwidth_mbps, e))
    return [first] if wide == first else [first, wide]


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
        seed: int,
    ) -> None:
        self.p = p
        self.capacity = capacity
        self.bandwidth = bandwidth
        self.first_only = first_only
        self.node_limit = node_limit
        self.budget_ids = list(range(len(p.budgets))) if budgets is None else list(budgets)
        self.dist = p.idx.dist
        self.order = search_order(p)
        self.route_orders = routing_orders(p)
        n_sites = len(p.idx.sites)
        rng = random.Random(seed)
        # Seeded tie-break between candidate sites of equal cost: deterministic for a seed.
        self.tiebreak = [[rng.random() for _ in range(n_sites)] for _ in p.funcs]
        self.site_cost = [s.cost_per_cpu for s in p.idx.sites]
        # near[f][s]: least latency from site s to any candidate of f (a lower bound for a
        # virtual link whose other end sits at s); edge_lb: the same with both ends free.
        self.near = [[min((self.dist[s][c] for c in cands), default=INF) for s in range(n_sites)]
                     for cands in p.cand]
        self.edge_lb = [min((self.near[b][c] for c in p.cand[a]), default=INF) for a, b in p.ends]
        # rest[k]: least cpu cost of the functions order[k:], each on its cheapest site.
        mins = [min((p.funcs[i].demand.cpu * self.site_cost[s] for s in p.cand[i]), default=INF)
                for i in self.order]
        self.rest = [sum(mins[k:]) for k in range(len(mins) + 1)]
        # For the capacity-aware bound: what order[k:] still needs, and the sites any of
        # them may use, cheapest first.
        tails = [self.order[k:] for k in range(len(mins) + 1)]
        self.rest_cpu = [sum(p.funcs[i].demand.cpu for i in tail) for tail in tails]
        self.rest_mem = [sum(p.funcs[i].demand.memory_gb for i in tail) for tail in tails]
        by_cost = sorted(range(n_sites), key=lambda s: (self.site_cost[s], s))
        self.rest_sites = [[s for s in by_cost if any(s in p.cand[i] for i in self.order[k:])]
                           for k in range(len(mins) + 1)]
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

    def _latency_ok(self) -> bool:
        weights = [self._edge_bound(e) for e in range(len(self.p.ends))]
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
        sites = self.rest_sites[k]
        if self.rest_mem[k] > sum(max(self.free[s].memory_gb, 0.0) for s in sites) + EPS:
            return INF
        left, bound = self.rest_cpu[k], 0.0
        for s in sites:
            if left <= EPS:
                break
            take = min(left, max(self.free[s].cpu, 0.0))
            bound += take * self.site_cost[s]
            left -= take
        return INF if left > EPS else max(bound, self.rest[k])

    def _step_bandwidth(self, i: int, s: int) -> float:
        """Lower bound of the bandwidth term of i's virtual links to functions already placed."""
        cost = 0.0
        for j, e in self.p.adj[i]:
            if self.assign[j] >= 0:
                cost += BANDWIDTH_WEIGHT * self.p.vlinks[e].bandwidth_mbps * self.dist[s][self.assign[j]]
        return cost

    def _cut(self, cpu_bound: float, bandwidth_bound: float) -> bool:
        best = self.result
        if cpu_bound + bandwidth_bound >= best.cost - EPS:
            return True
        return cpu_bound >= best.cpu_cost - EPS and best.nodes >= POLISH_NODES

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

    def _dfs(self, k: int, cpu: float, bandwidth: float) -> None:
        if k == len(self.order):
            self._leaf()
            return
        i = self.order[k]
        demand = self.p.funcs[i].demand
        options = sorted(
            (demand.cpu * self.site_cost[s] + self._step_bandwidth(i, s), self.tiebreak[i][s], s)
            for s in self.p.cand[i]
        )
        for step, _, s in options:
            step_cpu = demand.cpu * self.site_cost[s]
            step_bw = step - step_cpu
            if self._done():
                return
            if self.capacity and not demand.fits_in(self.free[s]):
                continue
            if self._cut(cpu + step_cpu + self.rest[k + 1], bandwidth + step_bw) or not self._reachable(i, s):
                continue
            self.result.nodes += 1
            if self.result.nodes >= self.node_limit:
                self.result.limit_hit = True
            self.assign[i] = s
            self.free[s] = self.free[s] - demand
            cpu_bound = cpu + step_cpu + self._rest_bound(k + 1)
            if not self._cut(cpu_bound, bandwidth + step_bw) and self._latency_ok():
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
    seed: int = 0,
) -> SearchResult:
    """Best (or, with first_only, any) assignment meeting the chosen constraints.

    capacity=False ignores site capacity; bandwidth=False routes on shortest paths whatever
    the free bandwidth; `budgets` limits the latency budgets enforced (all by default)."""
    return _Search(
        p,
        capacity=capacity,
        bandwidth=bandwidth,
        first_only=first_only,
        node_limit=node_limit,
        budgets=budgets,
        seed=seed,
    ).run()


def site_load(p: Problem, assign: Sequence[int]) -> dict[int, Resources]:
    load: dict[int, Resources] = {}
    for i, nf in enumerate(p.funcs):
        load[assign[i]] = load.get(assign[i], Resources()) + nf.demand
    return load
