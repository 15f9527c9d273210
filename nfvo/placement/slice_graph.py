"""Latency over the slice graph: shortest budget latencies, least processing, and which
functions lie on every path between two functions.

Latency semantics (the one every engine and the checker implement): the achieved latency of
a budget (source → target) is the minimum, over paths in the slice graph from source to
target (virtual links are undirected), of the sum of the routed latencies of the virtual
links on the path plus the processing latency of every function on the path, both ends
included. Two functions on the same site are joined by a one-site route of 0 ms.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence

from nfvo.placement.numbers import EPS, INF
from nfvo.placement.problem import Problem


def slice_latency(
    adj: Sequence[Sequence[tuple[int, int]]],
    proc: Sequence[float],
    edge_ms: Sequence[float],
    source: int,
    target: int,
    *,
    bound: float = INF,
) -> float:
    """Shortest source → target latency in the slice graph, counting every function's
    processing latency once (Dijkstra with the node weight folded into the edge entering it;
    weights are non-negative so the best walk is a simple path). Gives up, returning INF,
    once everything left is longer than `bound`."""
    best = [INF] * len(proc)
    best[source] = proc[source]
    heap = [(proc[source], source)]
    while heap:
        d, u = heapq.heappop(heap)
        if d > best[u]:
            continue
        if u == target:
            return d
        if d > bound + EPS:
            return INF
        for v, e in adj[u]:
            nd = d + edge_ms[e] + proc[v]
            if nd < best[v]:
                best[v] = nd
                heapq.heappush(heap, (nd, v))
    return INF


def least_processing(
    adj: Sequence[Sequence[tuple[int, int]]], proc: Sequence[float], source: int
) -> list[float]:
    """Per function, the least processing latency on a slice path from `source` to it, both
    ends included (links counted as 0 ms); INF where no path joins them. Memoised by the
    slice graph's shape and processing latencies (the list returned is the caller's)."""
    key = (tuple(map(tuple, adj)), tuple(proc), source)
    hit = _LEAST.get(key)
    if hit is None:
        hit = _least_processing(adj, proc, source)
        if len(_LEAST) >= 1024:
            _LEAST.clear()
        _LEAST[key] = hit
    return list(hit)


_LEAST: dict[tuple[object, ...], tuple[float, ...]] = {}


def _least_processing(
    adj: Sequence[Sequence[tuple[int, int]]], proc: Sequence[float], source: int
) -> tuple[float, ...]:
    best = [INF] * len(proc)
    best[source] = proc[source]
    heap = [(proc[source], source)]
    while heap:
        d, u = heapq.heappop(heap)
        if d > best[u]:
            continue
        for v, _ in adj[u]:
            if d + proc[v] < best[v]:
                best[v] = d + proc[v]
                heapq.heappush(heap, (best[v], v))
    return tuple(best)


def connected(p: Problem, src: int, tgt: int, *, without_f: int = -1, without_e: int = -1) -> bool:
    """Is tgt reachable from src in the slice graph minus one function or one virtual link?"""
    seen, stack = {src}, [src]
    while stack:
        u = stack.pop()
        if u == tgt:
            return True
        for v, e in p.adj[u]:
            if v not in seen and v != without_f and e != without_e:
                seen.add(v)
                stack.append(v)
    return False


_SEPARATORS: dict[tuple[tuple[tuple[int, int], ...], int, int, int], list[int]] = {}


def separating_functions(p: Problem, src: int, tgt: int) -> list[int]:
    """The functions on every slice path src → tgt, both ends included (none when no path
    joins them). Memoised by the slice graph's shape."""
    key = (p.ends, len(p.funcs), src, tgt)
    hit = _SEPARATORS.get(key)
    if hit is not None:
        return list(hit)
    if not connected(p, src, tgt):
        found = []
    elif src == tgt:
        found = [src]
    else:
        found = [src, tgt] + [
            f for f in range(len(p.funcs)) if f not in (src, tgt) and not connected(p, src, tgt, without_f=f)
        ]
    if len(_SEPARATORS) >= 1024:
        _SEPARATORS.clear()
    _SEPARATORS[key] = found
    return list(found)


# A budget whose slice graph offers more simple paths than this is bounded by Dijkstra
# (slice_latency) instead: enumerating paths is exponential in the worst case.
PATH_LIMIT = 64
SlicePath = tuple[tuple[int, int], ...]  # (virtual link, function it enters) per hop
# Values in a 1-tuple, so that a memoised None (too many paths) differs from a miss.
_PATHS: dict[tuple[tuple[tuple[int, int], ...], int, int, int, int], tuple[tuple[SlicePath, ...] | None]] = {}


def simple_paths(p: Problem, src: int, tgt: int, limit: int = PATH_LIMIT) -> tuple[SlicePath, ...] | None:
    """Every simple slice path src → tgt, as its hops; () when none joins them, a single
    empty path when src is tgt, None when there are more than `limit`. Memoised by the
    slice graph's shape. The minimum over them of the processing of src plus each hop's link
    latency and entered function's processing, summed in path order, is what slice_latency
    computes (min over simple paths = Dijkstra's value for non-negative weights)."""
    key = (p.ends, len(p.funcs), src, tgt, limit)
    hit = _PATHS.get(key)  # one look-up: another thread may clear the memo in between
    if hit is not None:
        return hit[0]
    found: list[SlicePath] | None = []
    on_path = [False] * len(p.funcs)
    hops: list[tuple[int, int]] = []

    def walk(u: int) -> bool:  # False once the limit is passed
        assert found is not None
        if u == tgt:
            found.append(tuple(hops))
            return len(found) <= limit
        on_path[u] = True
        for v, e in p.adj[u]:
            if not on_path[v]:
                hops.append((e, v))
                going = walk(v)
                hops.pop()
                if not going:
                    return False
        on_path[u] = False
        return True

    if not walk(src):
        found = None
    if len(_PATHS) >= 1024:
        _PATHS.clear()
    result = None if found is None else tuple(found)
    _PATHS[key] = (result,)
    return result
