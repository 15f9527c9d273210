"""Building blocks shared by the placement engines: the substrate index (cached), the
request turned into integer-indexed arrays, slice-graph latency and bandwidth-aware routing.

Latency semantics (the one every engine and the checker implement): the achieved latency of
a budget (source → target) is the minimum, over paths in the slice graph from source to
target (virtual links are undirected), of the sum of the routed latencies of the virtual
links on the path plus the processing latency of every function on the path, both ends
included. Two functions on the same site are joined by a one-site route of 0 ms.
"""

from __future__ import annotations

import heapq
import itertools
import math
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import networkx as nx

from nfvo.domain import (
    Diagnostic,
    InputError,
    Link,
    NetworkFunction,
    Resources,
    Route,
    Site,
    SliceRequest,
    Substrate,
    Usage,
    VirtualLink,
)

INF = math.inf
EPS = 1e-9  # tolerance on sums of floats (capacities, latencies)
NO_USAGE = Usage()


@dataclass(frozen=True)
class SubstrateIndex:
    """What placement needs of a substrate, computed once per substrate object."""

    sites: tuple[Site, ...]
    pos: Mapping[str, int]  # site name → index into `sites`
    graph: nx.Graph  # nodes: site names; edges carry "latency", "key", "capacity"
    dist: tuple[tuple[float, ...], ...]  # all-pairs shortest latency (ms), INF if disconnected
    links: Mapping[str, Link]  # link key → link (the first one, when a key repeats)


def _build_index(substrate: Substrate) -> SubstrateIndex:
    sites = substrate.sites
    pos = {s.name: i for i, s in enumerate(sites)}
    graph = nx.Graph()
    graph.add_nodes_from(pos)
    links: dict[str, Link] = {}
    for link in substrate.links:
        # A link to an unknown site cannot carry anything; a repeated key is the same link
        # for Usage (keyed by link_key), so only the first one counts, as in Substrate.link.
        if link.a not in pos or link.b not in pos or link.a == link.b or link.key in links:
            continue
        links[link.key] = link
        graph.add_edge(link.a, link.b, latency=link.latency_ms, key=link.key, capacity=link.capacity_mbps)
    lengths = dict(nx.all_pairs_dijkstra_path_length(graph, weight="latency"))
    dist = tuple(tuple(float(lengths[a].get(b, INF)) for b in pos) for a in pos)
    return SubstrateIndex(sites, pos, graph, dist, links)


# Keyed by id() and guarded by a weak reference: Substrate hashes by value (slow for big
# ones) and a dead substrate's id may be reused, which the `ref() is substrate` test catches.
_CACHE: OrderedDict[int, tuple[weakref.ref[Substrate], SubstrateIndex]] = OrderedDict()
_CACHE_SIZE = 16
_CACHE_LOCK = threading.Lock()


def substrate_index(substrate: Substrate) -> SubstrateIndex:
    key = id(substrate)
    with _CACHE_LOCK:
        hit = _CACHE.get(key)
        if hit is not None and hit[0]() is substrate:
            _CACHE.move_to_end(key)
            return hit[1]
    index = _build_index(substrate)
    with _CACHE_LOCK:
        _CACHE[key] = (weakref.ref(substrate), index)
        _CACHE.move_to_end(key)
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return index


@dataclass(frozen=True)
class Problem:
    """One request on one substrate with what is already used, as integer-indexed arrays."""

    request: SliceRequest
    substrate: Substrate
    idx: SubstrateIndex
    funcs: tuple[NetworkFunction, ...]
    fpos: Mapping[str, int]  # function name → index
    cand: tuple[tuple[int, ...], ...]  # allowed site indices per function, substrate order
    free: tuple[Resources, ...]  # per site: capacity minus usage
    link_free: Mapping[str, float]  # per link key: capacity minus usage (Mbps)
    ends: tuple[tuple[int, int], ...]  # per virtual link: its two function indices
    adj: tuple[tuple[tuple[int, int], ...], ...]  # per function: (neighbour, vlink index)
    proc: tuple[float, ...]  # processing latency per function
    budgets: tuple[tuple[int, int, float], ...]  # (source, target, max_ms) per budget

    @property
    def vlinks(self) -> tuple[VirtualLink, ...]:
        return self.request.links


def allowed_sites(nf: NetworkFunction, idx: SubstrateIndex) -> tuple[int, ...]:
    """A pin names the one site a function may take; that site must still have an allowed
    role (a pin to a site of the wrong role is a template error, reported, not obeyed)."""
    if nf.pinned_site is not None:
        i = idx.pos.get(nf.pinned_site)
        return () if i is None or idx.sites[i].role not in nf.allowed_roles else (i,)
    return tuple(i for i, s in enumerate(idx.sites) if s.role in nf.allowed_roles)


def build_problem(request: SliceRequest, substrate: Substrate, usage: Usage) -> Problem:
    fpos: dict[str, int] = {}
    problems: list[Diagnostic] = []
    for i, nf in enumerate(request.functions):
        if nf.name in fpos:
            problems.append(Diagnostic("duplicate-function", f"function {nf.name!r} appears twice"))
        fpos[nf.name] = i
    for vl in request.links:
        for end in (vl.a, vl.b):
            if end not in fpos:
                problems.append(Diagnostic("unknown-function", f"virtual link {vl.name!r} names {end!r}"))
    for budget in request.sla.latency_budgets:
        for end in (budget.source, budget.target):
            if end not in fpos:
                text = f"latency budget {budget.name!r} names {end!r}"
                problems.append(Diagnostic("unknown-function", text))
    if problems:
        raise InputError(f"slice request {request.template!r} is inconsistent", problems)

    idx = substrate_index(substrate)
    adj: list[list[tuple[int, int]]] = [[] for _ in request.functions]
    ends = []
    for e, vl in enumerate(request.links):
        a, b = fpos[vl.a], fpos[vl.b]
        ends.append((a, b))
        adj[a].append((b, e))
        if a != b:
            adj[b].append((a, e))
    return Problem(
        request=request,
        substrate=substrate,
        idx=idx,
        funcs=request.functions,
        fpos=fpos,
        cand=tuple(allowed_sites(nf, idx) for nf in request.functions),
        free=tuple(usage.site_free(s) for s in idx.sites),
        link_free={k: usage.link_free_mbps(link) for k, link in idx.links.items()},
        ends=tuple(ends),
        adj=tuple(tuple(a) for a in adj),
        proc=tuple(nf.processing_latency_ms for nf in request.functions),
        budgets=tuple((fpos[b.source], fpos[b.target], b.max_ms) for b in request.sla.latency_budgets),
    )


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


def _weight_for(
    bandwidth: float, link_free: Mapping[str, float], taken: Mapping[str, float], aware: bool
) -> Callable[[str, str, Mapping[str, object]], float | None]:
    """networkx weight function hiding links without `bandwidth` Mbps left (None = hidden)."""

    def weight(_u: str, _v: str, data: Mapping[str, object]) -> float | None:
        key = str(data["key"])
        if aware and bandwidth > 0 and link_free[key] - taken.get(key, 0.0) < bandwidth - EPS:
            return None
        return float(data["latency"])  # type: ignore[arg-type]

    return weight


def route_vlinks(
    p: Problem, site_of: Sequence[int], order: Sequence[int], *, bandwidth_aware: bool = True
) -> tuple[list[Route | None], int | None]:
    """Route the virtual links in `order`, each on the latency-shortest path among links with
    enough bandwidth left after the links routed before it. Returns the routes (indexed like
    the request's links) and the index of the first link that could not be routed, if any."""
    routes: list[Route | None] = [None] * len(p.ends)
    taken: dict[str, float] = {}
    names = [s.name for s in p.idx.sites]
    for e in order:
        vl = p.vlinks[e]
        a, b = site_of[p.ends[e][0]], site_of[p.ends[e][1]]
        if a == b:
            routes[e] = Route(vl.name, (names[a],), 0.0, vl.bandwidth_mbps)
            continue
        weight = _weight_for(vl.bandwidth_mbps, p.link_free, taken, bandwidth_aware)
        try:
            path = nx.dijkstra_path(p.idx.graph, names[a], names[b], weight=weight)
        except nx.NetworkXNoPath:
            return routes, e
        latency = 0.0
        for u, v in itertools.pairwise(path):
            data = p.idx.graph.edges[u, v]
            latency += data["latency"]
            taken[data["key"]] = taken.get(data["key"], 0.0) + vl.bandwidth_mbps
        routes[e] = Route(vl.name, tuple(path), latency, vl.bandwidth_mbps)
    return routes, None


def fmt_ms(value: float) -> str:
    return "unreachable" if value == INF else f"{value:.2f} ms"
