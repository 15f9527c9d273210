"""The slice profile: SLA attributes, demands that follow the SLA, chain budgets and the
placement policies, each loaded into the request or its SliceProfile, and each misuse
reported at its line."""

from __future__ import annotations

import pytest

from nfvo.catalog import load, load_template, validate_template
from nfvo.catalog.profile import ChainBudget, PlacementRule, RuleKind, Sharing
from nfvo.domain import Diagnostic, Isolation, LatencyBudget, Resources, SiteRole, SliceType
from nfvo.resources import example_template, models_dir

V2X = models_dir() / "templates" / "showcase" / "v2x.yaml"


def _v2x() -> str:
    # As text, imports resolve against models/templates (as for an upload).
    return V2X.read_text(encoding="utf-8").replace("../../profile/", "../profile/")


def _codes(text: str, inputs: dict[str, object] | None = None) -> dict[str, Diagnostic]:
    return {d.code: d for d in validate_template(text, inputs)}


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_v2x_example_holds_every_sla_attribute() -> None:
    loaded = load(V2X)
    sla, service = loaded.request.sla, loaded.profile.service
    assert service is not None
    assert sla.slice_type is SliceType.V2X and sla.max_ues == 2000
    assert sla.throughput_mbps == 1200.0  # no throughput_mbps: downlink + uplink
    assert (service.e2e_latency_ms, service.jitter_ms) == (10.0, 2.0)
    assert (service.dl_throughput_mbps, service.ul_throughput_mbps) == (800.0, 400.0)
    assert (service.dl_throughput_per_ue_mbps, service.ul_throughput_per_ue_mbps) == (10.0, 5.0)
    assert service.max_pdu_sessions == 4000 and service.availability_percent == 99.999
    assert service.activity_factor_percent == 50.0 and service.active_ues == 1000.0
    assert service.coverage_cell_sites == ("cell-1",) and service.coverage_tracking_areas == ("0x0001",)


def test_v2x_kinds_and_split_ran() -> None:
    request = load_template(V2X)
    kinds = {nf.name: nf.kind for nf in request.functions}
    assert kinds == {
        "ru": "RU", "du": "DU", "cu": "CU", "upf": "UPF",
        "amf": "AMF", "smf": "SMF", "nrf": "NRF", "pcf": "PCF",
    }  # fmt: skip
    assert request.function("ru").pinned_site == request.function("du").pinned_site == "cell-1"
    assert request.function("nrf").allowed_roles == {SiteRole.REGIONAL, SiteRole.CORE}


def test_demands_follow_the_sla() -> None:
    # upf: 2 + 3 vCPU per Gbit/s; amf: 1 + 1 vCPU per 1000 active UEs (2000 x 50 %).
    request = load_template(V2X)
    assert request.function("upf").demand == Resources(2.0 + 3.0 * 1.2, 4.0 + 2.0 * 1.2)
    assert request.function("amf").demand == Resources(2.0, 3.0)
    bigger = load_template(V2X, {"dl_throughput_mbps": 3600, "max_ues": 4000})
    assert bigger.function("upf").demand == Resources(2.0 + 3.0 * 4.0, 4.0 + 2.0 * 4.0)
    assert bigger.function("amf").demand == Resources(3.0, 4.0)


def test_chain_budget_becomes_one_budget_end_to_end_and_keeps_its_chain() -> None:
    loaded = load(V2X, {"user_plane_budget_ms": 4.0})
    assert LatencyBudget("user-plane-chain", "ru", "upf", 4.0) in loaded.request.sla.latency_budgets
    assert loaded.profile.chains == (ChainBudget("user-plane-chain", ("ru", "du", "cu", "upf"), 4.0),)


def test_policies_reach_the_functions_or_the_profile() -> None:
    loaded = load(V2X)
    assert loaded.request.function("cu").allowed_roles == {SiteRole.EDGE}  # pinned to the edge tier
    assert loaded.profile.rules == (
        PlacementRule("cu-with-upf", RuleKind.AFFINITY, ("cu", "upf")),
        PlacementRule("control-plane-apart", RuleKind.ANTI_AFFINITY, ("amf", "smf")),
    )
    assert loaded.profile.isolation == (("upf", Isolation.DEDICATED),)
    assert loaded.profile.sharing == (Sharing("common-nrf", ("nrf",), (), "nrf-common"),)
    qos = {q.link: q for q in loaded.profile.links}
    assert qos["fronthaul"].max_latency_ms == 0.1 and qos["fronthaul"].isolation is Isolation.DEDICATED


def test_pinning_to_a_site() -> None:
    text = _v2x().replace("          roles: [edge]", "          site: edge-2")
    assert load_template(text).function("cu").pinned_site == "edge-2"


def test_the_three_original_examples_are_unchanged_by_the_new_profile() -> None:
    for name in ("embb", "urllc", "mmtc"):
        loaded = load(example_template(name))
        assert loaded.profile.rules == () and loaded.profile.chains == ()
        assert loaded.profile.service is not None and loaded.profile.service.e2e_latency_ms is None


@pytest.mark.parametrize(
    ("old", "new", "code", "needle"),
    [
        ("          jitter_ms: 2.0", "          jitter_ms: 20.0", "sla-inconsistent", "jitter_ms: 20.0"),
        (
            "          dl_throughput_per_ue_mbps: 10.0",
            "          dl_throughput_per_ue_mbps: 900.0",
            "sla-inconsistent",
            "dl_throughput_per_ue_mbps: 900.0",
        ),
        ("          max_pdu_sessions: 4000", "          max_pdu_sessions: 10", "sla-inconsistent", "max_pdu"),
        ("          availability_percent: 99.999", "          availability_percent: 120.0", None, "120.0"),
        ("          max_ms: 10.0", "          max_ms: 30.0", "budget-exceeds-sla", "max_ms: 30.0"),
        ("          chain: [ru, du, cu, upf]", "          chain: [ru, cu, upf]", "chain-gap", "chain: ["),
        (
            "          chain: [ru, du, cu, upf]",
            "          chain: [ru, du, cu, upff]",
            "unknown-function",
            "upff",
        ),
        ("          roles: [edge]", "          roles: [core]", "pinning-conflict", "roles: [core]"),
        ("        targets: [cu, upf]", "        targets: [du, upf]", "affinity-impossible", "targets: [du"),
        (
            "        targets: [amf, smf]",
            "        targets: [cu, upf]",
            "policy-conflict",
            "targets: [cu, upf]",
        ),
        ("        targets: [nrf]", "        targets: [upf]", "isolation-conflict", "targets: [upf]"),
        ("        targets: [amf, smf]", "        targets: [amf]", "too-few-targets", "targets: [amf]"),
    ],
)
def test_each_policy_misuse_is_reported_at_its_line(
    old: str, new: str, code: str | None, needle: str
) -> None:
    text = _v2x()
    assert old in text
    broken = text.replace(old, new, 1)
    diags = validate_template(broken)
    assert diags, "expected a problem"
    found = {d.code: d for d in diags}
    diag = found[code] if code else diags[0]
    if code is None:
        assert diag.code == "constraint-violated"
    line = text[: text.index(old)].count("\n") + 1  # the changed line
    assert needle in broken.splitlines()[line - 1]
    assert diag.line == line, diag.render()
    assert "Traceback" not in diag.render()


def test_anti_affinity_of_two_functions_pinned_to_one_cell() -> None:
    text = _v2x().replace("        targets: [amf, smf]", "        targets: [ru, du]")
    assert "anti-affinity-impossible" in _codes(text)


def test_sharing_in_a_dedicated_slice_conflicts() -> None:
    text = _v2x().replace("          isolation: shared", "          isolation: dedicated")
    diag = _codes(text)["isolation-conflict"]
    assert "SLA" in diag.message


def test_policy_without_targets_and_pinning_without_site_or_roles() -> None:
    text = _v2x().replace("        targets: [cu]\n", "")
    diags = _codes(text)
    assert "missing-targets" in diags and diags["missing-targets"].line == _line_of(text, "- cu-at-the-edge:")
    text = _v2x().replace("        properties:\n          roles: [edge]\n", "        properties: {}\n")
    assert "empty-pinning" in _codes(text)
