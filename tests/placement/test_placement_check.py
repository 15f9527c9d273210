"""The independent checker accepts what the engines produce and rejects hand-broken placements."""

from __future__ import annotations

from dataclasses import replace

import pytest
from placement_builders import chain, five_nf, gnb_upf

from nfvo.domain import BudgetOutcome, Placement, Resources, Route, Usage
from nfvo.placement import achieved_latency, check_placement, place


@pytest.fixture
def good() -> Placement:
    return place(gnb_upf(3.5), chain())  # upf at regional-1 over cell-1, edge-1, regional-1


def _problems(placement: Placement, usage: Usage | None = None, budget_ms: float = 3.5) -> list[str]:
    return check_placement(gnb_upf(budget_ms), chain(), usage or Usage(), placement)


def test_accepts_a_heuristic_placement(good: Placement) -> None:
    assert _problems(good) == []


def test_rejects_a_wrong_role(good: Placement) -> None:
    broken = replace(good, assignments={"gnb": "edge-1", "upf": "regional-1"})
    found = _problems(broken)
    assert any("role edge" in p for p in found)
    assert any("pinned to cell-1" in p for p in found)


def test_rejects_over_capacity(good: Placement) -> None:
    held = Usage({"regional-1": Resources(30, 0)})  # 2 vCPU left, the UPF needs 4
    assert any("site regional-1" in p for p in _problems(good, held))


def test_rejects_over_bandwidth(good: Placement) -> None:
    held = Usage(links_mbps={"edge-1--regional-1": 9_950})
    assert any("link edge-1--regional-1" in p for p in _problems(good, held))


def test_rejects_a_broken_route(good: Placement) -> None:
    hop = replace(good, routes=(Route("n3", ("cell-1", "regional-1"), 3.0, 100.0),))
    assert any("no link between cell-1 and regional-1" in p for p in _problems(hop))
    wrong_end = replace(good, routes=(Route("n3", ("cell-1", "edge-1"), 0.5, 100.0),))
    assert any("runs cell-1 → edge-1" in p for p in _problems(wrong_end))
    bad_latency = replace(good, routes=(Route("n3", ("cell-1", "edge-1", "regional-1"), 1.0, 100.0),))
    assert any("its links add up to 3.000 ms" in p for p in _problems(bad_latency))
    missing = replace(good, routes=())
    assert any("has 0 routes" in p for p in _problems(missing))
    looping = ("cell-1", "edge-1", "cell-1", "edge-1", "regional-1")
    loop = replace(good, routes=(Route("n3", looping, 4.0, 100),))
    assert any("visits a site twice" in p for p in _problems(loop))


def test_rejects_a_violated_budget(good: Placement) -> None:
    found = _problems(good, budget_ms=2.0)
    assert any("takes 3.000 ms, more than 2.000 ms" in p for p in found)
    lying = replace(good, budgets=(BudgetOutcome(good.budgets[0].budget, 1.0),))
    assert any("reported 1.000 ms, recomputed 3.000 ms" in p for p in _problems(lying))


def test_latency_takes_the_best_slice_path() -> None:
    request = five_nf(4.0)
    placement = place(request, chain())
    # control budget gnb → smf: either via upf (n3, n4) or via amf (n2, n11); the minimum counts.
    via_upf = 0.1 + placement.route("n3").latency_ms + 0.05 + placement.route("n4").latency_ms
    via_amf = 0.1 + placement.route("n2").latency_ms + placement.route("n11").latency_ms
    assert achieved_latency(request, placement, "gnb", "smf") == pytest.approx(min(via_upf, via_amf))
