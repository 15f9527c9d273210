"""Placement policies over a slice's functions: affinity, anti-affinity, pinning, isolation
and sharing. Each names its functions in the policy's TOSCA `targets`.

Pinning is applied to the functions themselves (`pinned_site`, `allowed_roles`: the domain
holds both). The others are checked, for contradictions too, and kept in the SliceProfile.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Sequence

from nfvo.catalog.context import MapContext
from nfvo.catalog.profile import PlacementRule, RuleKind, Sharing
from nfvo.catalog.values import Entity
from nfvo.domain import Isolation, NetworkFunction, SiteRole

AFFINITY = "nfvo.policies.Affinity"
ANTI_AFFINITY = "nfvo.policies.AntiAffinity"
PINNING = "nfvo.policies.Pinning"
ISOLATION = "nfvo.policies.Isolation"
SHARING = "nfvo.policies.Sharing"


def _targets(ctx: MapContext, policy: Entity, functions: set[str], *, least: int = 1) -> tuple[str, ...]:
    if "targets" not in policy.raw:
        ctx.sink.add(
            "missing-targets",
            f"policy {policy.name!r} names no targets",
            policy.path,
            hint="add `targets: [<function>, ...]`",
        )
        return ()
    names = ctx.function_names(
        policy.raw["targets"], (*policy.path, "targets"), functions, f"policy {policy.name!r}"
    )
    if names is not None and len(set(names)) < least:
        ctx.sink.add(
            "too-few-targets",
            f"policy {policy.name!r} needs at least {least} different functions",
            (*policy.path, "targets"),
            at_value=True,
        )
        return ()
    return names or ()


def pin(ctx: MapContext, functions: list[NetworkFunction]) -> list[NetworkFunction]:
    """The functions with the Pinning policies applied."""
    by_name = {f.name: f for f in functions}
    for policy in ctx.policies(PINNING):
        site = policy.props.get("site")
        roles = policy.props.get("roles")
        where = (*policy.path, "properties")
        if site is None and roles is None:
            ctx.sink.add("empty-pinning", f"pinning {policy.name!r} names neither a site nor roles", where)
            continue
        for name in _targets(ctx, policy, set(by_name)):
            nf = by_name[name]
            if isinstance(site, str):
                if nf.pinned_site not in (None, site):
                    ctx.sink.add(
                        "pinning-conflict",
                        f"{policy.name!r} pins {name!r} to {site!r}, but it serves {nf.pinned_site!r}",
                        (*where, "site"),
                        at_value=True,
                    )
                    continue
                nf = dataclasses.replace(nf, pinned_site=site)
            if isinstance(roles, list):
                allowed = nf.allowed_roles & {SiteRole(r) for r in roles if r in set(SiteRole)}
                if not allowed:
                    ctx.sink.add(
                        "pinning-conflict",
                        f"{policy.name!r} allows {name!r} only on {', '.join(map(str, roles))} sites, "
                        f"where a {nf.kind} never runs (it runs on "
                        f"{', '.join(sorted(r.value for r in nf.allowed_roles))})",
                        (*where, "roles"),
                        at_value=True,
                    )
                    continue
                nf = dataclasses.replace(nf, allowed_roles=frozenset(allowed))
            by_name[name] = nf
    return [by_name[f.name] for f in functions]


def rules(ctx: MapContext, functions: Sequence[NetworkFunction]) -> list[PlacementRule]:
    names = {f.name for f in functions}
    by_name = {f.name: f for f in functions}
    found: list[PlacementRule] = []
    for type_name, kind in ((AFFINITY, RuleKind.AFFINITY), (ANTI_AFFINITY, RuleKind.ANTI_AFFINITY)):
        for policy in ctx.policies(type_name):
            targets = _targets(ctx, policy, names, least=2)
            if targets:
                found.append(PlacementRule(policy.name, kind, targets))
                _check_rule(ctx, policy, kind, [by_name[t] for t in targets])
    together = [r for r in found if r.kind is RuleKind.AFFINITY]
    for apart in (r for r in found if r.kind is RuleKind.ANTI_AFFINITY):
        for pair in itertools.combinations(apart.functions, 2):
            clash = next((r for r in together if set(pair) <= set(r.functions)), None)
            if clash is not None:
                policy = next(p for p in ctx.shape.policies if p.name == apart.name)
                ctx.sink.add(
                    "policy-conflict",
                    f"{pair[0]!r} and {pair[1]!r} must share a site ({clash.name!r}) and must not "
                    f"({apart.name!r})",
                    (*policy.path, "targets"),
                )
    return found


def _check_rule(ctx: MapContext, policy: Entity, kind: RuleKind, nfs: list[NetworkFunction]) -> None:
    where = (*policy.path, "targets")
    pinned = {nf.pinned_site for nf in nfs if nf.pinned_site}
    if kind is RuleKind.AFFINITY:
        common = frozenset.intersection(*(nf.allowed_roles for nf in nfs))
        if len(pinned) > 1 or not common:
            why = (
                f"they are pinned to {', '.join(sorted(pinned))}"
                if len(pinned) > 1
                else "no kind of site may host all of them"
            )
            ctx.sink.add(
                "affinity-impossible", f"{policy.name!r} puts {_names(nfs)} on one site, but {why}", where
            )
    else:
        for a, b in itertools.combinations(nfs, 2):
            if a.pinned_site and a.pinned_site == b.pinned_site:
                ctx.sink.add(
                    "anti-affinity-impossible",
                    f"{policy.name!r} separates {a.name!r} and {b.name!r}, both pinned to {a.pinned_site!r}",
                    where,
                )


def _names(nfs: Sequence[NetworkFunction]) -> str:
    return ", ".join(repr(nf.name) for nf in nfs)


def isolation_and_sharing(
    ctx: MapContext, functions: Sequence[NetworkFunction], slice_isolation: Isolation
) -> tuple[list[tuple[str, Isolation]], list[Sharing]]:
    names = {f.name for f in functions}
    levels: dict[str, Isolation] = {}
    for policy in ctx.policies(ISOLATION):
        level = policy.props.get("level")
        if not isinstance(level, str):
            ctx.complete = False
            continue
        for name in _targets(ctx, policy, names):
            levels[name] = Isolation(level)
    shared: list[Sharing] = []
    for policy in ctx.policies(SHARING):
        targets = _targets(ctx, policy, names)
        if not targets:
            continue
        peers = policy.props.get("shared_with") or []
        instance = policy.props.get("instance")
        instance = instance if isinstance(instance, str) else None
        shared.append(Sharing(policy.name, targets, tuple(map(str, peers)), instance))
        for name in targets:
            if levels.get(name, slice_isolation) is Isolation.DEDICATED:
                ctx.sink.add(
                    "isolation-conflict",
                    f"{policy.name!r} shares {name!r} with other slices, but {name!r} is dedicated"
                    + ("" if name in levels else " (the SLA's isolation)"),
                    (*policy.path, "targets"),
                    hint="give the function `level: shared` in an nfvo.policies.Isolation policy",
                )
    return sorted(levels.items()), shared
