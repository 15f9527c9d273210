"""Substrates from real topologies (topohub): the documented rule, reproducible, and usable
by every engine."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import networkx as nx
import pytest

from nfvo.catalog import load_template
from nfvo.catalog.topology import (
    FIBRE_MS_PER_KM,
    HOP_MS,
    LINK_GBPS,
    ROLE_CAPACITY,
    assign_roles,
    available,
    load_topology,
    resolve_substrate,
)
from nfvo.domain import Domain, SiteRole, SubstrateError, Usage
from nfvo.placement import check_placement, place
from nfvo.placement.milp import place_milp
from nfvo.resources import example_substrate, example_template


@pytest.fixture(scope="module")
def germany50():  # type: ignore[no-untyped-def]
    return load_topology("sndlib/germany50")


def test_germany50_follows_the_rule(germany50) -> None:  # type: ignore[no-untyped-def]
    assert len(germany50.sites) == 50 and len(germany50.links) == 88
    roles = Counter(site.role for site in germany50.sites)
    assert roles == {SiteRole.CORE: 2, SiteRole.REGIONAL: 8, SiteRole.EDGE: 15, SiteRole.CELL: 25}
    for site in germany50.sites:
        capacity, price = ROLE_CAPACITY[site.role]
        assert (site.capacity, site.cost_per_cpu) == (capacity, price)
    # Aachen—Koeln is 61.63 km in SNDlib: 0.308 ms of fibre plus one hop.
    link = germany50.link("aachen", "koeln")
    assert link.latency_ms == pytest.approx(61.63 * FIBRE_MS_PER_KM + HOP_MS, abs=1e-6)
    tiers = [SiteRole.CELL, SiteRole.EDGE, SiteRole.REGIONAL, SiteRole.CORE]
    for link in germany50.links:
        lesser = min(germany50.site(link.a).role, germany50.site(link.b).role, key=tiers.index)
        assert link.capacity_mbps == LINK_GBPS[lesser] * 1000
    assert {c.domain for c in germany50.controllers} == set(Domain)
    assert all(c.host == "127.0.0.1" for c in germany50.controllers)


def test_roles_rank_by_degree_then_centrality() -> None:
    star = nx.star_graph(9)  # node 0 is the hub
    nx.set_edge_attributes(star, 1.0, "latency")
    roles = assign_roles(star)
    assert roles[0] is SiteRole.CORE
    assert Counter(roles.values())[SiteRole.CELL] >= 4


def test_same_seed_same_substrate() -> None:
    assert load_topology("sndlib/geant", seed=3) == load_topology("sndlib/geant", seed=3)


def test_topology_zoo_names_and_zero_length_links() -> None:
    uninett = load_topology("topozoo/Uninett2010")
    assert len(uninett.sites) == 74
    assert len({s.name for s in uninett.sites}) == 74
    # Some links are 0 km in the data: the hop delay remains.
    assert min(link.latency_ms for link in uninett.links) >= HOP_MS


def test_unknown_topology_is_a_substrate_error() -> None:
    with pytest.raises(SubstrateError) as err:
        load_topology("sndlib/germany5")
    assert "did you mean 'sndlib/germany50'" in str(err.value)
    assert "sndlib/germany50" in available("sndlib")


def test_resolver_takes_files_and_topologies() -> None:
    assert resolve_substrate(example_substrate()).name == "metro-lab"
    assert resolve_substrate(str(example_substrate())).name == "metro-lab"
    assert resolve_substrate("topohub:sndlib/geant").name == "sndlib-geant"
    with pytest.raises(SubstrateError):
        resolve_substrate(Path("no/such/file.yaml"))


def test_examples_place_on_germany50_with_both_engines(germany50) -> None:  # type: ignore[no-untyped-def]
    cell = next(s.name for s in germany50.sites if s.role is SiteRole.CELL)
    for name in ("urllc", "embb", "mmtc"):
        request = load_template(example_template(name), {"cell_site": cell})
        heuristic = place(request, germany50)
        exact = place_milp(request, germany50, time_limit_s=30.0)
        for placement in (heuristic, exact):
            assert check_placement(request, germany50, Usage(), placement) == []
        assert exact.cost <= heuristic.cost + 1e-4 * heuristic.cost
