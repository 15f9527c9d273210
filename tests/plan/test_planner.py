"""Placement → per-domain change sets, with undo and demand."""

from __future__ import annotations

from nfvo.domain import (
    SLA,
    BudgetOutcome,
    Controller,
    Domain,
    EditOp,
    LatencyBudget,
    Link,
    NetworkFunction,
    Placement,
    Protocol,
    Resources,
    Route,
    Site,
    SiteRole,
    SliceRequest,
    SliceType,
    Substrate,
    VirtualLink,
    format_path,
)
from nfvo.plan import build_plan

SUBSTRATE = Substrate(
    "s",
    (Site("cell-1", SiteRole.CELL, Resources(8, 16)), Site("edge-1", SiteRole.EDGE, Resources(32, 64))),
    (Link("cell-1", "edge-1", 0.5, 10_000),),
    (
        Controller("ran", Domain.RAN, Protocol.GNMI, "127.0.0.1", 1),
        Controller("tn", Domain.TRANSPORT, Protocol.NETCONF, "127.0.0.1", 2),
        Controller("core", Domain.CORE, Protocol.GNMI, "127.0.0.1", 3),
    ),
)
BUDGET = LatencyBudget("ran-upf", "gnb", "upf", 2.0)
REQUEST = SliceRequest(
    "urllc",
    SLA(SliceType.URLLC, (BUDGET,), 100.0, 50),
    (
        NetworkFunction("gnb", "gNB", Domain.RAN, Resources(2, 4), frozenset({SiteRole.CELL}), "cell-1"),
        NetworkFunction("upf", "UPF", Domain.CORE, Resources(4, 8), frozenset({SiteRole.EDGE})),
    ),
    (VirtualLink("n3", "gnb", "upf", 250.0),),
)
PLACEMENT = Placement(
    {"gnb": "cell-1", "upf": "edge-1"},
    (Route("n3", ("cell-1", "edge-1"), 0.5, 250.0),),
    (BudgetOutcome(BUDGET, 0.5),),
    cost=10,
    engine="test",
)


def test_one_changeset_per_domain_in_safe_order() -> None:
    plan = build_plan("slice-1", "factory", REQUEST, PLACEMENT, SUBSTRATE)
    assert [cs.domain for cs in plan.changesets] == [Domain.TRANSPORT, Domain.CORE, Domain.RAN]
    assert [cs.controller for cs in plan.changesets] == ["tn", "core", "ran"]


def test_edits_undo_and_demand() -> None:
    transport, core, ran = build_plan("slice-1", "factory", REQUEST, PLACEMENT, SUBSTRATE).changesets
    vlink = transport.edits[1]
    assert format_path(vlink.path) == "/slices/slice[name=slice-1]/vlink[id=n3]"
    assert vlink.leaves["hop"] == ("cell-1", "edge-1") and vlink.leaves["bandwidth-mbps"] == 250.0
    assert transport.demand.links_mbps == {"cell-1--edge-1": 250.0}
    assert core.demand.sites == {"edge-1": Resources(4, 8)}
    assert ran.demand.sites == {"cell-1": Resources(2, 4)}
    for cs in (transport, core, ran):
        assert [(e.op, format_path(e.path)) for e in cs.undo] == [
            (EditOp.DELETE, "/slices/slice[name=slice-1]")
        ]
    assert core.edits[0].leaves["sst"] == 2


def test_teardown_reverses_and_inverts() -> None:
    plan = build_plan("slice-1", "factory", REQUEST, PLACEMENT, SUBSTRATE)
    down = plan.teardown()
    assert [cs.domain for cs in down.changesets] == [Domain.RAN, Domain.CORE, Domain.TRANSPORT]
    assert all(e.op is EditOp.DELETE for cs in down.changesets for e in cs.edits)
    assert all(not cs.demand.sites and not cs.demand.links_mbps for cs in down.changesets)
