"""Why a slice cannot be placed: find the blocking constraint and put numbers on it.

The diagnosis relaxes the problem step by step. Roles, pins and isolation first (no
candidate site); then rules no placement can keep (affinity without a common site,
anti-affinity over too few sites); then latency alone, ignoring capacity and bandwidth
(each budget on its own, then all together); then site capacity with latency; then link
bandwidth. The first relaxation that is already infeasible names the kind of the blocking
constraint. Where the relaxation fails
with the affinity / anti-affinity rules and succeeds without them, a rule is to blame.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Sequence

from nfvo.domain import BlockingConstraint, InfeasibleError, Isolation, LatencyBudget, Resources, RuleKind
from nfvo.placement.model import EPS, INF, Problem, fmt_ms, route_vlinks, slice_latency
from nfvo.placement.search import SearchResult, routing_orders, search, search_order, site_load

State = tuple[int, int]  # (function index, site index)


def _fail(
    kind: str,
    subject: str,
    explanation: str,
    hint: str = "",
    *,
    required: float | None = None,
    best: float | None = None,
    unit: str = "",
    **details: str,
) -> InfeasibleError:
    blocking = BlockingConstraint(kind, subject, required, best, unit, explanation, dict(details))
    return InfeasibleError(blocking, hint=hint)


def no_candidate(p: Problem) -> InfeasibleError | None:
    """A function with no site it may take: unknown pin, pin of a wrong role, no site of an
    allowed role, or every such site taken away by isolation."""
    for i, nf in enumerate(p.funcs):
        if p.cand[i]:
            continue
        roles = ", ".join(sorted(r.value for r in nf.allowed_roles)) or "none"
        if p.role_cand and p.role_cand[i]:
            return _isolation_error(p, i)
        if nf.pinned_site is not None and nf.pinned_site not in p.idx.pos:
            text = f"{nf.name} is pinned to {nf.pinned_site!r}, a site substrate {p.substrate.name!r} lacks"
            hint = f"pin {nf.name} to an existing site or add site {nf.pinned_site!r} to the substrate"
        elif nf.pinned_site is not None:
            role = p.idx.sites[p.idx.pos[nf.pinned_site]].role.value
            text = f"{nf.name} is pinned to {nf.pinned_site} (role {role}), not an allowed role ({roles})"
            hint = f"allow role {role} for {nf.name} or pin it to a site of role {roles}"
        else:
            present = ", ".join(sorted({s.role.value for s in p.idx.sites})) or "none"
            text = (f"no site of substrate {p.substrate.name!r} has a role allowed for {nf.name} "
                    f"(allowed: {roles}; present: {present})")
            hint = f"add a site of role {roles} or widen the allowed roles of {nf.name}"
        return _fail("no-candidate-site", nf.name, text, hint, allowed_roles=roles)
    return None


def _isolation_error(p: Problem, i: int) -> InfeasibleError:
    nf = p.funcs[i]
    sites = _names([p.idx.sites[s].name for s in p.role_cand[i]])
    if nf.isolation is Isolation.DEDICATED:
        text = (f"{nf.name} is dedicated (isolation), but every site it may take ({sites}) hosts functions "
                "of other slices or is held by another slice's dedicated function")
        hint = f"free a site for {nf.name}, or make it shared"
    else:
        text = (f"every site {nf.name} may take ({sites}) is held exclusively by a dedicated function of "
                "another slice")
        hint = f"add a site for {nf.name} or wait for the dedicated slices to leave"
    return _fail("isolation", nf.name, text, hint, required=1, best=0, unit="sites",
                 isolation=nf.isolation.value)


def _members(p: Problem, r: int) -> str:
    return ", ".join(p.funcs[f].name for f in p.rules[r][1])


def rule_conflict(p: Problem) -> InfeasibleError | None:
    """A rule no placement can keep, whatever the budgets and capacity: affinity over
    functions with no site in common; anti-affinity over more functions than the sites they
    may take between them (e.g. two functions and one site)."""
    for r, (kind, members) in enumerate(p.rules):
        rule = p.request.rules[r]
        sites = [set(p.cand[f]) for f in members]
        if kind is RuleKind.AFFINITY and not set.intersection(*sites):
            text = (f"affinity rule {rule.name!r} puts {_members(p, r)} on one site, but no site may host "
                    "all of them (roles, pins or isolation)")
            return _fail("affinity", rule.name, text, f"drop {rule.name!r} or allow a common site",
                         required=1, best=0, unit="sites")
        union = set().union(*sites)
        if kind is RuleKind.ANTI_AFFINITY and len(union) < len(members):
            where = _names(sorted(p.idx.sites[s].name for s in union)) or "none"
            text = (f"anti-affinity rule {rule.name!r} puts {_members(p, r)} on {len(members)} different "
                    f"sites, but between them they may take only {len(union)} ({where})")
            return _fail("anti-affinity", rule.name, text,
                         f"add sites for {_members(p, r)} or drop {rule.name!r}",
                         required=len(members), best=len(union), unit="sites")
    return None


def _rule_error(p: Problem, r: int, alone: bool, what: str) -> InfeasibleError:
    kind, _ = p.rules[r]
    rule = p.request.rules[r]
    how = "on one site" if kind is RuleKind.AFFINITY else "on different sites"
    text = (f"{kind.value} rule {rule.name!r} ({_members(p, r)} {how}) cannot be kept together with "
            f"{what}{'' if alone else ' and the other rules'}; without the rules the slice could be placed")
    return _fail(kind.value, rule.name, text, f"relax {rule.name!r}, or the {what}")


def _rules_blocking(
    p: Problem, node_limit: int, seed: int, *, capacity: bool, what: str
) -> InfeasibleError | None:
    """When a search with every rule fails but one without rules succeeds: the rule to blame
    (the first that fails on its own, else the first of the request's)."""
    if not p.rules:
        return None
    free = search(p, capacity=capacity, bandwidth=False, first_only=True, node_limit=node_limit, rules=(),
                  seed=seed)
    if free.assign is None:
        return None
    for r in range(len(p.rules)):
        one = search(p, capacity=capacity, bandwidth=False, first_only=True, node_limit=node_limit,
                     rules=(r,), seed=seed)
        if one.assign is None and not one.limit_hit:
            return _rule_error(p, r, True, what)
    return _rule_error(p, 0, False, what)


def best_latency(p: Problem, budget: int, fixed: State | None = None) -> tuple[float, list[State]]:
    """Least latency a budget can reach, ignoring capacity and bandwidth, and the (function,
    site) path reaching it. Dijkstra over (function, site) pairs: shortest substrate
    latencies obey the triangle inequality, so no walk visiting a function twice beats the
    best consistent path. `fixed` forces one function onto one site."""
    src, tgt, _ = p.budgets[budget]

    def cands(i: int) -> tuple[int, ...]:
        return (fixed[1],) if fixed is not None and fixed[0] == i else p.cand[i]

    dist = p.idx.dist
    best: dict[State, float] = {}
    prev: dict[State, State] = {}
    tie = itertools.count()
    heap: list[tuple[float, int, State]] = []
    for s in cands(src):
        best[(src, s)] = p.proc[src]
        heap.append((p.proc[src], next(tie), (src, s)))
    heapq.heapify(heap)
    while heap:
        d, _, state = heapq.heappop(heap)
        if d > best[state]:
            continue
        if state[0] == tgt:
            path = [state]
            while path[-1] in prev:
                path.append(prev[path[-1]])
            return d, path[::-1]
        for j, _e in p.adj[state[0]]:
            for t in cands(j):
                nd = d + dist[state[1]][t] + p.proc[j]
                if nd < best.get((j, t), INF):
                    best[(j, t)] = nd
                    prev[(j, t)] = state
                    heapq.heappush(heap, (nd, next(tie), (j, t)))
    return INF, []


def _budget(p: Problem, b: int) -> LatencyBudget:
    return p.request.sla.latency_budgets[b]


def _at(p: Problem, path: Sequence[State], skip_pinned: bool = True) -> str:
    parts = [f"{p.funcs[i].name} at {p.idx.sites[s].name}" for i, s in path
             if not (skip_pinned and len(p.cand[i]) == 1)]
    return ", ".join(parts)


def _latency_error(p: Problem, b: int, best: float, path: Sequence[State]) -> InfeasibleError:
    budget = _budget(p, b)
    if best == INF:
        text = (f"latency budget {budget.name!r} ({budget.source} → {budget.target}) cannot be met: "
                "no path of the slice graph joins them on the substrate")
        return _fail("latency-budget", budget.name, text, "connect the two functions with virtual links",
                     required=budget.max_ms, unit="ms")
    where = _at(p, path) or _at(p, path, skip_pinned=False)
    anchor = p.idx.sites[path[0][1]].name
    text = (f"latency budget {budget.name!r} ({budget.source} → {budget.target}) of {budget.max_ms:.2f} ms "
            f"cannot be met: the best achievable is {best:.2f} ms ({where})")
    hint = f"raise the budget to at least {best:.2f} ms or add a site closer to {anchor}"
    return _fail("latency-budget", budget.name, text, hint, required=budget.max_ms, best=best, unit="ms",
                 anchor=anchor)


def _need(res: Resources) -> str:
    return f"{res.cpu:g} vCPU and {res.memory_gb:g} GB"


def _names(names: Sequence[str], most: int = 4) -> str:
    if len(names) <= most:
        return ", ".join(names)
    return f"{', '.join(names[:most])} and {len(names) - most} more"


def _capacity_error(p: Problem, relaxed: SearchResult) -> InfeasibleError:
    """Latency alone is achievable but capacity is not: name the function that finds no
    room within its budgets, or else the site where the functions crowd."""
    sites = p.idx.sites
    for i in search_order(p):
        nf = p.funcs[i]
        if nf.demand.cpu <= 0 and nf.demand.memory_gb <= 0:
            continue
        reach = {s: [best_latency(p, b, (i, s)) for b in range(len(p.budgets))] for s in p.cand[i]}
        feasible = [s for s in p.cand[i]
                    if all(r[0] <= p.budgets[b][2] + EPS for b, r in enumerate(reach[s]))]
        if not feasible or any(nf.demand.fits_in(p.free[s]) for s in feasible):
            continue
        short = "vCPU" if any(p.free[s].cpu < nf.demand.cpu - EPS for s in feasible) else "GB"
        free_of = {s: (p.free[s].cpu if short == "vCPU" else p.free[s].memory_gb) for s in feasible}
        free_txt = ", ".join(f"{sites[s].name}: {p.free[s].cpu:g} vCPU, {p.free[s].memory_gb:g} GB"
                             for s in feasible)
        roomy = [s for s in p.cand[i] if nf.demand.fits_in(p.free[s])]
        required = nf.demand.cpu if short == "vCPU" else nf.demand.memory_gb
        if not roomy and nf.pinned_site is not None:
            text = (f"{nf.name} is pinned to {nf.pinned_site}, which has {_need(p.free[feasible[0]])} free; "
                    f"it needs {_need(nf.demand)}")
            return _fail("site-capacity", nf.name, text, f"free or add capacity at {nf.pinned_site}",
                         required=required, best=max(free_of.values()), unit=short, site=nf.pinned_site)
        if not roomy:
            text = f"no allowed site has {_need(nf.demand)} free for {nf.name} (free: {free_txt})"
            return _fail("site-capacity", nf.name, text, f"add capacity for {nf.name}",
                         required=required, best=max(free_of.values()), unit=short)

        # The roomy site that breaks its budgets by the least, and the budget it breaks most.
        excess = {s: max(((r[0] - p.budgets[b][2], b) for b, r in enumerate(reach[s])), default=(0.0, -1))
                  for s in roomy}
        nearest = min(roomy, key=lambda s: (excess[s][0], s))
        b = excess[nearest][1]
        budget = _budget(p, b)
        latency, path = reach[nearest][b]
        other = [s for f, s in path if f != i]
        anchor = sites[other[0] if other else path[0][1]].name
        text = (f"no site within the {budget.max_ms:.2f} ms budget {budget.name!r} of {anchor} has "
                f"{_need(nf.demand)} free for {nf.name} ({free_txt}); nearest with capacity: "
                f"{sites[nearest].name} at {fmt_ms(latency)}")
        hint = (f"free or add capacity near {anchor}, or raise {budget.name!r} to at least "
                f"{latency:.2f} ms")
        return _fail("site-capacity", nf.name, text, hint, required=required, best=max(free_of.values()),
                     unit=short, budget=budget.name, nearest_with_capacity=sites[nearest].name)
    # Every function fits somewhere on its own: they crowd. First in total: the functions
    # confined to a set of sites may need more than those sites have free altogether.
    for group in sorted(set(p.cand)):
        members = [i for i, c in enumerate(p.cand) if set(c) <= set(group)]
        need = sum((p.funcs[i].demand for i in members), Resources())
        free = sum((p.free[s] for s in group), Resources())
        if not need.fits_in(free):
            names = _names([p.funcs[i].name for i in members])
            where = _names([sites[s].name for s in group])
            text = (f"{names} need {_need(need)} in all on {where}, which have {_need(free)} free")
            return _fail("site-capacity", p.funcs[members[0]].name, text, f"add capacity on {where}",
                         required=need.cpu, best=free.cpu, unit="vCPU")
    # Otherwise show where the latency-only placement overloads a site.
    assert relaxed.assign is not None
    for s, load in sorted(site_load(p, relaxed.assign).items()):
        if not load.fits_in(p.free[s]):
            crowd = [nf.name for k, nf in enumerate(p.funcs) if relaxed.assign[k] == s]
            text = (f"no combination of sites within the latency budgets has room for every function: "
                    f"e.g. {_names(crowd)} would need {_need(load)} at {sites[s].name}, which has "
                    f"{_need(p.free[s])} free")
            return _fail("site-capacity", crowd[0], text, f"add capacity at {sites[s].name} or nearby",
                         required=load.cpu, best=p.free[s].cpu, unit="vCPU", site=sites[s].name)
    return _fail("site-capacity", p.request.template, "the slice does not fit the free site capacity",
                 "add capacity")


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


def _bandwidth_error(p: Problem, fits: SearchResult) -> InfeasibleError | None:
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
        text = (f"virtual link {vl.name!r} ({vl.a} → {vl.b}) needs {vl.bandwidth_mbps:g} Mbps between {here} "
                f"and {there}; the widest path has {max(width, 0.0):g} Mbps free")
        return _fail("link-bandwidth", vl.name, text, f"add bandwidth between {here} and {there}",
                     required=vl.bandwidth_mbps, best=max(width, 0.0), unit="Mbps")
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
                budget = _budget(p, bi)
                text = (f"virtual link {vl.name!r} needs {vl.bandwidth_mbps:g} Mbps: routed around full "
                        f"links it takes {route.latency_ms:.2f} ms instead of {p.idx.dist[a][b]:.2f} ms, "
                        f"so budget {budget.name!r} reaches {achieved:.2f} ms > {max_ms:.2f} ms")
                here, there = site_names[a], site_names[b]
                return _fail("link-bandwidth", vl.name, text, f"add bandwidth between {here} and {there}",
                             required=vl.bandwidth_mbps, best=_widest(p, here, there, {}), unit="Mbps")
    return None


def _limit_error(p: Problem, node_limit: int) -> InfeasibleError:
    text = (f"no placement of {p.request.template!r} was found within {node_limit} search nodes, "
            "though each constraint on its own can be met")
    return _fail("search-limit", p.request.template, text, "retry with a larger node limit",
                 required=node_limit, unit="nodes")


def latency_alone(p: Problem) -> InfeasibleError | None:
    """A budget that no placement meets even with unlimited capacity and bandwidth."""
    for b in range(len(p.budgets)):
        best, path = best_latency(p, b)
        if best > p.budgets[b][2] + EPS:
            return _latency_error(p, b, best, path)
    return None


def diagnose(p: Problem, *, node_limit: int, seed: int = 0) -> InfeasibleError:
    """The error to raise once the full search found nothing."""
    conflict = rule_conflict(p)
    if conflict is not None:
        return conflict
    alone = latency_alone(p)
    if alone is not None:
        return alone
    relaxed = search(p, capacity=False, bandwidth=False, first_only=True, node_limit=node_limit, seed=seed)
    if relaxed.assign is None:
        if relaxed.limit_hit:
            return _limit_error(p, node_limit)
        blocking = _rules_blocking(p, node_limit, seed, capacity=False, what="the latency budgets")
        if blocking is not None:
            return blocking
        # Each budget alone can be met, not all together: find the first that conflicts.
        for k in range(len(p.budgets)):
            part = search(p, capacity=False, bandwidth=False, first_only=True, node_limit=node_limit,
                          budgets=range(k + 1), rules=(), seed=seed)
            if part.assign is None and not part.limit_hit:
                budget = _budget(p, k)
                best, _ = best_latency(p, k)
                others = ", ".join(repr(_budget(p, j).name) for j in range(k)) or "the others"
                text = (f"latency budget {budget.name!r} ({budget.source} → {budget.target}) of "
                        f"{budget.max_ms:.2f} ms cannot be met together with {others}: alone it could "
                        f"reach {best:.2f} ms")
                return _fail("latency-budget", budget.name, text, f"relax {budget.name!r} or {others}",
                             required=budget.max_ms, best=best, unit="ms")
        return _limit_error(p, node_limit)
    fits = search(p, capacity=True, bandwidth=False, first_only=True, node_limit=node_limit, seed=seed)
    if fits.assign is None:
        if fits.limit_hit:
            return _limit_error(p, node_limit)
        blocking = _rules_blocking(p, node_limit, seed, capacity=True,
                                   what="the site capacity and latency budgets")
        return blocking or _capacity_error(p, relaxed)
    return _bandwidth_error(p, fits) or _limit_error(p, node_limit)
