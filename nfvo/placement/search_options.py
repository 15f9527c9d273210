"""The candidate sites of each function in the order the branch and bound tries them:
cheapest step first (cpu at the site's price plus the bandwidth term of the links to the
neighbours already placed), a seeded tie-break between equals."""

from __future__ import annotations

from collections.abc import Sequence

from nfvo.placement.costs import BANDWIDTH_WEIGHT
from nfvo.placement.numbers import INF
from nfvo.placement.problem import Problem
from nfvo.placement.search_prep import tiebreaks

Option = tuple[float, float, int]  # (step cost, seeded tie-break, site)
# Sorted option lists kept per function; beyond this many keys the memo starts afresh.
_MEMO = 256


class Options:
    def __init__(
        self,
        p: Problem,
        order: Sequence[int],
        cand: Sequence[Sequence[int]],
        near: Sequence[Sequence[float]],
        seed: int,
    ) -> None:
        self.p, self.dist, self.site_cost = p, p.idx.dist, p.idx.site_cost
        self.tiebreak = tiebreaks(seed, len(p.funcs), len(p.idx.sites))
        # Per function, its neighbours placed before it (the order is fixed), with the
        # bandwidth weight of the joining link: their sites key the memo of sorted options.
        rank = {f: k for k, f in enumerate(order)}
        self.before = [
            tuple(
                (j, BANDWIDTH_WEIGHT * p.vlinks[e].bandwidth_mbps) for j, e in p.adj[i] if rank[j] < rank[i]
            )
            for i in range(len(p.funcs))
        ]
        self.memo: list[dict[tuple[int, ...], list[Option]]] = [{} for _ in p.funcs]
        # Per function, its candidates from which every function placed after it that it has a
        # virtual link to can still be reached (near is fixed for the whole search); on a
        # connected substrate every near row is finite and the candidates stay as they are.
        self.open_sites: list[Sequence[int]] = []
        for i in range(len(p.funcs)):
            rows = [] if p.idx.connected else [near[j] for j, _ in p.adj[i] if rank[j] >= rank[i]]
            rows = [row for row in rows if INF in row]
            if rows:
                self.open_sites.append([s for s in cand[i] if all(row[s] != INF for row in rows)])
            else:
                self.open_sites.append(cand[i])

    def of(self, i: int, assign: Sequence[int]) -> list[Option]:
        """(step cost, seeded tie-break, site) for each candidate of i, cheapest first, given
        the sites in `assign` of the functions placed before it (links are undirected, so
        dist[s][t] = dist[t][s] and rows of placed sites serve). Memoised by those sites:
        the same ones recur under many branches."""
        key = tuple(assign[j] for j, _ in self.before[i])
        memo = self.memo[i]
        hit = memo.get(key)
        if hit is not None:
            return hit
        cost, ties, cpu = self.site_cost, self.tiebreak[i], self.p.funcs[i].demand.cpu
        placed = [(w, self.dist[assign[j]]) for j, w in self.before[i]]
        if not placed:
            options = sorted((cpu * cost[s], ties[s], s) for s in self.open_sites[i])
        elif len(placed) == 1:
            ((w, row),) = placed
            options = sorted((cpu * cost[s] + w * row[s], ties[s], s) for s in self.open_sites[i])
        else:
            options = []
            for s in self.open_sites[i]:
                bw = 0.0
                for w, row in placed:
                    bw += w * row[s]
                options.append((cpu * cost[s] + bw, ties[s], s))
            options.sort()
        if len(memo) >= _MEMO:
            memo.clear()  # a long search: bound the memory, at the price of sorting again
        memo[key] = options
        return options
