"""What a template says beyond what the domain's SliceRequest can hold yet.

The domain (nfvo.domain.slice) holds the slice graph, the latency budgets, throughput, UEs
and slice-wide isolation. A template in the nfvo profile says more: the rest of the service
level (jitter, per-UE throughput, availability, coverage, ...) and placement policies
(affinity, anti-affinity, sharing, per-function isolation, chain budgets, link QoS). The
catalog parses and checks all of it and hands it back next to the request, in a
`SliceProfile`, so that nothing written is silently dropped; placement can adopt each part
when the domain grows a field for it (docs/catalog.md lists them). Affinity, anti-affinity
and per-function isolation have been adopted: the request carries them too
(`SliceRequest.rules`, `NetworkFunction.isolation`), and every placement engine honours them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from nfvo.domain import Isolation, PlacementRule, RuleKind, SliceRequest, SliceType

# Affinity and anti-affinity now live in the domain (SliceRequest.rules); re-exported here
# for the catalog's own modules and tests.
__all__ = [
    "ChainBudget",
    "LinkQoS",
    "LoadedTemplate",
    "PlacementRule",
    "RuleKind",
    "ServiceLevel",
    "Sharing",
    "SliceProfile",
    "SourceFormat",
]


class SourceFormat(enum.StrEnum):
    NFVO = "nfvo"  # the nfvo slice profile (models/profile)
    NFV = "tosca-nfv"  # tosca-parser's NFV profile (VNF, VDU, CP, VL, FP)


@dataclass(frozen=True)
class ServiceLevel:
    """The SLA attributes of a slice (after GSMA NEST ideas, our own definitions)."""

    slice_type: SliceType
    throughput_mbps: float = 0.0  # the slice throughput T (see the profile's header)
    max_ues: int = 0
    isolation: Isolation = Isolation.SHARED
    e2e_latency_ms: float | None = None
    jitter_ms: float | None = None
    dl_throughput_mbps: float | None = None
    ul_throughput_mbps: float | None = None
    dl_throughput_per_ue_mbps: float | None = None
    ul_throughput_per_ue_mbps: float | None = None
    max_pdu_sessions: int | None = None
    availability_percent: float | None = None
    activity_factor_percent: float = 100.0
    coverage_cell_sites: tuple[str, ...] = ()
    coverage_tracking_areas: tuple[str, ...] = ()

    @property
    def active_ues(self) -> float:
        return self.max_ues * self.activity_factor_percent / 100.0


@dataclass(frozen=True)
class ChainBudget:
    """A budget along a chain; the request carries it as one LatencyBudget from the chain's
    first to its last function (the domain measures the best path between them, which is
    this chain whenever the slice graph offers no shortcut)."""

    name: str
    chain: tuple[str, ...]
    max_ms: float


@dataclass(frozen=True)
class Sharing:
    name: str
    functions: tuple[str, ...]
    shared_with: tuple[str, ...] = ()  # slice templates; empty = any slice
    instance: str | None = None


@dataclass(frozen=True)
class LinkQoS:
    link: str
    max_latency_ms: float | None = None
    isolation: Isolation = Isolation.SHARED


@dataclass(frozen=True)
class SliceProfile:
    service: ServiceLevel | None = None
    chains: tuple[ChainBudget, ...] = ()
    rules: tuple[PlacementRule, ...] = ()
    sharing: tuple[Sharing, ...] = ()
    # Per-function isolation: every function named by an Isolation policy (else the slice's).
    isolation: tuple[tuple[str, Isolation], ...] = ()
    links: tuple[LinkQoS, ...] = ()
    # Forwarding paths of an NFV template (functions in order), kept for display.
    forwarding_paths: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class LoadedTemplate:
    """A loaded template: the request, what the domain cannot hold yet, and notes on the
    mapping (defaults assumed, elements ignored) that are not problems."""

    request: SliceRequest
    profile: SliceProfile = field(default_factory=SliceProfile)
    notes: tuple[str, ...] = ()
    source_format: SourceFormat = SourceFormat.NFVO
