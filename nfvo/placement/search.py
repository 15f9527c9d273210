"""Depth-first branch and bound over function → site assignments.

Functions are taken pinned first, then breadth-first along the slice graph, so that latency
bounds bite early. At each node a partial assignment is pruned when a site lacks capacity,
when a latency budget's lower bound (shortest substrate latencies, precomputed) already
exceeds it, or when its cost lower bound cannot beat the best placement found. A full
assignment is routed (bandwidth-aware) and its budgets recomputed exactly; failures
backtrack. The same search, with capacity or bandwidth switched off, serves the diagnosis
of infeasible requests (explain.py).

The bounds are kept incrementally: a lower bound on each virtual link's latency, updated
for the links of the function just placed only, with the bandwidth term they imply; a
budget is checked again only when one of those links lies on a path between its ends
(budget_bounds.py). Candidate sites are sorted once per function and per sites of its
placed neighbours.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from nfvo.domain import Route, RuleKind
from nfvo.placement.budget_bounds import BudgetBounds
from nfvo.placement.costs import BANDWIDTH_WEIGHT, RestCost, cpu_cost, placement_cost
from nfvo.placement.numbers import EPS, INF
from nfvo.placement.problem import Problem
from nfvo.placement.routing import route_vlinks, wide_components
from nfvo.placement.search_options import Options
from nfvo.placement.search_prep import reachable_sites, routing_orders, search_order
from nfvo.placement.slice_graph import slice_latency

NODE_LIMIT = 20_000
# Once this many nodes are spent, branches that cannot lower the cpu cost are cut even if
# they might shave the bandwidth term: among many sites of equal price the ties would
# otherwise multiply.
POLISH_NODES = 1_000


@dataclass
class SearchResult:
    assign: list[int] | None = None  # site index per function
    routes: list[Route] = field(default_factory=list)
    achieved: list[float] = field(default_factory=list)  # per budget of the request
    cost: float = INF
    cpu_cost: float = INF
    nodes: int = 0
    limit_hit: bool = False


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
        budget_ids = list(range(len(p.budgets))) if budgets is None else list(budgets)
        self.budget_ids = budget_ids
        self.dist = p.idx.dist
        # Candidates: the problem's, less the sites no placement meeting the enforced budgets
        # can use (sites without room stay: the capacity test skips them cheaply).
        rule_ids = list(range(len(p.rules))) if rules is None else list(rules)
        self.cand = cand = reachable_sites(p, budget_ids, rule_ids)
        # Per function: (affinity?, the other functions of each enforced rule it is in).
        self.partners: list[list[tuple[bool, tuple[int, ...]]]] = [[] for _ in p.funcs]
        for r in rule_ids:
            kind, members = p.rules[r]
            for f in members:
                self.partners[f].append((kind is RuleKind.AFFINITY, tuple(g for g in members if g != f)))
        self.order = search_order(p, cand)
        self.route_orders = routing_orders(p)
        self.site_cost = p.idx.site_cost
        # near[f][s]: least latency from site s to any candidate of f (a lower bound for a
        # virtual link whose other end sits at s); edge_lb: the same with both ends free.
        # Shared per substrate for unpruned candidate sets (SubstrateIndex.near).
        self.near = [p.idx.near(c) for c in cand]
        self.edge_lb = [min(map(self.near[b].__getitem__, cand[a]), default=INF) for a, b in p.ends]
        self.rest_cost = RestCost(p, self.order, cand)
        self.rest = self.rest_cost.rest
        self.assign = [-1] * len(p.funcs)
        self.free = list(p.free)
        self.result = SearchResult()
        # The incremental state of the bounds (kept by _place): per virtual link a lower
        # bound on its latency, edge_lb while neither end is placed; and the bandwidth term
        # of the links not yet placed at both ends.
        self.weights = list(self.edge_lb)
        self.mbps = [vl.bandwidth_mbps for vl in p.vlinks]
        self.link_weight = [BANDWIDTH_WEIGHT * mbps for mbps in self.mbps]  # per link, per ms
        self.pending = 0.0
        for e in range(len(p.ends)):
            self.pending += BANDWIDTH_WEIGHT * self.mbps[e] * self.weights[e]
        self.budget_bounds = BudgetBounds(p, budget_ids)
        self.options = Options(p, self.order, cand, self.near, seed)
        rank = {f: k for k, f in enumerate(self.order)}
        # For _reachable: per function its links to those neighbours; per link, when routing is
        # bandwidth-aware and some substrate link is too thin for it, the components of the
        # substrate over the links wide enough (else None).
        self.links_before = [
            tuple((j, e) for j, e in p.adj[i] if rank[j] < rank[i]) for i in range(len(p.funcs))
        ]
        self.wide_parts = [
            wide_components(p, mbps) if bandwidth and mbps > 0 and p.least_link_free < mbps - EPS else None
            for mbps in self.mbps
        ]

    # --- bounds -----------------------------------------------------------------------
    def _place(self, i: int, s: int) -> list[tuple[int, float]]:
        """Put i on s and update the bounds of its links: the exact shortest latency (a to b)
        once both ends are placed, else the least latency from s to the other end's
        candidates; a link placed at both ends leaves the pending bandwidth term. Returns
        what _unplace needs to undo it."""
        assign, weights, ends, pending = self.assign, self.weights, self.p.ends, self.pending
        assign[i] = s
        saved = []
        for j, e in self.p.adj[i]:
            old = weights[e]
            saved.append((e, old))
            if assign[j] >= 0:
                a, b = ends[e]
                weights[e] = self.dist[assign[a]][assign[b]]
                pending += self.link_weight[e] * (0.0 - old)
            else:
                weights[e] = new = self.near[j][s]
                pending += self.link_weight[e] * (new - old)
        self.pending = pending
        return saved

    def _unplace(self, i: int, saved: list[tuple[int, float]], pending: float) -> None:
        for e, old in saved:
            self.weights[e] = old
        self.pending = pending
        self.assign[i] = -1

    def _bounds_ok(self, k: int, i: int, cpu_bound: float, bandwidth: float) -> bool:
        """The partial assignment can still meet every enforced budget and beat the best
        placement: the virtual links not yet both placed add at least their least latency
        (edge bounds) times their bandwidth to the bandwidth term. At the first level every
        budget is checked; below it, only those the function just placed may change."""
        if self._cut(cpu_bound, bandwidth + self.pending):
            return False
        bounds = self.budget_bounds
        return bounds.all_met(bounds.ids if k == 0 else bounds.touching[i], self.weights)

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
        """Every virtual link of i to a placed function can reach it from s (those to
        functions placed later were checked once, in Options.open_sites), over links with its
        bandwidth free when some substrate link lacks it."""
        for j, e in self.links_before[i]:
            sj = self.assign[j]
            if self.dist[s][sj] == INF:
                return False
            parts = self.wide_parts[e]
            if parts is not None and parts[s] != parts[sj]:
                return False
        return True

    # --- search -----------------------------------------------------------------------
    def run(self) -> SearchResult:
        if self.order:
            self._dfs(0, 0.0, 0.0)
        else:
            self._leaf()
        return self.result

    def _dfs(self, k: int, cpu: float, bandwidth: float) -> None:
        i = self.order[k]
        last = k + 1 == len(self.order)
        demand = self.p.funcs[i].demand
        rest = self.rest[k + 1]
        base = cpu + rest + bandwidth
        result, free, site_cost = self.result, self.free, self.site_cost
        first_only, capacity, partners = self.first_only, self.capacity, self.partners[i]
        for step, _, s in self.options.of(i, self.assign):
            if result.limit_hit or (first_only and result.assign is not None):
                return
            if base + step >= result.cost - EPS:
                return  # options are sorted by step: none of the rest can beat the best either
            step_cpu = demand.cpu * site_cost[s]
            step_bw = step - step_cpu
            if capacity and not demand.fits_in(free[s]):
                continue
            if partners and not self._rules_ok(i, s):
                continue
            if self._cut(cpu + step_cpu + rest, bandwidth + step_bw) or not self._reachable(i, s):
                continue
            result.nodes += 1
            if result.nodes >= self.node_limit:
                result.limit_hit = True
            pending = self.pending
            saved = self._place(i, s)
            held = free[s]
            free[s] = held - demand
            cpu_bound = cpu + step_cpu + (self.rest_cost.bound(k + 1, free) if capacity else rest)
            if self._bounds_ok(k, i, cpu_bound, bandwidth + step_bw):
                if last:
                    self._leaf()
                else:
                    self._dfs(k + 1, cpu + step_cpu, bandwidth + step_bw)
            free[s] = held  # the very object it was: no drift from adding back
            self._unplace(i, saved, pending)

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
