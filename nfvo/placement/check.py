"""An independent checker of placements, whatever engine made them.

It shares nothing with the engines but the domain types: it reads the substrate directly
(Substrate.site / Substrate.link), sums capacity itself and recomputes every latency budget
with its own algorithm (Bellman-Ford relaxation instead of the engines' Dijkstra), so that
a bug in an engine's shortcuts is not repeated here.
"""

from __future__ import annotations

import itertools
import math

from nfvo.domain import (
    Isolation,
    Placement,
    Resources,
    Route,
    RuleKind,
    Site,
    SliceRequest,
    Substrate,
    Usage,
)

_TOL = 1e-6


def _site(substrate: Substrate, name: str) -> Site | None:
    try:
        return substrate.site(name)
    except KeyError:
        return None


def _check_sites(
    request: SliceRequest, substrate: Substrate, usage: Usage, placement: Placement
) -> list[str]:
    out: list[str] = []
    names = {nf.name for nf in request.functions}
    out += [
        f"{name}: assigned, but the slice has no such function"
        for name in sorted(set(placement.assignments) - names)
    ]
    load: dict[str, Resources] = {}
    for nf in request.functions:
        where = placement.assignments.get(nf.name)
        if where is None:
            out.append(f"{nf.name}: not assigned to any site")
            continue
        site = _site(substrate, where)
        if site is None:
            out.append(f"{nf.name}: assigned to unknown site {where!r}")
            continue
        if site.role not in nf.allowed_roles:
            out.append(f"{nf.name}: site {where} has role {site.role.value}, not an allowed role")
        if nf.pinned_site is not None and where != nf.pinned_site:
            out.append(f"{nf.name}: pinned to {nf.pinned_site} but placed at {where}")
        load[where] = load.get(where, Resources()) + nf.demand
    for name, need in sorted(load.items()):
        free = usage.site_free(substrate.site(name))
        if not need.fits_in(free):
            out.append(
                f"site {name}: needs {need.cpu:g} vCPU / {need.memory_gb:g} GB, "
                f"has {free.cpu:g} vCPU / {free.memory_gb:g} GB free"
            )
    return out


def _check_route(
    request: SliceRequest, substrate: Substrate, placement: Placement, route: Route
) -> list[str]:
    try:
        vl = next(v for v in request.links if v.name == route.vlink)
    except StopIteration:
        return [f"route {route.vlink!r}: the slice has no such virtual link"]
    out: list[str] = []
    if not route.sites:
        return [f"route {vl.name}: empty"]
    ends = (placement.assignments.get(vl.a), placement.assignments.get(vl.b))
    if (route.sites[0], route.sites[-1]) != ends:
        out.append(
            f"route {vl.name}: runs {route.sites[0]} → {route.sites[-1]}, "
            f"but {vl.a} → {vl.b} are at {ends[0]} → {ends[1]}"
        )
    if len(set(route.sites)) != len(route.sites):
        out.append(f"route {vl.name}: visits a site twice ({' → '.join(route.sites)})")
    latency = 0.0
    for a, b in itertools.pairwise(route.sites):
        try:
            latency += substrate.link(a, b).latency_ms
        except KeyError:
            out.append(f"route {vl.name}: no link between {a} and {b}")
            latency = math.nan
    if not math.isnan(latency) and abs(latency - route.latency_ms) > _TOL:
        out.append(f"route {vl.name}: claims {route.latency_ms:.3f} ms, its links add up to {latency:.3f} ms")
    if abs(route.bandwidth_mbps - vl.bandwidth_mbps) > _TOL:
        out.append(f"route {vl.name}: carries {route.bandwidth_mbps:g} Mbps, needs {vl.bandwidth_mbps:g}")
    return out


def _check_bandwidth(substrate: Substrate, usage: Usage, placement: Placement) -> list[str]:
    out: list[str] = []
    carried: dict[str, float] = {}
    for route in placement.routes:
        for key in route.link_keys:
            carried[key] = carried.get(key, 0.0) + route.bandwidth_mbps
    for link in substrate.links:
        need = carried.pop(link.key, 0.0)
        if need > 0 and need > usage.link_free_mbps(link) + _TOL:
            free = usage.link_free_mbps(link)
            out.append(f"link {link.key}: carries {need:g} Mbps, has {free:g} Mbps free")
    return out


def _check_rules(request: SliceRequest, usage: Usage, placement: Placement) -> list[str]:
    """Affinity, anti-affinity and isolation, from the request and the ledger alone."""
    out: list[str] = []
    where = placement.assignments
    for rule in request.rules:
        sites = [where[f] for f in rule.functions if f in where]
        if rule.kind is RuleKind.AFFINITY and len(set(sites)) > 1:
            spread = ", ".join(sorted(set(sites)))
            out.append(f"affinity {rule.name}: {', '.join(rule.functions)} are on {spread}, not on one site")
        if rule.kind is RuleKind.ANTI_AFFINITY:
            for site in sorted({s for s in sites if sites.count(s) > 1}):
                both = [f for f in rule.functions if where.get(f) == site]
                out.append(f"anti-affinity {rule.name}: {', '.join(both)} share site {site}")
    for nf in request.functions:
        at = where.get(nf.name)
        if at is None:
            continue
        if at in usage.exclusive:
            out.append(f"{nf.name}: site {at} is held exclusively by another slice's dedicated function")
        elif nf.isolation is Isolation.DEDICATED and usage.hosted.get(at, 0) > 0:
            out.append(
                f"{nf.name}: dedicated, but site {at} hosts {usage.hosted[at]} function(s) of other slices"
            )
    return out


def achieved_latency(request: SliceRequest, placement: Placement, source: str, target: str) -> float:
    """Least latency from source to target over the slice graph with the placement's routes:
    routed link latencies plus every function's processing latency on the way."""
    return request.latency_between({r.vlink: r.latency_ms for r in placement.routes}, source, target)


def check_placement(
    request: SliceRequest, substrate: Substrate, usage: Usage, placement: Placement
) -> list[str]:
    """Every way `placement` breaks the request or the substrate; empty when it is valid."""
    out = _check_sites(request, substrate, usage, placement)
    out += _check_rules(request, usage, placement)
    seen = [r.vlink for r in placement.routes]
    for vl in request.links:
        if seen.count(vl.name) != 1:
            out.append(f"virtual link {vl.name}: has {seen.count(vl.name)} routes, needs exactly 1")
    for route in placement.routes:
        out += _check_route(request, substrate, placement, route)
    out += _check_bandwidth(substrate, usage, placement)
    outcomes = {o.budget.name: o for o in placement.budgets}
    for budget in request.sla.latency_budgets:
        achieved = achieved_latency(request, placement, budget.source, budget.target)
        if achieved > budget.max_ms + _TOL:
            out.append(
                f"budget {budget.name}: {budget.source} → {budget.target} takes {achieved:.3f} ms, "
                f"more than {budget.max_ms:.3f} ms"
            )
        outcome = outcomes.get(budget.name)
        if outcome is None:
            out.append(f"budget {budget.name}: no outcome reported")
        elif not math.isclose(outcome.achieved_ms, achieved, abs_tol=_TOL):
            reported = outcome.achieved_ms
            out.append(f"budget {budget.name}: reported {reported:.3f} ms, recomputed {achieved:.3f} ms")
    return out
