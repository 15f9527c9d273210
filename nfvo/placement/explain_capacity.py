"""Diagnosis of capacity and bandwidth: which sites cannot hold what the budgets force onto
them, and which virtual link cannot get its bandwidth on a path short enough."""

from __future__ import annotations

import heapq

from nfvo.domain import InfeasibleError, Resources
from nfvo.placement.blocking import budget_of, fail, name_list, need_text
from nfvo.placement.costs import site_load
from nfvo.placement.explain_latency import best_latency
from nfvo.placement.numbers import EPS, INF, fmt_ms
from nfvo.placement.problem import Problem
from nfvo.placement.routing import route_vlinks
from nfvo.placement.search import SearchResult
from nfvo.placement.search_prep import routing_orders, search_order
from nfvo.placement.slice_graph import slice_latency


def capacity_error(p: Problem, relaxed: SearchResult) -> InfeasibleError:
    """Latency alone is achievable but capacity is not: name the function that finds no
    room within its budgets, or else the site where the functions crowd."""
    sites = p.idx.sites
    for i in search_order(p):
        nf = p.funcs[i]
        if nf.demand.cpu <= 0 and nf.demand.memory_gb <= 0:
            continue
        reach = {s: [best_latency(p, b, (i, s)) for b in range(len(p.budgets))] for s in p.cand[i]}
        feasible = [
            s for s in p.cand[i] if all(r[0] <= p.budgets[b][2] + EPS for b, r in enumerate(reach[s]))
        ]
        if not feasible or any(nf.demand.fits_in(p.free[s]) for s in feasible):
            continue
        short = "vCPU" if any(p.free[s].cpu < nf.demand.cpu - EPS for s in feasible) else "GB"
        free_of = {s: (p.free[s].cpu if short == "vCPU" else p.free[s].memory_gb) for s in feasible}
        free_txt = ", ".join(
            f"{sites[s].name}: {p.free[s].cpu:g} vCPU, {p.free[s].memory_gb:g} GB" for s in feasible
        )
        roomy = [s for s in p.cand[i] if nf.demand.fits_in(p.free[s])]
        required = nf.demand.cpu if short == "vCPU" else nf.demand.memory_gb
        if not roomy and nf.pinned_site is not None:
            text = (
                f"{nf.name} is pinned to {nf.pinned_site}, which has {need_text(p.free[feasible[0]])} free; "
                f"it needs {need_text(nf.demand)}"
            )
            return fail(
                "site-capacity",
                nf.name,
                text,
                f"free or add capacity at {nf.pinned_site}",
                required=required,
                best=max(free_of.values()),
                unit=short,
                site=nf.pinned_site,
            )
        if not roomy:
            text = f"no allowed site has {need_text(nf.demand)} free for {nf.name} (free: {free_txt})"
            return fail(
                "site-capacity",
                nf.name,
                text,
                f"add capacity for {nf.name}",
                required=required,
                best=max(free_of.values()),
                unit=short,
            )

        # The roomy site that breaks its budgets by the least, and the budget it breaks most.
        excess = {
            s: max(((r[0] - p.budgets[b][2], b) for b, r in enumerate(reach[s])), default=(0.0, -1))
            for s in roomy
        }
        nearest = min(roomy, key=lambda s: (excess[s][0], s))
        b = excess[nearest][1]
        budget = budget_of(p, b)
        latency, path = reach[nearest][b]
        other = [s for f, s in path if f != i]
        anchor = sites[other[0] if other else path[0][1]].name
        text = (
            f"no site within the {budget.max_ms:.2f} ms budget {budget.name!r} of {anchor} has "
            f"{need_text(nf.demand)} free for {nf.name} ({free_txt}); nearest with capacity: "
            f"{sites[nearest].name} at {fmt_ms(latency)}"
        )
        hint = f"free or add capacity near {anchor}, or raise {budget.name!r} to at least {latency:.2f} ms"
        return fail(
            "site-capacity",
            nf.name,
            text,
            hint,
            required=required,
            best=max(free_of.values()),
            unit=short,
            budget=budget.name,
            nearest_with_capacity=sites[nearest].name,
        )
    # Every function fits somewhere on its own: they crowd. First in total: the functions
    # confined to a set of sites may need more than those sites have free altogether.
    for group in sorted(set(p.cand)):
        members = [i for i, c in enumerate(p.cand) if set(c) <= set(group)]
        need = sum((p.funcs[i].demand for i in members), Resources())
        free = sum((p.free[s] for s in group), Resources())
        if not need.fits_in(free):
            names = name_list([p.funcs[i].name for i in members])
            where = name_list([sites[s].name for s in group])
            text = f"{names} need {need_text(need)} in all on {where}, which have {need_text(free)} free"
            return fail(
                "site-capacity",
                p.funcs[members[0]].name,
                text,
                f"add capacity on {where}",
                required=need.cpu,
                best=free.cpu,
                unit="vCPU",
            )
    # Otherwise show where the latency-only placement overloads a site.
    assert relaxed.assign is not None
    for s, load in sorted(site_load(p, relaxed.assign).items()):
        if not load.fits_in(p.free[s]):
            crowd = [nf.name for k, nf in enumerate(p.funcs) if relaxed.assign[k] == s]
            text = (
                f"no combination of sites within the latency budgets has room for every function: "
                f"e.g. {name_list(crowd)} would need {need_text(load)} at {sites[s].name}, which has "
                f"{need_text(p.free[s])} free"
            )
            return fail(
                "site-capacity",
                crowd[0],
                text,
                f"add capacity at {sites[s].name} or nearby",
                required=load.cpu,
                best=p.free[s].cpu,
                unit="vCPU",
                site=sites[s].name,
            )
    return fail(
        "site-capacity", p.request.template, "the slice does not fit the free site capacity", "add capacity"
    )


def _widest(p: Problem, a: str, b: str, taken: dict[str, float]) -> float:
    """Largest bandwidth free along any path from a to b (bottleneck Dijkstra)."""
    best = {a: INF}
    heap = [(-INF, a)]
    while heap:
        neg, u = heapq.heappop(heap)
        if u == b:
            return -neg
        if -neg < best.get(u, -INF):
            continue
        for v, data in p.idx.graph[u].items():
            width = min(-neg, p.link_free[data["key"]] - taken.get(data["key"], 0.0))
            if width > best.get(v, -INF):
                best[v] = width
                heapq.heappush(heap, (-width, v))
    return 0.0


def bandwidth_error(p: Problem, fits: SearchResult) -> InfeasibleError | None:
    """Capacity and latency hold without bandwidth: route that placement with bandwidth and
    show which virtual link cannot pass, or whose detour breaks a budget."""
    assert fits.assign is not None
    site_names = [s.name for s in p.idx.sites]
    order = routing_orders(p)[0]
    routed, failed = route_vlinks(p, fits.assign, order)
    taken: dict[str, float] = {}
    for e in order:
        route = routed[e]
        if route is None:
            break
        for key in route.link_keys:
            taken[key] = taken.get(key, 0.0) + route.bandwidth_mbps
    if failed is not None:
        vl = p.vlinks[failed]
        here, there = (site_names[fits.assign[end]] for end in p.ends[failed])
        width = _widest(p, here, there, taken)
        text = (
            f"virtual link {vl.name!r} ({vl.a} → {vl.b}) needs {vl.bandwidth_mbps:g} Mbps between {here} "
            f"and {there}; the widest path has {max(width, 0.0):g} Mbps free"
        )
        return fail(
            "link-bandwidth",
            vl.name,
            text,
            f"add bandwidth between {here} and {there}",
            required=vl.bandwidth_mbps,
            best=max(width, 0.0),
            unit="Mbps",
        )
    routes = [r for r in routed if r is not None]
    weights = [r.latency_ms for r in routes]
    for bi, (src, tgt, max_ms) in enumerate(p.budgets):
        achieved = slice_latency(p.adj, p.proc, weights, src, tgt)
        if achieved <= max_ms + EPS:
            continue
        for e, route in enumerate(routes):
            a, b = fits.assign[p.ends[e][0]], fits.assign[p.ends[e][1]]
            if route.latency_ms > p.idx.dist[a][b] + EPS:
                vl = p.vlinks[e]
                budget = budget_of(p, bi)
                text = (
                    f"virtual link {vl.name!r} needs {vl.bandwidth_mbps:g} Mbps: routed around full "
                    f"links it takes {route.latency_ms:.2f} ms instead of {p.idx.dist[a][b]:.2f} ms, "
                    f"so budget {budget.name!r} reaches {achieved:.2f} ms > {max_ms:.2f} ms"
                )
                here, there = site_names[a], site_names[b]
                return fail(
                    "link-bandwidth",
                    vl.name,
                    text,
                    f"add bandwidth between {here} and {there}",
                    required=vl.bandwidth_mbps,
                    best=_widest(p, here, there, {}),
                    unit="Mbps",
                )
    return None
