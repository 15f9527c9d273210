"""One slice request on one substrate, with what other slices already use, turned into
integer-indexed arrays for the engines; inconsistent requests are refused here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from nfvo.domain import (
    Diagnostic,
    InputError,
    Isolation,
    NetworkFunction,
    Resources,
    RuleKind,
    SliceRequest,
    Substrate,
    Usage,
    VirtualLink,
)
from nfvo.placement.numbers import INF
from nfvo.placement.substrate_index import SubstrateIndex, substrate_index

NO_USAGE = Usage()


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
    # Least free bandwidth over the substrate's links (INF without links).
    least_link_free: float = INF
    # Filled by routing.py while this problem is being solved: routes by (ends, bandwidth,
    # what earlier routes took), and per bandwidth the links too thin for it.
    route_memo: dict[tuple[object, ...], tuple[tuple[str, ...], float] | None] = field(
        default_factory=dict, compare=False, repr=False
    )
    thin_links: dict[float, frozenset[str]] = field(default_factory=dict, compare=False, repr=False)
    # Per bandwidth, a component label per site over the links that still have it.
    wide_parts: dict[float, tuple[int, ...]] = field(default_factory=dict, compare=False, repr=False)

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
        return tuple(
            s
            for s in cand
            if usage.hosted.get(names[s].name, 0) <= 0 and names[s].name not in usage.exclusive
        )
    return tuple(s for s in cand if names[s].name not in usage.exclusive)


def _free_sites(idx: SubstrateIndex, usage: Usage) -> tuple[Resources, ...]:
    """Capacity minus usage per site; only the sites the ledger names cost any work."""
    free = list(idx.capacity)
    for name, held in usage.sites.items():
        i = idx.pos.get(name)
        if i is not None:
            free[i] = free[i] - held
    return tuple(free)


def _free_links(idx: SubstrateIndex, usage: Usage) -> dict[str, float]:
    free = dict(idx.link_capacity)
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
    link_free = _free_links(idx, usage)
    return Problem(
        request=request,
        substrate=substrate,
        idx=idx,
        funcs=request.functions,
        fpos=fpos,
        cand=tuple(_isolated(nf, c, idx, usage) for nf, c in zip(request.functions, role_cand, strict=True)),
        free=_free_sites(idx, usage),
        link_free=link_free,
        ends=tuple(ends),
        adj=tuple(tuple(a) for a in adj),
        proc=tuple(nf.processing_latency_ms for nf in request.functions),
        budgets=tuple((fpos[b.source], fpos[b.target], b.max_ms) for b in request.sla.latency_budgets),
        rules=tuple((r.kind, tuple(dict.fromkeys(fpos[n] for n in r.functions))) for r in request.rules),
        role_cand=role_cand,
        least_link_free=min(link_free.values(), default=INF),
    )
