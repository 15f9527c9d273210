"""Why a slice cannot be placed: find the blocking constraint and put numbers on it.

The diagnosis relaxes the problem step by step. Roles, pins and isolation first (no
candidate site); then rules no placement can keep (affinity without a common site,
anti-affinity over too few sites); then latency alone, ignoring capacity and bandwidth
(each budget on its own, then all together); then site capacity with latency; then link
bandwidth. The first relaxation that is already infeasible names the kind of the blocking
constraint. Where the relaxation fails with the affinity / anti-affinity rules and succeeds
without them, a rule is to blame. The numbers on latency are put by explain_latency.py, on
capacity and bandwidth by explain_capacity.py; the error itself is built in blocking.py.
"""

from __future__ import annotations

from nfvo.domain import InfeasibleError, Isolation, RuleKind
from nfvo.placement.blocking import budget_of, fail, name_list
from nfvo.placement.explain_capacity import bandwidth_error, capacity_error
from nfvo.placement.explain_latency import best_latency, latency_alone
from nfvo.placement.problem import Problem
from nfvo.placement.search import search

__all__ = ["diagnose", "latency_alone", "no_candidate", "rule_conflict"]


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
            text = (
                f"no site of substrate {p.substrate.name!r} has a role allowed for {nf.name} "
                f"(allowed: {roles}; present: {present})"
            )
            hint = f"add a site of role {roles} or widen the allowed roles of {nf.name}"
        return fail("no-candidate-site", nf.name, text, hint, allowed_roles=roles)
    return None


def _isolation_error(p: Problem, i: int) -> InfeasibleError:
    nf = p.funcs[i]
    sites = name_list([p.idx.sites[s].name for s in p.role_cand[i]])
    if nf.isolation is Isolation.DEDICATED:
        text = (
            f"{nf.name} is dedicated (isolation), but every site it may take ({sites}) hosts functions "
            "of other slices or is held by another slice's dedicated function"
        )
        hint = f"free a site for {nf.name}, or make it shared"
    else:
        text = (
            f"every site {nf.name} may take ({sites}) is held exclusively by a dedicated function of "
            "another slice"
        )
        hint = f"add a site for {nf.name} or wait for the dedicated slices to leave"
    return fail(
        "isolation", nf.name, text, hint, required=1, best=0, unit="sites", isolation=nf.isolation.value
    )


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
            text = (
                f"affinity rule {rule.name!r} puts {_members(p, r)} on one site, but no site may host "
                "all of them (roles, pins or isolation)"
            )
            return fail(
                "affinity",
                rule.name,
                text,
                f"drop {rule.name!r} or allow a common site",
                required=1,
                best=0,
                unit="sites",
            )
        union = set().union(*sites)
        if kind is RuleKind.ANTI_AFFINITY and len(union) < len(members):
            where = name_list(sorted(p.idx.sites[s].name for s in union)) or "none"
            text = (
                f"anti-affinity rule {rule.name!r} puts {_members(p, r)} on {len(members)} different "
                f"sites, but between them they may take only {len(union)} ({where})"
            )
            return fail(
                "anti-affinity",
                rule.name,
                text,
                f"add sites for {_members(p, r)} or drop {rule.name!r}",
                required=len(members),
                best=len(union),
                unit="sites",
            )
    return None


def _rule_error(p: Problem, r: int, alone: bool, what: str) -> InfeasibleError:
    kind, _ = p.rules[r]
    rule = p.request.rules[r]
    how = "on one site" if kind is RuleKind.AFFINITY else "on different sites"
    text = (
        f"{kind.value} rule {rule.name!r} ({_members(p, r)} {how}) cannot be kept together with "
        f"{what}{'' if alone else ' and the other rules'}; without the rules the slice could be placed"
    )
    return fail(kind.value, rule.name, text, f"relax {rule.name!r}, or the {what}")


def _rules_blocking(
    p: Problem, node_limit: int, seed: int, *, capacity: bool, what: str
) -> InfeasibleError | None:
    """When a search with every rule fails but one without rules succeeds: the rule to blame
    (the first that fails on its own, else the first of the request's)."""
    if not p.rules:
        return None
    free = search(
        p, capacity=capacity, bandwidth=False, first_only=True, node_limit=node_limit, rules=(), seed=seed
    )
    if free.assign is None:
        return None
    for r in range(len(p.rules)):
        one = search(
            p,
            capacity=capacity,
            bandwidth=False,
            first_only=True,
            node_limit=node_limit,
            rules=(r,),
            seed=seed,
        )
        if one.assign is None and not one.limit_hit:
            return _rule_error(p, r, True, what)
    return _rule_error(p, 0, False, what)


def _limit_error(p: Problem, node_limit: int) -> InfeasibleError:
    text = (
        f"no placement of {p.request.template!r} was found within {node_limit} search nodes, "
        "though each constraint on its own can be met"
    )
    return fail(
        "search-limit",
        p.request.template,
        text,
        "retry with a larger node limit",
        required=node_limit,
        unit="nodes",
    )


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
            part = search(
                p,
                capacity=False,
                bandwidth=False,
                first_only=True,
                node_limit=node_limit,
                budgets=range(k + 1),
                rules=(),
                seed=seed,
            )
            if part.assign is None and not part.limit_hit:
                budget = budget_of(p, k)
                best, _ = best_latency(p, k)
                others = ", ".join(repr(budget_of(p, j).name) for j in range(k)) or "the others"
                text = (
                    f"latency budget {budget.name!r} ({budget.source} → {budget.target}) of "
                    f"{budget.max_ms:.2f} ms cannot be met together with {others}: alone it could "
                    f"reach {best:.2f} ms"
                )
                return fail(
                    "latency-budget",
                    budget.name,
                    text,
                    f"relax {budget.name!r} or {others}",
                    required=budget.max_ms,
                    best=best,
                    unit="ms",
                )
        return _limit_error(p, node_limit)
    fits = search(p, capacity=True, bandwidth=False, first_only=True, node_limit=node_limit, seed=seed)
    if fits.assign is None:
        if fits.limit_hit:
            return _limit_error(p, node_limit)
        blocking = _rules_blocking(
            p, node_limit, seed, capacity=True, what="the site capacity and latency budgets"
        )
        return blocking or capacity_error(p, relaxed)
    return bandwidth_error(p, fits) or _limit_error(p, node_limit)
