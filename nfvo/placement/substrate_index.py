"""The substrate as placement needs it, computed once per substrate object and cached: sites
by index, the link graph, all-pairs shortest latencies and per-substrate memos."""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import networkx as nx

from nfvo.domain import Link, Resources, Site, SiteRole, Substrate
from nfvo.placement.numbers import INF


@dataclass(frozen=True)
class SubstrateIndex:
    """What placement needs of a substrate, computed once per substrate object and shared by
    every placement on it (the substrate is frozen; what other slices hold comes with each
    call as a `Usage` and never lands here)."""

    sites: tuple[Site, ...]
    names: tuple[str, ...]  # site names, by index
    pos: Mapping[str, int]  # site name → index into `sites`
    graph: nx.Graph  # nodes: site names; edges carry "latency", "key", "capacity"
    dist: tuple[tuple[float, ...], ...]  # all-pairs shortest latency (ms), INF if disconnected
    links: Mapping[str, Link]  # link key → link (the first one, when a key repeats)
    by_cost: tuple[int, ...] = ()  # site indices, cheapest cost_per_cpu first (then index)
    cost_rank: tuple[int, ...] = ()  # per site, its position in by_cost
    connected: bool = False  # every site reaches every other: no INF in `dist`
    site_cost: tuple[float, ...] = ()  # per site, its cost_per_cpu
    capacity: tuple[Resources, ...] = ()  # per site, as built (copied for each problem)
    link_capacity: dict[str, float] = field(default_factory=dict)  # per link key (Mbps)
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
            hit = (
                tuple(map(min, zip(*(self.dist[c] for c in key), strict=True)))
                if key
                else (INF,) * len(self.sites)
            )
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
    return SubstrateIndex(
        sites,
        tuple(s.name for s in sites),
        pos,
        graph,
        dist,
        links,
        by_cost,
        cost_rank=_ranks(by_cost),
        connected=all(d < INF for row in dist for d in row),
        site_cost=tuple(s.cost_per_cpu for s in sites),
        capacity=tuple(s.capacity for s in sites),
        link_capacity={key: link.capacity_mbps for key, link in links.items()},
        edge_key=edge_key,
        nbrs=nbrs,
    )


def _ranks(order: Sequence[int]) -> tuple[int, ...]:
    rank = [0] * len(order)
    for position, s in enumerate(order):
        rank[s] = position
    return tuple(rank)


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
