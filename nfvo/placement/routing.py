"""Routing virtual links on the substrate: latency-shortest paths, bandwidth-aware when
links run short, with the shortest-path tree per source site memoised per substrate."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet

from nfvo.domain import Route
from nfvo.placement.numbers import EPS
from nfvo.placement.problem import Problem
from nfvo.placement.substrate_index import SubstrateIndex

Tree = tuple[dict[str, str], dict[str, float]]  # predecessor and latency per site reached


def _dijkstra(idx: SubstrateIndex, source: str, target: str | None, blocked: AbstractSet[str]) -> Tree:
    """Latency-shortest paths from `source` (to `target` only, when given), skipping the
    links whose keys are `blocked`. The same algorithm, visiting order and tie-breaks as
    networkx's dijkstra_path, so the same path comes out, without its per-edge overhead; a
    site's latency is summed along its path in path order, as a route's is."""
    adj = idx.nbrs
    done: dict[str, float] = {}
    seen = {source: 0.0}
    pred: dict[str, str] = {}
    tie = itertools.count()
    fringe = [(0.0, next(tie), source)]
    while fringe:
        d, _, v = heapq.heappop(fringe)
        if v in done:
            continue
        done[v] = d
        if v == target:
            break
        for u, latency, key in adj[v]:
            if key in blocked:
                continue
            vu = d + latency
            if u not in done and (u not in seen or vu < seen[u]):
                seen[u] = vu
                heapq.heappush(fringe, (vu, next(tie), u))
                pred[u] = v
    return pred, done


def _path(tree: Tree, source: str, target: str) -> tuple[tuple[str, ...], float] | None:
    pred, done = tree
    if target not in done:
        return None
    path = [target]
    while path[-1] != source:
        path.append(pred[path[-1]])
    return tuple(reversed(path)), done[target]


_PATH_MEMO = 256


def shortest_route(idx: SubstrateIndex, a: str, b: str) -> tuple[tuple[str, ...], float] | None:
    """The latency-shortest path a → b over every link and its latency (the tree from a is
    memoised per substrate)."""
    tree = idx.path_memo.get(a)
    if tree is None:
        tree = _dijkstra(idx, a, None, frozenset())
        if len(idx.path_memo) >= _PATH_MEMO:
            idx.path_memo.clear()
        idx.path_memo[a] = tree
    return _path(tree, a, b)


def route_vlinks(
    p: Problem, site_of: Sequence[int], order: Sequence[int], *, bandwidth_aware: bool = True
) -> tuple[list[Route | None], int | None]:
    """Route the virtual links in `order`, each on the latency-shortest path among links with
    enough bandwidth left after the links routed before it. Returns the routes (indexed like
    the request's links) and the index of the first link that could not be routed, if any.

    While every link of the substrate still has the bandwidth asked for, nothing is hidden
    and the memoised shortest path is the answer (the same path the search below finds).
    Otherwise the route is a function of the link's ends and of the links too thin for its
    bandwidth (from the start, or used up by the links routed before it), and is memoised by
    those in the problem: the search's leaves route the same links many times over."""
    routes: list[Route | None] = [None] * len(p.ends)
    taken: dict[str, float] = {}
    taken_total = 0.0
    names = p.idx.names
    least_free = p.least_link_free
    for e in order:
        vl = p.vlinks[e]
        bw = vl.bandwidth_mbps
        a, b = site_of[p.ends[e][0]], site_of[p.ends[e][1]]
        if a == b:
            routes[e] = Route(vl.name, (names[a],), 0.0, bw)
            continue
        if not bandwidth_aware or bw <= 0 or least_free - taken_total >= bw - EPS:
            found = shortest_route(p.idx, names[a], names[b])
        else:
            thin, used_up = _blocked(p, bw, taken)
            key = (a, b, bw, used_up)
            if key in p.route_memo:
                found = p.route_memo[key]
            else:
                blocked = thin.union(used_up) if used_up else thin
                found = _path(_dijkstra(p.idx, names[a], names[b], blocked), names[a], names[b])
                if len(p.route_memo) >= _ROUTE_MEMO:
                    p.route_memo.clear()
                p.route_memo[key] = found
        if found is None:
            return routes, e
        path_t, latency = found
        for hop in itertools.pairwise(path_t):
            link = p.idx.edge_key[hop]
            taken[link] = taken.get(link, 0.0) + bw
        taken_total += bw
        routes[e] = Route(vl.name, path_t, latency, bw)
    return routes, None


_ROUTE_MEMO = 4096


def _blocked(p: Problem, bw: float, taken: Mapping[str, float]) -> tuple[frozenset[str], tuple[str, ...]]:
    """The links without `bw` Mbps left once `taken` is routed: those too thin from the
    start (memoised per bandwidth in the problem), and those the routes before used up."""
    thin = p.thin_links.get(bw)
    if thin is None:
        thin = p.thin_links[bw] = frozenset(k for k, free in p.link_free.items() if free < bw - EPS)
    return thin, tuple(sorted(k for k, t in taken.items() if k not in thin and p.link_free[k] - t < bw - EPS))


def wide_components(p: Problem, bw: float) -> tuple[int, ...]:
    """Per site, a label shared by exactly the sites it reaches over links with `bw` Mbps
    free (memoised per bandwidth in the problem): two sites with different labels cannot
    carry a virtual link of that bandwidth, whatever else is routed."""
    hit = p.wide_parts.get(bw)
    if hit is not None:
        return hit
    parent = list(range(len(p.idx.sites)))

    def root(v: int) -> int:
        while parent[v] != v:
            parent[v] = parent[parent[v]]
            v = parent[v]
        return v

    pos = p.idx.pos
    for key, link in p.idx.links.items():
        if p.link_free[key] >= bw - EPS:
            parent[root(pos[link.a])] = root(pos[link.b])
    labels = tuple(root(v) for v in range(len(parent)))
    p.wide_parts[bw] = labels
    return labels
