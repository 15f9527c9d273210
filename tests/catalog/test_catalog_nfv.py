"""Templates in tosca-parser's NFV profile become slice graphs by the documented mapping."""

from __future__ import annotations

from pathlib import Path

import pytest

from nfvo.catalog import analyse, load
from nfvo.catalog.nfv import gigabytes
from nfvo.catalog.profile import PlacementRule, RuleKind, SourceFormat
from nfvo.domain import Domain, Resources, VirtualLink

CHAIN = Path(__file__).parents[1] / "data" / "templates" / "nfv-chain.yaml"


def test_vdus_vls_cps_fp_and_placement_policy_map() -> None:
    loaded = load(CHAIN)
    request = loaded.request
    assert loaded.source_format is SourceFormat.NFV
    assert request.template == "firewall-chain"
    assert {nf.name: nf.demand for nf in request.functions} == {
        "fw": Resources(4.0, 4.096),  # num_cpus from an input, 4096 MB
        "upf-vdu": Resources(2.0, 2.0),
        "probe": Resources(1.0, 1.0),  # nothing given: assumed (and noted)
    }
    assert request.function("upf-vdu").kind == "UPF"  # named after a 5G function
    assert request.function("fw").kind == "VDU" and request.function("fw").domain is Domain.CORE
    assert set(request.links) == {
        VirtualLink("VL1", "fw", "upf-vdu", 10.0),
        VirtualLink("VL2", "upf-vdu", "probe", 10.0),
    }
    assert loaded.profile.forwarding_paths == (("path", ("fw", "upf-vdu")),)
    assert loaded.profile.rules == (PlacementRule("apart", RuleKind.ANTI_AFFINITY, ("fw", "upf-vdu")),)
    assert any("probe" in n and "1 vCPU" in n for n in loaded.notes)


def test_inputs_reach_vdu_capabilities() -> None:
    assert load(CHAIN, {"fw_cpus": 8}).request.function("fw").demand.cpu == 8.0


def test_a_forwarder_that_is_no_cp_is_reported() -> None:
    text = CHAIN.read_text(encoding="utf-8").replace("{forwarder: CP3}", "{forwarder: CP9}")
    diags = analyse(text).diagnostics
    diag = next(d for d in diags if d.code == "unknown-forwarder")
    assert "CP9" in diag.message and diag.path.endswith("requirements[2].forwarder")


def test_a_flavor_name_gives_the_demand() -> None:
    text = CHAIN.read_text(encoding="utf-8").replace(
        "policy_types:",
        "node_types:\n  acme.VDU:\n    derived_from: tosca.nodes.nfv.VDU\n"
        "    properties:\n      flavor: {type: string}\npolicy_types:",
    )
    text = text.replace(
        "    probe:\n      type: tosca.nodes.nfv.VDU\n",
        "    probe:\n      type: acme.VDU\n      properties: {flavor: m1.large}\n",
    )
    assert load(text).request.function("probe").demand == Resources(4.0, 8.0)


@pytest.mark.parametrize(
    ("text", "gb"),
    [
        ("512 MB", 0.512),
        ("2 GB", 2.0),
        ("1 GiB", 2**30 / 1e9),
        ("4096 MiB", 4096 * 2**20 / 1e9),
        ("1.5 TB", 1500.0),
    ],
)
def test_scalar_sizes(text: str, gb: float) -> None:
    assert gigabytes(text) == pytest.approx(gb)


def test_not_a_size() -> None:
    assert gigabytes("lots") is None and gigabytes("12 parsecs") is None


def test_a_template_without_vdus_is_refused() -> None:
    text = (
        "tosca_definitions_version: tosca_simple_profile_for_nfv_1_0_0\n"
        "topology_template:\n  node_templates:\n    VL1:\n      type: tosca.nodes.nfv.VL\n"
        "      properties: {vendor: acme}\n"
    )
    assert [d.code for d in analyse(text).diagnostics] == ["no-functions"]
