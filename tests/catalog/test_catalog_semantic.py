"""Checks against a substrate: what no placement could ever satisfy is refused up front."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from nfvo.catalog import load, validate_template
from nfvo.catalog.semantic import physical_minimum, shortest_latencies
from nfvo.domain import Diagnostic, Resources, Substrate
from nfvo.resources import example_template, models_dir

V2X = models_dir() / "templates" / "showcase" / "v2x.yaml"


def _codes(diags: list[Diagnostic]) -> dict[str, Diagnostic]:
    return {d.code: d for d in diags}


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.mark.parametrize("path", [*(example_template(n) for n in ("embb", "urllc", "mmtc")), V2X], ids=str)
def test_the_examples_fit_the_lab(path: Path, lab_substrate: Substrate) -> None:
    assert validate_template(path, substrate=lab_substrate) == []


def test_shortest_latencies_follow_the_lab_links(lab_substrate: Substrate) -> None:
    dist = shortest_latencies(lab_substrate)
    assert dist["cell-1"]["cell-1"] == 0.0
    assert dist["cell-1"]["edge-1"] == 0.5
    assert dist["cell-1"]["regional-1"] == pytest.approx(3.0)
    assert dist["cell-3"]["core-1"] == pytest.approx(0.6 + 2.5 + 5.0)


def test_physical_minimum_of_the_urllc_user_plane(lab_substrate: Substrate) -> None:
    # gNB at cell-1, UPF at best on edge-1 (0.5 ms away), 0.2 + 0.2 ms processing.
    request = load(example_template("urllc")).request
    budget = request.sla.latency_budgets[0]
    assert physical_minimum(
        request, budget, lab_substrate, shortest_latencies(lab_substrate)
    ) == pytest.approx(0.9)


def test_a_budget_below_the_physical_minimum_is_refused_at_its_line(lab_substrate: Substrate) -> None:
    text = example_template("urllc").read_text(encoding="utf-8")
    diags = validate_template(text, {"user_plane_budget_ms": 0.8}, substrate=lab_substrate)
    diag = _codes(diags)["budget-below-physical-minimum"]
    assert "0.9" in diag.message and "0.9" in diag.hint
    assert diag.path == "topology_template.policies[1].user-plane-latency.properties.max_ms"
    assert diag.line == _line_of(text, "max_ms: { get_input: user_plane_budget_ms }")
    # Without a substrate the same template is valid: feasibility needs a substrate.
    assert validate_template(text, {"user_plane_budget_ms": 0.8}) == []


def test_a_chain_budget_is_checked_too(lab_substrate: Substrate) -> None:
    diags = validate_template(V2X, {"user_plane_budget_ms": 1.0}, substrate=lab_substrate)
    assert "user-plane-chain" in _codes(diags)["budget-below-physical-minimum"].message


def test_demand_that_no_site_can_host(lab_substrate: Substrate) -> None:
    # 200 Gbit/s of traffic: the UPF needs 2 + 3 x 200 vCPU, more than any site (core-1: 512).
    diags = validate_template(
        V2X,
        {"dl_throughput_mbps": 100000.0, "ul_throughput_mbps": 100000.0},
        substrate=lab_substrate,
    )
    diag = _codes(diags)["demand-exceeds-sites"]
    assert "'upf'" in diag.message and "core-1" in diag.message
    assert diag.path == "topology_template.node_templates.upf.properties.cpu"


def test_unknown_sites_and_roles_the_substrate_lacks(lab_substrate: Substrate) -> None:
    diags = _codes(
        validate_template(example_template("urllc"), {"cell_site": "cell-9"}, substrate=lab_substrate)
    )
    assert "cell-9" in diags["unknown-site"].message
    no_edge = dataclasses.replace(
        lab_substrate, sites=tuple(s for s in lab_substrate.sites if s.role.value != "edge")
    )
    no_edge = dataclasses.replace(
        no_edge, links=tuple(link for link in no_edge.links if "edge" not in link.a + link.b)
    )
    diags = _codes(validate_template(V2X, substrate=no_edge))
    assert "'cu'" in diags["no-site-for-function"].message


def test_anti_affinity_needs_enough_sites(lab_substrate: Substrate) -> None:
    one_core = dataclasses.replace(
        lab_substrate, sites=tuple(s for s in lab_substrate.sites if s.name != "regional-1")
    )
    diags = _codes(validate_template(V2X, substrate=one_core))
    assert "control-plane-apart" in diags["anti-affinity-impossible"].message


def test_coverage_names_cells_of_the_substrate(lab_substrate: Substrate) -> None:
    text = (
        V2X.read_text(encoding="utf-8")
        .replace("../../profile/", "../profile/")
        .replace("coverage_cell_sites: [cell-1]", "coverage_cell_sites: [cell-1, cell-7]")
    )
    diag = _codes(validate_template(text, substrate=lab_substrate))["unknown-site"]
    assert "cell-7" in diag.message and diag.line == _line_of(text, "coverage_cell_sites")


def test_a_tiny_site_cannot_host_a_pinned_gnb(lab_substrate: Substrate) -> None:
    tiny = dataclasses.replace(
        lab_substrate,
        sites=tuple(
            dataclasses.replace(s, capacity=Resources(1.0, 1.0)) if s.name == "cell-1" else s
            for s in lab_substrate.sites
        ),
    )
    assert "demand-exceeds-sites" in _codes(validate_template(example_template("embb"), substrate=tiny))
