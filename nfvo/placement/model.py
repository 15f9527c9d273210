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
from dataclasses import dataclass, field

import networkx as nx

from nfvo.domain import (
    Diagnostic,
    InputError,
    Isolation,
    Link,
    NetworkFunction,
    Resources,
    Route,
    RuleKind,
    Site,
    SiteRole,
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
    """What placement needs of a substrate, computed once per substrate object and shared by
    every placement on it (the substrate is frozen; what other slices hold comes with each
    call as a `Usage` and never lands here)."""

    sites: tuple[Site, ...]
    pos: Mapping[str, int]  # site name → index into `sites`
    graph: nx.Graph  # nodes: site names; edges carry "latency", "key", "capacity"
    dist: tuple[tuple[float, ...], ...]  # all-pairs shortest latency (ms), INF if disconnected
    links: Mapping[str, Link]  # link key → link (the first one, when a key repeats)
    by_cost: tuple[int, ...] = ()  # site indices, cheapest cost_per_cpu first (then index)
    # Memoised per substrate, filled on demand: allowed roles → candidate sites, and a
    # candidate set → its `near` vector. Plain dicts: a race only computes a value twice.
    role_sites: dict[frozenset[SiteRole], tuple[int, ...]] = field(default_factory=dict)
    near_memo: dict[tuple[int, ...], tuple[float, ...]] = field(default_factory=dict)
    # site name → its shortest-path tree over every link (predecessors and latencies).
    path_memo: dict[str, tuple[dict[str, str], dict[str, float]]] = field(default_factory=dict)
    edge_key: dict[tuple[str, str], str] = field(default_factory=dict)  # (a, b) and (b, a) → link key
    # Per site, (neighbour, latency, link key) in the graph's adjacency order.
    nbrs: dict[str, tuple[tuple[str, float, str], ...]] = field(default_factory=dict)

    def near(self, cands: Sequence[int]) -> Sequence[float]:
        """Per site s, the least latency from s to any site of `cands` (INF when empty)."""
        if len(cands) == 1:
            return self.dist[cands[0]]
        key = tuple(cands)
        hit = self.near_memo.get(key)
        if hit is None:
            # dist is symmetric (undirected links): column s of the rows `cands` is row s's
            # distances to them.
            hit = tuple(map(min, zip(*(self.dist[c] for c in key), strict=True))) if key else \
                (INF,) * len(self.sites)
            if len(self.near_memo) >= _NEAR_MEMO:
                self.near_memo.clear()
            self.near_memo[key] = hit
        return hit


_NEAR_MEMO = 512


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
    by_cost = tuple(sorted(range(len(sites)), key=lambda i: (sites[i].cost_per_cpu, i)))
    edge_key = {(u, v): k for a, b, k in graph.edges(data="key") for u, v in ((a, b), (b, a))}
    nbrs = {v: tuple((u, float(d["latency"]), str(d["key"])) for u, d in graph.adj[v].items()) for v in graph}
    return SubstrateIndex(sites, pos, graph, dist, links, by_cost, edge_key=edge_key, nbrs=nbrs)


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
    # Per rule of the request: its kind and its functions' indices (duplicates dropped).
    rules: tuple[tuple[RuleKind, tuple[int, ...]], ...] = ()
    # Candidates by role and pin alone, before isolation took sites away (cand ⊆ these).
    role_cand: tuple[tuple[int, ...], ...] = ()

    @property
    def vlinks(self) -> tuple[VirtualLink, ...]:
        return self.request.links


def allowed_sites(nf: NetworkFunction, idx: SubstrateIndex) -> tuple[int, ...]:
    """A pin names the one site a function may take; that site must still have an allowed
    role (a pin to a site of the wrong role is a template error, reported, not obeyed)."""
    if nf.pinned_site is not None:
        i = idx.pos.get(nf.pinned_site)
        return () if i is None or idx.sites[i].role not in nf.allowed_roles else (i,)
    hit = idx.role_sites.get(nf.allowed_roles)
    if hit is None:
        hit = tuple(i for i, s in enumerate(idx.sites) if s.role in nf.allowed_roles)
        idx.role_sites[nf.allowed_roles] = hit
    return hit


def _isolated(
    nf: NetworkFunction, cand: tuple[int, ...], idx: SubstrateIndex, usage: Usage
) -> tuple[int, ...]:
    """Isolation: no function goes to a site another slice's dedicated function holds, and a
    dedicated function only to a site hosting no function of another slice."""
    if not usage.exclusive and not (nf.isolation is Isolation.DEDICATED and usage.hosted):
        return cand
    names = idx.sites
    if nf.isolation is Isolation.DEDICATED:
        return tuple(s for s in cand if usage.hosted.get(names[s].name, 0) <= 0
                     and names[s].name not in usage.exclusive)
    return tuple(s for s in cand if names[s].name not in usage.exclusive)


def _free_sites(idx: SubstrateIndex, usage: Usage) -> tuple[Resources, ...]:
    """Capacity minus usage per site; only the sites the ledger names cost any work."""
    free = [s.capacity for s in idx.sites]
    for name, held in usage.sites.items():
        i = idx.pos.get(name)
        if i is not None:
            free[i] = free[i] - held
    return tuple(free)


def _free_links(idx: SubstrateIndex, usage: Usage) -> dict[str, float]:
    free = {key: link.capacity_mbps for key, link in idx.links.items()}
    for key, held in usage.links_mbps.items():
        if key in free:
            free[key] -= held
    return free


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
    for rule in request.rules:
        for name in rule.functions:
            if name not in fpos:
                text = f"{rule.kind.value} rule {rule.name!r} names {name!r}"
                problems.append(Diagnostic("unknown-function", text))
    if problems:
        raise InputError(f"slice request {request.template!r} is inconsistent", problems)

    idx = substrate_index(substrate)
    role_cand = tuple(allowed_sites(nf, idx) for nf in request.functions)
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
        cand=tuple(_isolated(nf, c, idx, usage) for nf, c in zip(request.functions, role_cand, strict=True)),
        free=_free_sites(idx, usage),
        link_free=_free_links(idx, usage),
        ends=tuple(ends),
        adj=tuple(tuple(a) for a in adj),
        proc=tuple(nf.processing_latency_ms for nf in request.functions),
        budgets=tuple((fpos[b.source], fpos[b.target], b.max_ms) for b in request.sla.latency_budgets),
        rules=tuple((r.kind, tuple(dict.fromkeys(fpos[n] for n in r.functions))) for r in request.rules),
        role_cand=role_cand,
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


Tree = tuple[dict[str, str], dict[str, float]]  # predecessor and latency per site reached


def _dijkstra(
    idx: SubstrateIndex, source: str, target: str | None, hidden: Callable[[str], bool] | None
) -> Tree:
    """Latency-shortest paths from `source` (to `target` only, when given), skipping links
    whose key `hidden` rejects. The same algorithm, visiting order and tie-breaks as
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
            if hidden is not None and hidden(key):
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
        tree = _dijkstra(idx, a, None, None)
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
    and the memoised shortest path is the answer (the same path the search below finds)."""
    routes: list[Route | None] = [None] * len(p.ends)
    taken: dict[str, float] = {}
    taken_total = 0.0
    names = [s.name for s in p.idx.sites]
    least_free = min(p.link_free.values(), default=INF)
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
            def hidden(key: str, bw: float = bw) -> bool:
                return p.link_free[key] - taken.get(key, 0.0) < bw - EPS

            found = _path(_dijkstra(p.idx, names[a], names[b], hidden), names[a], names[b])
        if found is None:
            return routes, e
        path_t, latency = found
        for hop in itertools.pairwise(path_t):
            key = p.idx.edge_key[hop]
            taken[key] = taken.get(key, 0.0) + bw
        taken_total += bw
        routes[e] = Route(vl.name, path_t, latency, bw)
    return routes, None


def least_processing(
    adj: Sequence[Sequence[tuple[int, int]]], proc: Sequence[float], source: int
) -> list[float]:
    """Per function, the least processing latency on a slice path from `source` to it, both
    ends included (links counted as 0 ms); INF where no path joins them."""
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
    return best


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
        found = [src, tgt] + [f for f in range(len(p.funcs))
                              if f not in (src, tgt) and not connected(p, src, tgt, without_f=f)]
    if len(_SEPARATORS) >= 1024:
        _SEPARATORS.clear()
    _SEPARATORS[key] = found
    return list(found)


def fmt_ms(value: float) -> str:
    return "unreachable" if value == INF else f"{value:.2f} ms"
