"""The slice requests of the placement benchmark: the three example templates (through the
catalog, pinned to a cell site drawn at random) and a 10-function 5G core slice built
directly, for the "10 functions on ~200 nodes" timing."""

from __future__ import annotations

from nfvo.domain import (
    SLA,
    Domain,
    LatencyBudget,
    NetworkFunction,
    Resources,
    SiteRole,
    SliceRequest,
    SliceType,
    VirtualLink,
)

DC = frozenset({SiteRole.EDGE, SiteRole.REGIONAL, SiteRole.CORE})
EDGE = frozenset({SiteRole.EDGE})
CENTRAL = frozenset({SiteRole.REGIONAL, SiteRole.CORE})


def ten_function_slice(cell: str, *, upf_budget_ms: float = 2.0) -> SliceRequest:
    """gNB (pinned) → edge UPF → central UPF → app server, with a 5G control plane
    (AMF, SMF, PCF, UDM, AUSF) and a CU; three latency budgets."""

    def nf(
        name: str,
        kind: str,
        cpu: float,
        roles: frozenset[SiteRole],
        proc: float = 0.0,
        pin: str | None = None,
        domain: Domain = Domain.CORE,
    ) -> NetworkFunction:
        return NetworkFunction(name, kind, domain, Resources(cpu, 2 * cpu), roles, pin, proc)

    functions = (
        nf("gnb", "gNB", 2, frozenset({SiteRole.CELL}), 0.2, cell, Domain.RAN),
        nf("cu", "CU", 2, frozenset({SiteRole.CELL, SiteRole.EDGE}), 0.1, None, Domain.RAN),
        nf("upf-edge", "UPF", 4, EDGE, 0.1),
        nf("upf-core", "UPF", 8, CENTRAL, 0.1),
        nf("app", "MEC", 4, DC, 0.5),
        nf("amf", "AMF", 2, CENTRAL, 0.5),
        nf("smf", "SMF", 2, CENTRAL, 0.5),
        nf("pcf", "PCF", 1, CENTRAL),
        nf("udm", "UDM", 1, CENTRAL),
        nf("ausf", "AUSF", 1, CENTRAL),
    )
    links = (
        VirtualLink("f1", "gnb", "cu", 300),
        VirtualLink("n3", "cu", "upf-edge", 300),
        VirtualLink("n9", "upf-edge", "upf-core", 200),
        VirtualLink("n6", "upf-edge", "app", 100),
        VirtualLink("n2", "cu", "amf", 10),
        VirtualLink("n11", "amf", "smf", 10),
        VirtualLink("n4", "smf", "upf-edge", 10),
        VirtualLink("n4b", "smf", "upf-core", 10),
        VirtualLink("n7", "smf", "pcf", 5),
        VirtualLink("n8", "amf", "udm", 5),
        VirtualLink("n12", "amf", "ausf", 5),
    )
    budgets = (
        LatencyBudget("user-plane", "gnb", "upf-edge", upf_budget_ms),
        LatencyBudget("app", "gnb", "app", 5.0),
        LatencyBudget("control", "gnb", "amf", 15.0),
    )
    return SliceRequest("ten-nf", SLA(SliceType.URLLC, budgets), functions, links)
