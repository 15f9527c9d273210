"""Substrates from real network topologies (SNDlib, Internet Topology Zoo) via `topohub`.

The rule, reproducible and the same for every topology:

- Link latency = fibre length (km, topohub's `dist`; the great-circle distance between the
  node positions when a topology gives none) * FIBRE_MS_PER_KM + HOP_MS of forwarding delay
  (switching, queueing at moderate load and serialisation in one router).
- Roles by centrality: nodes are ranked by degree, then by closeness centrality over
  fibre latency (the tie-break a planner would use: well-connected *and* central), then by
  a seeded random draw (only when both tie). The top ROLE_SHARES["core"] of the ranking
  (at least one node) become core data centres, the next share regional, the next edge,
  and the rest (the least connected, leaves first) RAN cell sites.
- Capacities and prices per role (ROLE_CAPACITY), in the proportions of the lab substrate.
- Link bandwidth by the lesser role of its two ends (LINK_GBPS): an access link is as thin
  as its cell site's, the backbone between core sites is the widest.
- Controllers for the three domains at placeholder loopback addresses (the lab's ports).
"""

from __future__ import annotations

import importlib.resources
import json
import math
import random
import re
from pathlib import Path

import networkx as nx

from nfvo.catalog.diagnostics import did_you_mean
from nfvo.catalog.substrate_file import load_substrate
from nfvo.domain import (
    Controller,
    Diagnostic,
    Domain,
    Link,
    Protocol,
    Resources,
    Site,
    SiteRole,
    Substrate,
    SubstrateError,
)

PREFIX = "topohub:"
FIBRE_MS_PER_KM = 0.005  # light in fibre: ~200 000 km/s
HOP_MS = 0.05  # per-hop forwarding delay of one router
# Shares of the ranked nodes per role, most central first; cells take the rest.
ROLE_SHARES = ((SiteRole.CORE, 0.05), (SiteRole.REGIONAL, 0.15), (SiteRole.EDGE, 0.30))
ROLE_CAPACITY: dict[SiteRole, tuple[Resources, float]] = {  # capacity, cost_per_cpu
    SiteRole.CELL: (Resources(16, 32), 4.0),
    SiteRole.EDGE: (Resources(64, 128), 2.0),
    SiteRole.REGIONAL: (Resources(256, 512), 1.5),
    SiteRole.CORE: (Resources(1024, 2048), 1.0),
}
_TIER = {SiteRole.CELL: 0, SiteRole.EDGE: 1, SiteRole.REGIONAL: 2, SiteRole.CORE: 3}
LINK_GBPS = {SiteRole.CELL: 10.0, SiteRole.EDGE: 40.0, SiteRole.REGIONAL: 100.0, SiteRole.CORE: 400.0}
CONTROLLERS = (
    Controller("ran-ctl", Domain.RAN, Protocol.GNMI, "127.0.0.1", 57400),
    Controller("transport-ctl", Domain.TRANSPORT, Protocol.NETCONF, "127.0.0.1", 8830),
    Controller("core-ctl", Domain.CORE, Protocol.GNMI, "127.0.0.1", 57401),
)
# Real topologies of 20-200 nodes used by the benchmark; any other topohub key works too.
EXAMPLES = (
    "sndlib/geant",
    "sndlib/germany50",
    "sndlib/cost266",
    "topozoo/Uninett2010",
    "topozoo/TataNld",
    "sndlib/brain",
)


def available(group: str = "") -> list[str]:
    """The topohub keys of SNDlib and Topology Zoo (or of one group)."""
    root = importlib.resources.files("topohub") / "data"
    groups = [group] if group else ["sndlib", "topozoo"]
    return sorted(
        f"{g}/{entry.name.removesuffix('.json')}"
        for g in groups
        if (root / g).is_dir()
        for entry in (root / g).iterdir()
        if entry.name.endswith(".json")
    )


def _error(name: str, message: str, hint: str = "") -> SubstrateError:
    diag = Diagnostic("unknown-topology", message, hint=hint, file=f"{PREFIX}{name}")
    return SubstrateError(f"topology {name!r} cannot be used", [diag])


_KEY = re.compile(r"[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)+")


def _graph(name: str) -> nx.Graph:
    # Read like topohub.get, but closing the file: topohub.get leaves it open (a
    # ResourceWarning). The key is checked first: it becomes a path inside the package.
    data_dir = importlib.resources.files("topohub") / "data"
    entry = data_dir / f"{name}.json"
    if not _KEY.fullmatch(name) or ".." in name.split("/") or not entry.is_file():
        group = name.split("/", 1)[0] if "/" in name else ""
        raise _error(
            name,
            f"topohub has no topology {name!r}",
            did_you_mean(name, available(group if group in ("sndlib", "topozoo") else "")),
        )
    try:
        data = json.loads(entry.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise _error(name, f"topohub's topology {name!r} cannot be read: {exc}") from None
    graph = nx.Graph(nx.node_link_graph(data, edges="edges"))
    graph.remove_edges_from(list(nx.selfloop_edges(graph)))
    if graph.number_of_nodes() < 2 or not nx.is_connected(graph):
        raise _error(name, f"topology {name!r} is not one connected network of at least two nodes")
    return graph


def _km(graph: nx.Graph, u: object, v: object) -> float:
    dist = graph.edges[u, v].get("dist")
    if isinstance(dist, int | float) and dist >= 0:
        return float(dist)
    pu, pv = graph.nodes[u].get("pos"), graph.nodes[v].get("pos")
    if not pu or not pv:
        return 0.0
    # Great circle on positions given as (longitude, latitude).
    lon1, lat1, lon2, lat2 = map(math.radians, (*pu, *pv))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(min(h, 1.0)))


def _site_names(graph: nx.Graph) -> dict[object, str]:
    """Node name slugs ("Frankfurt am Main" → "frankfurt-am-main"), made unique."""
    names: dict[object, str] = {}
    taken: set[str] = set()
    for node in sorted(graph.nodes, key=str):
        base = re.sub(r"[^a-z0-9]+", "-", str(graph.nodes[node].get("name", node)).lower()).strip("-")
        base = base or f"node-{node}"
        name = base if base not in taken else f"{base}-{node}"
        taken.add(name)
        names[node] = name
    return names


def assign_roles(graph: nx.Graph, *, seed: int = 0) -> dict[object, SiteRole]:
    """The role rule of the module docstring."""
    rng = random.Random(seed)
    closeness = nx.closeness_centrality(graph, distance="latency")
    draw = {node: rng.random() for node in sorted(graph.nodes, key=str)}
    ranked = sorted(graph.nodes, key=lambda n: (-graph.degree[n], -closeness[n], draw[n]))
    roles: dict[object, SiteRole] = {}
    start = 0
    for role, share in ROLE_SHARES:
        count = max(1, round(share * len(ranked)))
        count = min(count, len(ranked) - start - 1)  # leave at least one cell site
        for node in ranked[start : start + max(count, 0)]:
            roles[node] = role
        start += max(count, 0)
    for node in ranked[start:]:
        roles[node] = SiteRole.CELL
    return roles


def load_topology(name: str, *, seed: int = 0) -> Substrate:
    """A substrate from topohub's topology `name` (e.g. "sndlib/germany50",
    "topozoo/Uninett2010") by the rule of the module docstring."""
    graph = _graph(name)
    for u, v in graph.edges:
        graph.edges[u, v]["latency"] = _km(graph, u, v) * FIBRE_MS_PER_KM + HOP_MS
    roles = assign_roles(graph, seed=seed)
    names = _site_names(graph)
    sites = []
    for node in sorted(graph.nodes, key=lambda n: names[n]):
        capacity, price = ROLE_CAPACITY[roles[node]]
        sites.append(Site(names[node], roles[node], capacity, cost_per_cpu=price))
    links = []
    for u, v in sorted(graph.edges, key=lambda e: sorted((names[e[0]], names[e[1]]))):
        lesser = min(roles[u], roles[v], key=_TIER.__getitem__)
        latency = round(graph.edges[u, v]["latency"], 6)
        links.append(Link(names[u], names[v], latency, LINK_GBPS[lesser] * 1000.0))
    return Substrate(name.replace("/", "-"), tuple(sites), tuple(links), CONTROLLERS)


def resolve_substrate(spec: str | Path, *, seed: int = 0) -> Substrate:
    """FILE_OR_TOPOLOGY: "topohub:sndlib/germany50" loads a real topology, anything else
    is read as a substrate YAML file."""
    text = str(spec)
    if text.startswith(PREFIX):
        return load_topology(text.removeprefix(PREFIX), seed=seed)
    return load_substrate(Path(text))
