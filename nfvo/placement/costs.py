"""What a placement costs (cpu at each site's price, plus a small bandwidth x latency term),
and lower bounds on what the functions not yet placed will add."""

from __future__ import annotations

from collections.abc import Sequence

from nfvo.domain import Resources, Route
from nfvo.placement.numbers import EPS, INF
from nfvo.placement.problem import Problem

# Cost per Mbps·ms of routed virtual link: small next to a vCPU (cost 1 at cost_per_cpu 1),
# it only breaks ties between sites of the same price in favour of short, thin routes.
BANDWIDTH_WEIGHT = 1e-6


def cpu_cost(p: Problem, assign: Sequence[int]) -> float:
    return sum(nf.demand.cpu * p.idx.sites[assign[i]].cost_per_cpu for i, nf in enumerate(p.funcs))


def placement_cost(p: Problem, assign: Sequence[int], routes: Sequence[Route]) -> float:
    """Sum of cpu * cost_per_cpu, plus the small bandwidth * latency term."""
    return cpu_cost(p, assign) + BANDWIDTH_WEIGHT * sum(r.bandwidth_mbps * r.latency_ms for r in routes)


def site_load(p: Problem, assign: Sequence[int]) -> dict[int, Resources]:
    load: dict[int, Resources] = {}
    for i, nf in enumerate(p.funcs):
        load[assign[i]] = load.get(assign[i], Resources()) + nf.demand
    return load


class RestCost:
    """Lower bounds on the cpu cost of the functions a search has still to place, taken in
    `order`, each on one of its candidate sites `cand`."""

    def __init__(self, p: Problem, order: Sequence[int], cand: Sequence[Sequence[int]]) -> None:
        self.site_cost = site_cost = p.idx.site_cost
        demands = [p.funcs[i].demand for i in order]
        # rest[k]: least cpu cost of the functions order[k:], each on its cheapest site
        # (cpu >= 0, so cpu times the least price is the least of cpu times each price).
        mins = [
            d.cpu * min(map(site_cost.__getitem__, cand[i])) if cand[i] else INF
            for d, i in zip(demands, order, strict=True)
        ]
        levels = range(len(order) + 1)
        self.rest = [sum(mins[k:]) for k in levels]
        # For the capacity-aware bound: what order[k:] still needs (summed from k onwards,
        # in order), and the sites any of them may use, cheapest first: one list for every
        # level, each site marked with the last level it serves.
        cpus, memories = [d.cpu for d in demands], [d.memory_gb for d in demands]
        self.cpu = [sum(cpus[k:]) for k in levels]
        self.memory = [sum(memories[k:]) for k in levels]
        self.last = {s: k for k, i in enumerate(order) for s in cand[i]}
        self.sites = sorted(self.last, key=p.idx.cost_rank.__getitem__)

    def bound(self, k: int, free: Sequence[Resources]) -> float:
        """Least cost of placing order[k:] on what is `free`: their cpu poured into the
        cheapest free sites any of them may use, as if divisible (a relaxation, hence a lower
        bound); INF when even that does not fit."""
        left, bound = self.cpu[k], 0.0
        mem_left = self.memory[k]
        last = self.last
        for s in self.sites:
            if last[s] < k:
                continue  # no function of order[k:] may use s
            if left <= EPS and mem_left <= EPS:
                break
            room = free[s]
            mem_left -= max(room.memory_gb, 0.0)
            if left > EPS:
                take = min(left, max(room.cpu, 0.0))
                bound += take * self.site_cost[s]
                left -= take
        return INF if left > EPS or mem_left > EPS else max(bound, self.rest[k])
