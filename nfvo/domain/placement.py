"""Where a slice went: function → site, virtual link → path, and each budget's outcome."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from nfvo.domain.slice import Isolation, LatencyBudget, SliceRequest
from nfvo.domain.substrate import Resources, Substrate, Usage, link_key


@dataclass(frozen=True)
class Route:
    vlink: str
    sites: tuple[str, ...]  # the path of sites, first = site of vlink.a, last = site of vlink.b
    latency_ms: float
    bandwidth_mbps: float

    @property
    def link_keys(self) -> tuple[str, ...]:
        return tuple(link_key(a, b) for a, b in zip(self.sites, self.sites[1:], strict=False))


@dataclass(frozen=True)
class BudgetOutcome:
    budget: LatencyBudget
    achieved_ms: float

    @property
    def met(self) -> bool:
        return self.achieved_ms <= self.budget.max_ms + 1e-9


@dataclass(frozen=True)
class Placement:
    assignments: Mapping[str, str]  # function name → site name
    routes: tuple[Route, ...]
    budgets: tuple[BudgetOutcome, ...]
    cost: float
    engine: str
    engine_version: str = "1"
    seed: int = 0
    stats: Mapping[str, float] = field(default_factory=dict)  # e.g. search nodes, time

    def route(self, vlink: str) -> Route:
        for r in self.routes:
            if r.vlink == vlink:
                return r
        raise KeyError(vlink)

    def usage(self, request: SliceRequest) -> Usage:
        """The capacity this placement holds on the substrate, the functions it puts on each
        site, and the sites its dedicated functions hold exclusively."""
        sites: dict[str, Resources] = {}
        hosted: dict[str, int] = {}
        exclusive: set[str] = set()
        for nf in request.functions:
            site = self.assignments[nf.name]
            sites[site] = sites.get(site, Resources()) + nf.demand
            hosted[site] = hosted.get(site, 0) + 1
            if nf.isolation is Isolation.DEDICATED:
                exclusive.add(site)
        links: dict[str, float] = {}
        for route in self.routes:
            for key in route.link_keys:
                links[key] = links.get(key, 0.0) + route.bandwidth_mbps
        return Usage(sites, links, hosted, frozenset(exclusive))


class Placer(Protocol):
    """A placement engine: place one slice on what is left of the substrate.

    Raises `InfeasibleError` naming the blocking constraint when no placement exists.
    """

    def __call__(self, request: SliceRequest, substrate: Substrate, usage: Usage) -> Placement: ...
