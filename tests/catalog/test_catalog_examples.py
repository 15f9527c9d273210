"""The shipped example templates load into the SliceRequests they describe."""

from __future__ import annotations

from pathlib import Path

import pytest

from nfvo.catalog import example_names, load_template, validate_template
from nfvo.domain import (
    Domain,
    Isolation,
    LatencyBudget,
    Resources,
    SiteRole,
    SliceRequest,
    SliceType,
    TemplateError,
    VirtualLink,
)
from nfvo.resources import example_template, models_dir

CONTROL_PLANE_LINKS = {("n2", "gnb", "amf"), ("n11", "amf", "smf"), ("n4", "smf", "upf")}


def _demands(request: SliceRequest) -> dict[str, Resources]:
    return {nf.name: nf.demand for nf in request.functions}


def test_example_names_lists_the_shipped_templates() -> None:
    assert example_names() == ["embb", "mmtc", "urllc"]


@pytest.mark.parametrize("name", ["embb", "urllc", "mmtc"])
def test_every_example_validates_cleanly(name: str) -> None:
    assert validate_template(example_template(name)) == []


@pytest.mark.parametrize("name", ["embb", "urllc", "mmtc"])
def test_examples_share_the_slice_graph(name: str) -> None:
    request = load_template(example_template(name))
    assert request.template == name
    assert [nf.name for nf in request.functions] == ["gnb", "upf", "amf", "smf"]
    assert [nf.kind for nf in request.functions] == ["gNB", "UPF", "AMF", "SMF"]
    gnb, upf, amf, smf = request.functions
    assert gnb.domain is Domain.RAN and gnb.allowed_roles == {SiteRole.CELL} and gnb.pinned_site == "cell-1"
    assert upf.domain is Domain.CORE and upf.allowed_roles == {
        SiteRole.EDGE,
        SiteRole.REGIONAL,
        SiteRole.CORE,
    }
    assert amf.allowed_roles == smf.allowed_roles == {SiteRole.REGIONAL, SiteRole.CORE}
    assert all(nf.pinned_site is None for nf in (upf, amf, smf))
    links = {(vl.name, vl.a, vl.b) for vl in request.links}
    assert links == {("n3", "gnb", "upf"), *CONTROL_PLANE_LINKS}
    user_plane = request.sla.latency_budgets[0]
    assert (user_plane.name, user_plane.source, user_plane.target) == ("user-plane-latency", "gnb", "upf")
    # The N3 link reserves the promised throughput (both come from one input).
    assert next(vl for vl in request.links if vl.name == "n3").bandwidth_mbps == request.sla.throughput_mbps


def test_embb_has_a_big_upf_and_a_wide_user_plane() -> None:
    request = load_template(example_template("embb"))
    assert _demands(request) == {
        "gnb": Resources(3.0, 6.0),
        "upf": Resources(16.0, 32.0),
        "amf": Resources(4.0, 8.0),
        "smf": Resources(2.0, 4.0),
    }
    assert request.sla.slice_type is SliceType.EMBB
    assert request.sla.latency_budgets == (LatencyBudget("user-plane-latency", "gnb", "upf", 20.0),)
    assert request.sla.throughput_mbps == 2000.0
    assert request.sla.max_ues == 5000
    assert request.sla.isolation is Isolation.SHARED
    assert VirtualLink("n3", "gnb", "upf", 2000.0) in request.links
    assert request.inputs == {
        "cell_site": "cell-1",
        "throughput_mbps": 2000.0,
        "max_ues": 5000,
        "user_plane_budget_ms": 20.0,
    }


def test_urllc_has_a_small_upf_and_tight_budgets() -> None:
    request = load_template(example_template("urllc"))
    assert _demands(request)["upf"] == Resources(4.0, 8.0)
    assert request.sla.slice_type is SliceType.URLLC
    assert request.sla.isolation is Isolation.DEDICATED
    assert request.sla.latency_budgets == (
        LatencyBudget("user-plane-latency", "gnb", "upf", 2.0),
        LatencyBudget("control-plane-latency", "gnb", "amf", 10.0),
    )
    processing = {nf.name: nf.processing_latency_ms for nf in request.functions}
    assert processing == {"gnb": 0.2, "upf": 0.2, "amf": 0.5, "smf": 0.5}


def test_mmtc_has_many_ues_and_little_bandwidth() -> None:
    request = load_template(example_template("mmtc"))
    assert request.sla.slice_type is SliceType.MMTC
    assert request.sla.max_ues == 100_000
    assert request.sla.latency_budgets == (LatencyBudget("user-plane-latency", "gnb", "upf", 50.0),)
    assert next(vl for vl in request.links if vl.name == "n3").bandwidth_mbps == 50.0
    assert _demands(request)["upf"] == Resources(2.0, 4.0)


def test_the_three_gnbs_fit_together_on_one_lab_cell_site() -> None:
    # All three examples default to cell-1 (8 vCPU, 16 GB in the lab substrate).
    total = Resources()
    for name in ("embb", "urllc", "mmtc"):
        total = total + load_template(example_template(name)).function("gnb").demand
    assert total.fits_in(Resources(8.0, 16.0))


def test_inputs_override_defaults_through_get_input() -> None:
    request = load_template(
        example_template("urllc"),
        {"cell_site": "cell-3", "throughput_mbps": 300.0, "max_ues": 50, "user_plane_budget_ms": 1.5},
    )
    assert request.function("gnb").pinned_site == "cell-3"
    assert request.sla.throughput_mbps == 300.0
    assert request.sla.max_ues == 50
    assert request.sla.latency_budgets[0].max_ms == 1.5  # get_input inside a policy
    assert next(vl for vl in request.links if vl.name == "n3").bandwidth_mbps == 300.0
    assert request.inputs["cell_site"] == "cell-3"
    assert request.inputs["control_plane_budget_ms"] == 10.0  # untouched default


def test_ints_and_command_line_text_are_accepted_for_numbers() -> None:
    # TOSCA's float rejects 300 (NOTES.md); a command line passes everything as text.
    request = load_template(example_template("embb"), {"throughput_mbps": 300, "max_ues": "42"})
    assert request.sla.throughput_mbps == 300.0 and isinstance(request.sla.throughput_mbps, float)
    assert request.sla.max_ues == 42


def test_yaml_text_and_path_give_the_same_request() -> None:
    path = example_template("mmtc")
    inputs = {"cell_site": "cell-2", "max_ues": 1234}
    assert load_template(path.read_text(encoding="utf-8"), inputs) == load_template(path, inputs)


def test_name_argument_wins_over_metadata_and_file_stem(tmp_path: Path) -> None:
    text = example_template("embb").read_text(encoding="utf-8")
    assert load_template(text).template == "embb"  # metadata.template_name
    assert load_template(text, name="tenant-a-video").template == "tenant-a-video"
    profile = models_dir() / "profile" / "nfvo-slice-types.yaml"
    copy = tmp_path / "my-slice.yaml"
    copy.write_text(
        text.replace("  template_name: embb\n", "").replace("../profile/nfvo-slice-types.yaml", str(profile)),
        encoding="utf-8",
    )
    assert load_template(copy).template == "my-slice"  # the file stem


def test_a_tenant_type_derived_from_the_profile_keeps_its_family() -> None:
    text = example_template("embb").read_text(encoding="utf-8")
    text = text.replace(
        "topology_template:",
        "node_types:\n"
        "  acme.nodes.TurboUPF:\n"
        "    derived_from: nfvo.nodes.core.UPF\n"
        "    properties:\n"
        "      turbo: {type: boolean, default: true}\n"
        "  acme.nodes.RadioUnit:\n"
        "    derived_from: nfvo.nodes.ran.RanFunction\n"
        "topology_template:",
        1,
    ).replace("type: nfvo.nodes.core.UPF", "type: acme.nodes.TurboUPF")
    text = text.replace(
        "    amf:\n",
        "    ru:\n      type: acme.nodes.RadioUnit\n      properties: {cpu: 1, memory_gb: 1}\n\n    amf:\n",
    )
    request = load_template(text)
    assert request.function("upf").kind == "UPF"
    ru = request.function("ru")
    assert (ru.kind, ru.domain, ru.demand) == ("RadioUnit", Domain.RAN, Resources(1.0, 1.0))
    assert ru.allowed_roles == {SiteRole.CELL, SiteRole.EDGE}


def test_a_path_given_as_str_is_read_as_yaml_and_says_so() -> None:
    with pytest.raises(TemplateError) as caught:
        load_template(str(example_template("embb")))
    assert "pathlib.Path" in caught.value.diagnostics[0].hint


def test_the_deliberately_infeasible_example_still_loads() -> None:
    # Infeasibility is placement's verdict, not the catalog's.
    request = load_template(Path(__file__).parents[1] / "data" / "templates" / "urllc-impossible.yaml")
    assert request.sla.latency_budgets[0] == LatencyBudget("user-plane-latency", "gnb", "upf", 0.2)
