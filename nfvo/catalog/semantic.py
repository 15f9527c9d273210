"""Checks of a loaded template against a substrate: what no placement could ever satisfy.

These are necessary conditions, computed without placing anything (the catalog does not
import nfvo.placement): a function no site may host (its pinned site unknown, no site of
an allowed role, or none big enough), a latency budget below the physical minimum of any
path between the sites its ends may use, an anti-affinity group larger than the sites its
members may use, coverage naming unknown cells.

The physical minimum of a budget from A to B is the shortest substrate latency between a
site A may use and a site B may use (networkx Dijkstra over link latencies; 0 on one site),
plus the least processing latency of any slice-graph path from A to B (both ends
included): no placement can do better, by the triangle inequality.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import networkx as nx

from nfvo.catalog.diagnostics import DiagnosticSink, did_you_mean
from nfvo.catalog.profile import LoadedTemplate, RuleKind
from nfvo.catalog.yamlpos import YPath
from nfvo.domain import LatencyBudget, NetworkFunction, SliceRequest, Substrate


def shortest_latencies(substrate: Substrate) -> dict[str, dict[str, float]]:
    """Least latency (ms) between every pair of sites; pairs not joined are absent."""
    graph = nx.Graph()
    graph.add_nodes_from(site.name for site in substrate.sites)
    for link in substrate.links:
        graph.add_edge(link.a, link.b, latency_ms=link.latency_ms)
    return {src: dict(d) for src, d in nx.all_pairs_dijkstra_path_length(graph, weight="latency_ms")}


def candidate_sites(nf: NetworkFunction, substrate: Substrate) -> list[str]:
    if nf.pinned_site is not None:
        return [nf.pinned_site]
    return [s.name for s in substrate.sites if s.role in nf.allowed_roles]


def least_processing(request: SliceRequest, budget: LatencyBudget) -> float:
    """The least processing latency along any slice-graph path from source to target."""
    proc = {nf.name: nf.processing_latency_ms for nf in request.functions}
    graph = nx.Graph()
    for link in request.links:
        # Half of each end per edge, plus half of both path ends below = every function once.
        graph.add_edge(link.a, link.b, w=(proc[link.a] + proc[link.b]) / 2)
    try:
        inner = nx.dijkstra_path_length(graph, budget.source, budget.target, weight="w")
    except (nx.NetworkXNoPath, nx.NodeNotFound):
        return math.inf
    return float(inner) + (proc[budget.source] + proc[budget.target]) / 2


def physical_minimum(
    request: SliceRequest,
    budget: LatencyBudget,
    substrate: Substrate,
    dist: Mapping[str, Mapping[str, float]],
) -> float:
    sources = candidate_sites(request.function(budget.source), substrate)
    targets = candidate_sites(request.function(budget.target), substrate)
    transport = min(
        (dist.get(s, {}).get(t, math.inf) for s in sources for t in targets),
        default=math.inf,
    )
    return transport + least_processing(request, budget)


def check_against_substrate(
    loaded: LoadedTemplate, substrate: Substrate, sink: DiagnosticSink, paths: Mapping[str, YPath]
) -> None:
    """Report into `sink` what no placement on `substrate` could satisfy. `paths` gives
    each node template's and policy's path in the template (for lines)."""
    request = loaded.request
    sites = {s.name: s for s in substrate.sites}
    hostable: dict[str, list[str]] = {}
    for nf in request.functions:
        where = paths.get(nf.name, ())
        if nf.pinned_site is not None and nf.pinned_site not in sites:
            sink.add(
                "unknown-site",
                f"{nf.name!r} is pinned to {nf.pinned_site!r}, which the substrate {substrate.name!r} lacks",
                where,
                hint=did_you_mean(nf.pinned_site, sites),
            )
            continue
        usable = [n for n in candidate_sites(nf, substrate) if sites[n].role in nf.allowed_roles]
        if not usable:
            roles = ", ".join(sorted(r.value for r in nf.allowed_roles))
            pinned = (
                f"; {nf.pinned_site!r} is a {sites[nf.pinned_site].role.value} site" if nf.pinned_site else ""
            )
            sink.add(
                "no-site-for-function",
                f"no site of {substrate.name!r} may host {nf.name!r} "
                f"(a {nf.kind} runs on {roles} sites{pinned})",
                where,
            )
            continue
        fits = [n for n in usable if nf.demand.fits_in(sites[n].capacity)]
        if not fits:
            biggest = max(usable, key=lambda n: (sites[n].capacity.cpu, sites[n].capacity.memory_gb))
            cap = sites[biggest].capacity
            sink.add(
                "demand-exceeds-sites",
                f"{nf.name!r} needs {nf.demand.cpu:g} vCPU and {nf.demand.memory_gb:g} GB; the largest "
                f"site it may use ({biggest}) has {cap.cpu:g} vCPU and {cap.memory_gb:g} GB",
                (*where, "properties", "cpu"),
                hint="lower the demand (or its SLA scaling), or allow more kinds of site",
            )
        hostable[nf.name] = fits
    dist = shortest_latencies(substrate)
    for budget in request.sla.latency_budgets:
        if budget.source not in hostable or budget.target not in hostable:
            continue
        least = physical_minimum(request, budget, substrate, dist)
        if least > budget.max_ms + 1e-9:
            shown = "no path at all" if math.isinf(least) else f"at least {least:g} ms"
            sink.add(
                "budget-below-physical-minimum",
                f"budget {budget.name!r} allows {budget.max_ms:g} ms from {budget.source!r} to "
                f"{budget.target!r}, but on {substrate.name!r} any placement takes {shown}",
                (*paths.get(budget.name, ()), "properties", "max_ms"),
                at_value=True,
                hint=f"raise max_ms to at least {least:g}" if not math.isinf(least) else "",
            )
    _check_rules_and_coverage(loaded, substrate, sink, paths, hostable)


def _check_rules_and_coverage(
    loaded: LoadedTemplate,
    substrate: Substrate,
    sink: DiagnosticSink,
    paths: Mapping[str, YPath],
    hostable: Mapping[str, list[str]],
) -> None:
    for rule in loaded.profile.rules:
        if rule.kind is not RuleKind.ANTI_AFFINITY or not all(f in hostable for f in rule.functions):
            continue
        usable = set().union(*(hostable[f] for f in rule.functions))
        if len(usable) < len(rule.functions):
            sink.add(
                "anti-affinity-impossible",
                f"{rule.name!r} needs {len(rule.functions)} different sites, but its functions may use "
                f"only {len(usable)} on {substrate.name!r}",
                (*paths.get(rule.name, ()), "targets"),
            )
    service = loaded.profile.service
    cells = {s.name for s in substrate.sites if s.role.value == "cell"}
    for i, cell in enumerate(service.coverage_cell_sites if service else ()):
        if cell not in cells:
            sink.add(
                "unknown-site",
                f"coverage names {cell!r}, not a cell site of {substrate.name!r}",
                (*paths.get("<sla>", ()), "properties", "coverage_cell_sites", i),
                at_value=True,
                hint=did_you_mean(cell, cells),
            )
