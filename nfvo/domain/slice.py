"""What a tenant asks for: a slice graph of network functions and virtual links, with SLA."""

from __future__ import annotations

import enum
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from nfvo.domain.substrate import Domain, Resources, SiteRole


class SliceType(enum.StrEnum):
    EMBB = "eMBB"
    URLLC = "URLLC"
    MMTC = "mMTC"
    V2X = "V2X"


class Isolation(enum.StrEnum):
    SHARED = "shared"
    DEDICATED = "dedicated"


class RuleKind(enum.StrEnum):
    AFFINITY = "affinity"  # every function of the rule on one site
    ANTI_AFFINITY = "anti-affinity"  # no two functions of the rule on one site


@dataclass(frozen=True)
class PlacementRule:
    """An affinity or anti-affinity rule over functions of one slice. Its scope is the site,
    the only grouping the substrate has (no zones or racks): affinity puts the functions on
    one site, anti-affinity on pairwise different sites."""

    name: str  # the policy's name, for messages
    kind: RuleKind
    functions: tuple[str, ...]


@dataclass(frozen=True)
class NetworkFunction:
    name: str  # node template name, unique within the slice
    kind: str  # gNB, CU, DU, UPF, AMF, SMF, ...
    domain: Domain  # RAN or CORE (transport holds only virtual links)
    demand: Resources
    allowed_roles: frozenset[SiteRole]
    pinned_site: str | None = None  # e.g. the cell site a gNB serves
    processing_latency_ms: float = 0.0
    # DEDICATED: the function's site hosts no function of another slice while it is there
    # (the ledger, Usage, records such sites as exclusive). The SLA's slice-wide isolation
    # does not set this; only a per-function policy does (docs/placement.md, "Rules").
    isolation: Isolation = Isolation.SHARED
    # A function instance common to several slices (an nfvo.policies.Sharing policy): the
    # ledger holds its demand once, as the instance's, not as any one slice's. A slice
    # joining a running instance gets the function pinned to the instance's site with no
    # demand of its own (see nfvo/lifecycle/sharing.py).
    shared_instance: str | None = None
    shared_with: tuple[str, ...] = ()  # slice or template names it may be shared with; () = any


@dataclass(frozen=True)
class VirtualLink:
    name: str
    a: str  # network function names
    b: str
    bandwidth_mbps: float


@dataclass(frozen=True)
class LatencyBudget:
    """End-to-end latency between two functions: links along the slice graph plus
    the processing latency of every function on the way (both ends included)."""

    name: str
    source: str
    target: str
    max_ms: float


@dataclass(frozen=True)
class SLA:
    slice_type: SliceType
    latency_budgets: tuple[LatencyBudget, ...] = ()
    throughput_mbps: float = 0.0
    max_ues: int = 0
    isolation: Isolation = Isolation.SHARED


@dataclass(frozen=True)
class SliceRequest:
    """A template turned into something placement can work on."""

    template: str  # template name (and version when the catalog has one)
    sla: SLA
    functions: tuple[NetworkFunction, ...]
    links: tuple[VirtualLink, ...]
    inputs: Mapping[str, object] = field(default_factory=dict)
    rules: tuple[PlacementRule, ...] = ()  # affinity / anti-affinity, honoured by every engine

    def function(self, name: str) -> NetworkFunction:
        for nf in self.functions:
            if nf.name == name:
                return nf
        raise KeyError(name)

    def links_of(self, nf_name: str) -> Iterator[VirtualLink]:
        return (vl for vl in self.links if nf_name in (vl.a, vl.b))

    def latency_between(self, route_ms: Mapping[str, float], source: str, target: str) -> float:
        """Least latency from function `source` to `target` over the slice graph, with each
        virtual link taking `route_ms[name]` (absent: unrouted) plus the processing latency
        of every function on the way, both ends included (Bellman-Ford). What a latency
        budget measures, for placement's checker, the twin and the SLA check alike."""
        proc = {nf.name: nf.processing_latency_ms for nf in self.functions}
        best = dict.fromkeys(proc, math.inf)
        best[source] = proc[source]
        for _ in range(len(proc)):
            changed = False
            for vl in self.links:
                ms = route_ms.get(vl.name, math.inf)
                for a, b in ((vl.a, vl.b), (vl.b, vl.a)):
                    if best[a] + ms + proc[b] < best[b] - 1e-12:
                        best[b] = best[a] + ms + proc[b]
                        changed = True
            if not changed:
                break
        return best[target]

    @property
    def total_demand(self) -> Resources:
        total = Resources()
        for nf in self.functions:
            total = total + nf.demand
        return total
