"""The capacity study: Poisson arrivals, exponential holding, blocking and utilisation."""

from __future__ import annotations

import json
import math

import pytest

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
from nfvo.placement import place
from simulator.study import MixEntry, format_study, run_study

CTL = (Controller("core-ctl", Domain.CORE, Protocol.NETCONF, "h", 1),)


def erlang_b(servers: int, load: float) -> float:
    """Erlang-B blocking by the stable recursion B(n) = A·B(n-1) / (n + A·B(n-1))."""
    b = 1.0
    for n in range(1, servers + 1):
        b = load * b / (n + load * b)
    return b


def one_site(cpu: float) -> Substrate:
    return Substrate("one-site", (Site("core-1", SiteRole.CORE, Resources(cpu, 1e6)),), (), CTL)


def unit_slice(slice_type: SliceType = SliceType.MMTC) -> SliceRequest:
    nf = NetworkFunction("app", "X", Domain.CORE, Resources(1, 1), frozenset({SiteRole.CORE}))
    return SliceRequest("unit", SLA(slice_type), (nf,), ())


def two_domain(cell_cpu: float = 8, core_cpu: float = 64, mbps: float = 1000) -> Substrate:
    return Substrate(
        "two-domain",
        (Site("cell-1", SiteRole.CELL, Resources(cell_cpu, 64)),
         Site("core-1", SiteRole.CORE, Resources(core_cpu, 512))),
        (Link("cell-1", "core-1", 2.0, mbps),),
        CTL,
    )


def ran_core_slice(slice_type: SliceType, cpu: float, mbps: float) -> SliceRequest:
    gnb = NetworkFunction("gnb", "gNB", Domain.RAN, Resources(1, 1), frozenset({SiteRole.CELL}), "cell-1")
    upf = NetworkFunction("upf", "UPF", Domain.CORE, Resources(cpu, 2), frozenset({SiteRole.CORE}))
    return SliceRequest(f"{slice_type.value}-slice",
                        SLA(slice_type, (LatencyBudget("n3", "gnb", "upf", 5.0),)),
                        (gnb, upf), (VirtualLink("n3", "gnb", "upf", mbps),))


def test_no_blocking_with_huge_capacity() -> None:
    mix = [MixEntry(ran_core_slice(SliceType.EMBB, 2, 50), 10, 1.0),
           MixEntry(ran_core_slice(SliceType.URLLC, 1, 10), 5, 0.5)]
    result = run_study(two_domain(1e6, 1e6, 1e9), mix, place, arrivals=300)
    assert result.overall.offered == 300 and result.overall.blocked == 0
    assert {t.slice_type for t in result.per_type} == {"eMBB", "URLLC"}
    assert sum(t.offered for t in result.per_type) == 300
    assert result.by_type("eMBB").offered > result.by_type("URLLC").offered  # twice the rate
    assert result.by_type("URLLC").ci95 == (0.0, 0.0)
    assert result.blocked_by == ()


def test_single_resource_matches_erlang_b() -> None:
    servers, load = 5, 4.0
    result = run_study(one_site(servers), [MixEntry(unit_slice(), load, 1.0)], place, arrivals=4000, seed=0)
    expected = erlang_b(servers, load)
    assert expected == pytest.approx(0.1991, abs=1e-4)
    assert result.overall.blocking == pytest.approx(expected, abs=0.04)
    low, high = result.overall.ci95
    assert low < result.overall.blocking < high
    # Carried load over capacity: A(1 - B) / c.
    assert result.domain("CORE").mean == pytest.approx(load * (1 - expected) / servers, abs=0.05)
    assert result.domain("CORE").peak == 1.0
    assert result.blocked_by == (("site-capacity", result.overall.blocked),)
    assert result.simulated_hours == pytest.approx(4000 / load, rel=0.1)


def test_same_seed_same_result_and_another_seed_differs() -> None:
    mix = [MixEntry(ran_core_slice(SliceType.EMBB, 4, 200), 6, 1.0),
           MixEntry(ran_core_slice(SliceType.URLLC, 2, 100), 3, 2.0)]
    runs = [run_study(two_domain(), mix, place, arrivals=400, seed=s).to_dict() for s in (7, 7, 8)]
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]


def test_more_capacity_blocks_less() -> None:
    mix = [MixEntry(unit_slice(), 6.0, 1.0)]
    blocking = [run_study(one_site(c), mix, place, arrivals=1500, seed=1).overall.blocking for c in (3, 6, 9)]
    assert blocking[0] > blocking[1] > blocking[2]


def test_utilisation_per_domain_and_report() -> None:
    mix = [MixEntry(ran_core_slice(SliceType.EMBB, 4, 200), 6, 1.0),
           MixEntry(ran_core_slice(SliceType.URLLC, 2, 100), 3, 2.0)]
    result = run_study(two_domain(cell_cpu=8, core_cpu=64, mbps=1000), mix, place, arrivals=500, seed=2)
    ran, core, transport = (result.domain(d) for d in ("RAN", "CORE", "TRANSPORT"))
    assert ran.capacity == 8 and core.capacity == 64 and transport.capacity == 1000
    for u in (ran, core, transport):
        assert 0.0 < u.mean <= u.peak <= 1.0 + 1e-9
    # Offered load: 6*1 + 3*2 = 12 gNBs of 1 vCPU on 8 vCPU at the cell: the RAN blocks.
    assert result.overall.blocking > 0.1
    assert ran.peak == 1.0
    assert dict(result.blocked_by).keys() <= {"site-capacity", "link-bandwidth"}
    data = json.loads(json.dumps(result.to_dict()))
    assert data["overall"]["offered"] == 500
    assert math.isclose(data["utilisation"][0]["mean"], ran.mean)
    text = format_study(result)
    assert "eMBB" in text and "URLLC" in text and "TRANSPORT" in text and "95% CI" in text
    assert "blocked by:" in text


def test_rejects_an_empty_mix() -> None:
    with pytest.raises(ValueError, match="offers nothing"):
        run_study(one_site(1), [MixEntry(unit_slice(), 0.0, 1.0)], place)
