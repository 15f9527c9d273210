"""Small substrates and slices for the placement tests (built directly, no files)."""

from __future__ import annotations

from collections.abc import Iterable

from nfvo.domain import (
    SLA,
    Controller,
    Domain,
    LatencyBudget,
    Link,
    NetworkFunction,
    Protocol,
    Resources,
    Site,
    SiteRole,
    SliceRequest,
    SliceType,
    Substrate,
    VirtualLink,
)

CONTROLLERS = (
    Controller("ran-ctl", Domain.RAN, Protocol.NETCONF, "127.0.0.1", 8300),
    Controller("transport-ctl", Domain.TRANSPORT, Protocol.GNMI, "127.0.0.1", 8301),
    Controller("core-ctl", Domain.CORE, Protocol.NETCONF, "127.0.0.1", 8302),
)


def chain(
    *,
    edge_cpu: float = 16.0,
    regional_cpu: float = 32.0,
    core_cpu: float = 64.0,
    bandwidth: float = 10_000.0,
    extra_links: Iterable[Link] = (),
    extra_sites: Iterable[Site] = (),
) -> Substrate:
    """cell-1 —0.5 ms— edge-1 —2.5 ms— regional-1 —5 ms— core-1, dearer towards the cell."""
    sites = (
        Site("cell-1", SiteRole.CELL, Resources(8, 16), cost_per_cpu=4.0),
        Site("edge-1", SiteRole.EDGE, Resources(edge_cpu, 64), cost_per_cpu=3.0),
        Site("regional-1", SiteRole.REGIONAL, Resources(regional_cpu, 128), cost_per_cpu=2.0),
        Site("core-1", SiteRole.CORE, Resources(core_cpu, 256), cost_per_cpu=1.0),
        *extra_sites,
    )
    links = (
        Link("cell-1", "edge-1", 0.5, bandwidth),
        Link("edge-1", "regional-1", 2.5, bandwidth),
        Link("regional-1", "core-1", 5.0, bandwidth),
        *extra_links,
    )
    return Substrate("chain", sites, links, CONTROLLERS)


DC_ROLES = frozenset({SiteRole.EDGE, SiteRole.REGIONAL, SiteRole.CORE})


def gnb_upf(
    budget_ms: float | None,
    *,
    upf_cpu: float = 4.0,
    bandwidth: float = 100.0,
    gnb_proc: float = 0.0,
    upf_proc: float = 0.0,
) -> SliceRequest:
    """A gNB pinned to cell-1 and a UPF anywhere in a data centre, with one N3 link."""
    gnb = NetworkFunction(
        "gnb",
        "gNB",
        Domain.RAN,
        Resources(2, 4),
        frozenset({SiteRole.CELL}),
        pinned_site="cell-1",
        processing_latency_ms=gnb_proc,
    )
    upf = NetworkFunction(
        "upf", "UPF", Domain.CORE, Resources(upf_cpu, 8), DC_ROLES, processing_latency_ms=upf_proc
    )
    budgets = () if budget_ms is None else (LatencyBudget("gnb-to-upf", "gnb", "upf", budget_ms),)
    return SliceRequest(
        template="gnb-upf",
        sla=SLA(SliceType.URLLC, budgets),
        functions=(gnb, upf),
        links=(VirtualLink("n3", "gnb", "upf", bandwidth),),
    )


def five_nf(budget_ms: float = 4.0) -> SliceRequest:
    """gNB, UPF, SMF, AMF and an app behind the UPF: five functions, one tight and one loose budget."""
    gnb = NetworkFunction(
        "gnb",
        "gNB",
        Domain.RAN,
        Resources(2, 4),
        frozenset({SiteRole.CELL}),
        pinned_site="cell-1",
        processing_latency_ms=0.1,
    )
    upf = NetworkFunction("upf", "UPF", Domain.CORE, Resources(4, 8), DC_ROLES, processing_latency_ms=0.05)
    smf = NetworkFunction("smf", "SMF", Domain.CORE, Resources(2, 4), DC_ROLES)
    amf = NetworkFunction("amf", "AMF", Domain.CORE, Resources(2, 4), DC_ROLES)
    app = NetworkFunction("app", "MEC", Domain.CORE, Resources(4, 8), DC_ROLES, processing_latency_ms=0.2)
    links = (
        VirtualLink("n3", "gnb", "upf", 500),
        VirtualLink("n4", "upf", "smf", 10),
        VirtualLink("n11", "smf", "amf", 10),
        VirtualLink("n2", "gnb", "amf", 10),
        VirtualLink("n6", "upf", "app", 400),
    )
    budgets = (
        LatencyBudget("user-plane", "gnb", "app", budget_ms),
        LatencyBudget("control", "gnb", "smf", 30.0),
    )
    return SliceRequest("five", SLA(SliceType.URLLC, budgets), (gnb, upf, smf, amf, app), links)
