"""The first-fit baseline: first allowed site with room, no search."""

from __future__ import annotations

import pytest
from placement_builders import chain, five_nf, gnb_upf

from nfvo.domain import InfeasibleError, Resources, Usage
from nfvo.placement import check_placement, first_fit, place


def test_takes_the_first_site_in_substrate_order() -> None:
    placement = first_fit(gnb_upf(10.0), chain())
    assert placement.assignments == {"gnb": "cell-1", "upf": "edge-1"}
    assert placement.engine == "first-fit"
    assert check_placement(gnb_upf(10.0), chain(), Usage(), placement) == []
    # The heuristic finds the cheaper core site for the same request.
    assert place(gnb_upf(10.0), chain()).cost < placement.cost


def test_skips_full_sites_and_reports_missed_budgets() -> None:
    held = Usage({"edge-1": Resources(16, 0)})
    assert first_fit(gnb_upf(10.0), chain(), held).assignments["upf"] == "regional-1"
    with pytest.raises(InfeasibleError) as err:
        first_fit(gnb_upf(1.0), chain(), held)
    assert err.value.blocking.kind == "latency-budget"
    assert err.value.blocking.best_achievable == pytest.approx(3.0)


def test_capacity_and_bandwidth_failures() -> None:
    with pytest.raises(InfeasibleError) as err:
        first_fit(gnb_upf(10.0, upf_cpu=100), chain())
    assert err.value.blocking.kind == "site-capacity"
    with pytest.raises(InfeasibleError) as err:
        first_fit(gnb_upf(10.0, bandwidth=100), chain(bandwidth=10))
    assert err.value.blocking.kind == "link-bandwidth"


def test_five_functions() -> None:
    request = five_nf(10.0)
    placement = first_fit(request, chain())
    assert check_placement(request, chain(), Usage(), placement) == []
