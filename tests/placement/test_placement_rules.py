"""Affinity, anti-affinity and dedicated isolation in every engine, the checker and the
diagnosis: hand-made cases, the v2x showcase end to end, and random rules (hypothesis)."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from placement_builders import CONTROLLERS, DC_ROLES, chain, five_nf
from test_placement_properties import Case, instances

from nfvo.catalog import load, load_substrate
from nfvo.domain import (
    InfeasibleError,
    Isolation,
    Placement,
    PlacementRule,
    Resources,
    RuleKind,
    Site,
    SiteRole,
    SliceRequest,
    Substrate,
    Usage,
)
from nfvo.placement import check_placement, first_fit, place
from nfvo.placement.milp import STATUS_OPTIMAL, place_milp
from nfvo.resources import example_substrate, models_dir

ENGINES = ("heuristic", "milp", "first-fit")


def run(
    engine: str, request: SliceRequest, substrate: Substrate, usage: Usage
) -> Placement | InfeasibleError:
    try:
        if engine == "milp":
            return place_milp(request, substrate, usage, time_limit_s=30.0)
        if engine == "first-fit":
            return first_fit(request, substrate, usage)
        return place(request, substrate, usage)
    except InfeasibleError as exc:
        return exc


def with_rules(request: SliceRequest, *rules: PlacementRule, dedicated: tuple[str, ...] = ()) -> SliceRequest:
    functions = tuple(
        dataclasses.replace(nf, isolation=Isolation.DEDICATED) if nf.name in dedicated else nf
        for nf in request.functions
    )
    return dataclasses.replace(request, functions=functions, rules=rules)


def rules_hold(request: SliceRequest, usage: Usage, placement: Placement) -> bool:
    """The rules, checked here a third way (neither the engines' nor the checker's code)."""
    at = placement.assignments
    for rule in request.rules:
        sites = [at[f] for f in rule.functions]
        if rule.kind is RuleKind.AFFINITY and len(set(sites)) != 1:
            return False
        if rule.kind is RuleKind.ANTI_AFFINITY and len(set(sites)) != len(sites):
            return False
    for nf in request.functions:
        if at[nf.name] in usage.exclusive:
            return False
        if nf.isolation is Isolation.DEDICATED and usage.hosted.get(at[nf.name], 0) > 0:
            return False
    return True


def test_affinity_keeps_the_functions_together_in_every_engine() -> None:
    # Alone, the app goes to the cheap core and the UPF stays near the gNB; together they
    # must share one site within the user-plane budget.
    request = with_rules(five_nf(4.0), PlacementRule("upf-with-smf", RuleKind.AFFINITY, ("upf", "smf")))
    for engine in ENGINES:
        placement = run(engine, request, chain(), Usage())
        assert isinstance(placement, Placement), engine
        assert placement.assignments["upf"] == placement.assignments["smf"], engine
        assert check_placement(request, chain(), Usage(), placement) == [], engine


def test_anti_affinity_separates_the_functions_in_every_engine() -> None:
    plain = place(five_nf(30.0), chain())
    assert plain.assignments["smf"] == plain.assignments["amf"]  # cheapest together
    request = with_rules(five_nf(30.0), PlacementRule("apart", RuleKind.ANTI_AFFINITY, ("smf", "amf")))
    for engine in ENGINES:
        placement = run(engine, request, chain(), Usage())
        assert isinstance(placement, Placement), engine
        assert placement.assignments["smf"] != placement.assignments["amf"], engine
        assert check_placement(request, chain(), Usage(), placement) == [], engine


def one_site() -> Substrate:
    return Substrate("one", (Site("dc", SiteRole.CORE, Resources(64, 256)),), (), CONTROLLERS)


def test_anti_affinity_on_one_site_is_explained() -> None:
    request = with_rules(five_nf(30.0), PlacementRule("apart", RuleKind.ANTI_AFFINITY, ("smf", "amf")))
    anywhere = tuple(
        dataclasses.replace(nf, pinned_site=None, allowed_roles=DC_ROLES) for nf in request.functions
    )
    request = dataclasses.replace(request, functions=anywhere)
    for engine in ENGINES:
        error = run(engine, request, one_site(), Usage())
        assert isinstance(error, InfeasibleError), engine
        assert error.blocking.kind == "anti-affinity", engine
        assert error.blocking.subject == "apart", engine
    error = run("heuristic", request, one_site(), Usage())
    assert isinstance(error, InfeasibleError)
    assert "only 1 (dc)" in error.blocking.explanation and error.blocking.required == 2


def test_affinity_against_a_budget_blames_the_rule() -> None:
    # The UPF must stay within 1 ms of the gNB (edge-1); the AMF may only go to the core.
    request = with_rules(five_nf(1.0), PlacementRule("upf-with-amf", RuleKind.AFFINITY, ("upf", "amf")))
    core = frozenset({SiteRole.CORE})
    core_amf = tuple(
        dataclasses.replace(nf, allowed_roles=core) if nf.name == "amf" else nf for nf in request.functions
    )
    request = dataclasses.replace(request, functions=core_amf)
    for engine in ("heuristic", "milp"):
        error = run(engine, request, chain(), Usage())
        assert isinstance(error, InfeasibleError), engine
        assert error.blocking.kind == "affinity", engine
        assert "upf-with-amf" in error.blocking.explanation


def test_dedicated_function_avoids_sites_of_other_slices() -> None:
    request = with_rules(five_nf(2.0), dedicated=("upf",))
    plain = place(request, chain())
    assert plain.assignments["upf"] == "edge-1"  # the only site within the budget
    others = Usage({"edge-1": Resources(1, 1)}, {}, {"edge-1": 1})
    unbounded = dataclasses.replace(request, sla=dataclasses.replace(request.sla, latency_budgets=()))
    moved = place(unbounded, chain(), others)
    assert moved.assignments["upf"] != "edge-1"
    error = run("heuristic", request, chain(), others)  # the budget needs edge-1
    assert isinstance(error, InfeasibleError)
    assert error.blocking.kind in ("isolation", "latency-budget")
    # What it holds: its sites, and edge-1 exclusively while it is there.
    held = plain.usage(request)
    assert held.exclusive == frozenset({"edge-1"}) and held.hosted["edge-1"] >= 1
    shared = five_nf(30.0)
    for engine in ENGINES:
        placement = run(engine, shared, chain(), held)
        assert isinstance(placement, Placement), engine
        assert "edge-1" not in placement.assignments.values(), engine
        assert check_placement(shared, chain(), held, placement) == [], engine


def test_isolation_leaving_no_site_is_explained() -> None:
    request = with_rules(five_nf(30.0), dedicated=("upf",))
    everywhere = Usage({}, {}, {"edge-1": 1, "regional-1": 1, "core-1": 1})
    for engine in ENGINES:
        error = run(engine, request, chain(), everywhere)
        assert isinstance(error, InfeasibleError), engine
        assert error.blocking.kind == "isolation" and error.blocking.subject == "upf", engine


def test_ledger_adds_and_removes_isolation() -> None:
    request = with_rules(five_nf(2.0), dedicated=("upf",))
    held = place(request, chain()).usage(request)
    total = Usage() + held + held
    assert total.hosted["edge-1"] == 2 * held.hosted["edge-1"]
    assert (total - held).exclusive == frozenset()
    # A ledger that keeps no counts (e.g. an older store) minus a placement stays at zero.
    assert (Usage() - held).hosted == {}


def test_checker_reports_broken_rules() -> None:
    request = with_rules(
        five_nf(30.0),
        PlacementRule("apart", RuleKind.ANTI_AFFINITY, ("smf", "amf")),
        PlacementRule("together", RuleKind.AFFINITY, ("upf", "app")),
        dedicated=("upf",),
    )
    placement = place(five_nf(30.0), chain())
    where = dict(placement.assignments, smf="core-1", amf="core-1", upf="edge-1", app="core-1")
    broken = dataclasses.replace(placement, assignments=where)
    problems = check_placement(request, chain(), Usage({}, {}, {"edge-1": 1}, frozenset({"core-1"})), broken)
    text = "\n".join(problems)
    assert "anti-affinity apart: smf, amf share site core-1" in text or "amf, smf share" in text
    assert "affinity together:" in text
    assert "upf: dedicated, but site edge-1 hosts 1 function(s)" in text
    assert "held exclusively" in text


def test_v2x_showcase_rules_reach_the_engines() -> None:
    loaded = load(models_dir() / "templates" / "showcase" / "v2x.yaml")
    request = loaded.request
    assert {r.name for r in request.rules} == {"cu-with-upf", "control-plane-apart"}
    assert request.function("upf").isolation is Isolation.DEDICATED
    assert request.function("cu").isolation is Isolation.SHARED
    substrate = load_substrate(example_substrate())
    for engine in ("heuristic", "milp"):
        placement = run(engine, request, substrate, Usage())
        assert isinstance(placement, Placement), engine
        at = placement.assignments
        assert at["cu"] == at["upf"] and at["amf"] != at["smf"], engine
        assert check_placement(request, substrate, Usage(), placement) == [], engine


@st.composite
def ruled(draw: st.DrawFn) -> Case:
    request, substrate, usage = draw(instances())
    names = [nf.name for nf in request.functions]
    rules = []
    for k in range(draw(st.integers(0, 2))):
        members = draw(st.lists(st.sampled_from(names), min_size=2, max_size=3, unique=True))
        rules.append(PlacementRule(f"r{k}", draw(st.sampled_from(list(RuleKind))), tuple(members)))
    dedicated = tuple(draw(st.lists(st.sampled_from(names[1:]), max_size=2, unique=True)))
    sites = [s.name for s in substrate.sites]
    hosted = {s: draw(st.integers(1, 2)) for s in sites if draw(st.booleans())}
    exclusive = frozenset(s for s in hosted if draw(st.integers(0, 3)) == 0)
    usage = dataclasses.replace(usage, hosted=hosted, exclusive=exclusive)
    return with_rules(request, *rules, dedicated=dedicated), substrate, usage


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ruled())
def test_engines_honour_random_rules_and_the_checker_agrees(case: Case) -> None:
    request, substrate, usage = case
    results = {engine: run(engine, request, substrate, usage) for engine in ENGINES}
    for engine, result in results.items():
        if isinstance(result, Placement):
            assert check_placement(request, substrate, usage, result) == [], engine
            assert rules_hold(request, usage, result), engine
    heuristic, exact = results["heuristic"], results["milp"]
    if isinstance(exact, InfeasibleError) and exact.blocking.kind != "time-limit":
        assert isinstance(heuristic, InfeasibleError)
        assert isinstance(results["first-fit"], InfeasibleError)
    optimal = isinstance(exact, Placement) and exact.stats["status"] == STATUS_OPTIMAL
    if optimal and isinstance(exact, Placement) and isinstance(heuristic, Placement):
        assert exact.cost <= heuristic.cost + 1e-4 * abs(heuristic.cost) + 1e-6


@pytest.mark.parametrize("kind", list(RuleKind))
def test_rule_naming_an_unknown_function_is_an_input_error(kind: RuleKind) -> None:
    from nfvo.domain import InputError

    request = with_rules(five_nf(), PlacementRule("bad", kind, ("upf", "nope")))
    with pytest.raises(InputError, match="nope"):
        place(request, chain())
