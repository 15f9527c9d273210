"""The capacity study against theory (Erlang-B, Erlang-C), its statistics, and its
reproducibility: Poisson or diurnal arrivals, holding-time distributions, a waiting room."""

from __future__ import annotations

import math
from pathlib import Path

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
from simulator.study import (
    MixEntry,
    QueuePolicy,
    crossing,
    estimate,
    format_study,
    make_spec,
    months_until,
    run_plan,
    run_study,
    study_document,
    t975,
    write_outputs,
)

CTL = (Controller("core-ctl", Domain.CORE, Protocol.NETCONF, "h", 1),)


def erlang_b(servers: int, load: float) -> float:
    """Erlang-B blocking by the stable recursion B(n) = A·B(n-1) / (n + A·B(n-1))."""
    b = 1.0
    for n in range(1, servers + 1):
        b = load * b / (n + load * b)
    return b


def erlang_c(servers: int, load: float) -> float:
    """Erlang-C probability of waiting, from Erlang-B: C = c·B / (c - A·(1 - B))."""
    b = erlang_b(servers, load)
    return servers * b / (servers - load * (1 - b))


def one_site(cpu: float) -> Substrate:
    return Substrate("one-site", (Site("core-1", SiteRole.CORE, Resources(cpu, 1e6)),), (), CTL)


def unit_slice(slice_type: SliceType = SliceType.MMTC) -> SliceRequest:
    nf = NetworkFunction("app", "X", Domain.CORE, Resources(1, 1), frozenset({SiteRole.CORE}))
    return SliceRequest("unit", SLA(slice_type), (nf,), ())


def two_domain(cell_cpu: float = 8, core_cpu: float = 64, mbps: float = 1000) -> Substrate:
    return Substrate(
        "two-domain",
        (
            Site("cell-1", SiteRole.CELL, Resources(cell_cpu, 64)),
            Site("core-1", SiteRole.CORE, Resources(core_cpu, 512)),
        ),
        (Link("cell-1", "core-1", 2.0, mbps),),
        CTL,
    )


def ran_core_slice(slice_type: SliceType, cpu: float, mbps: float) -> SliceRequest:
    gnb = NetworkFunction("gnb", "gNB", Domain.RAN, Resources(1, 1), frozenset({SiteRole.CELL}), "cell-1")
    upf = NetworkFunction("upf", "UPF", Domain.CORE, Resources(cpu, 2), frozenset({SiteRole.CORE}))
    return SliceRequest(
        f"{slice_type.value}-slice",
        SLA(slice_type, (LatencyBudget("n3", "gnb", "upf", 5.0),)),
        (gnb, upf),
        (VirtualLink("n3", "gnb", "upf", mbps),),
    )


def two_types() -> list[MixEntry]:
    return [
        MixEntry(ran_core_slice(SliceType.EMBB, 4, 200), 6, 1.0, revenue_per_h=10),
        MixEntry(ran_core_slice(SliceType.URLLC, 2, 100), 3, 2.0, revenue_per_h=20),
    ]


def test_no_blocking_with_huge_capacity_and_revenue_is_carried_load() -> None:
    mix = [
        MixEntry(ran_core_slice(SliceType.EMBB, 2, 50), 10, 1.0, revenue_per_h=3.0),
        MixEntry(ran_core_slice(SliceType.URLLC, 1, 10), 5, 0.5, revenue_per_h=8.0),
    ]
    result = run_study(two_domain(1e6, 1e6, 1e9), mix, place, arrivals=600, replications=4)
    assert result.overall.offered == 2400 and result.overall.blocked == 0
    assert [t.group for t in result.point.per_type] == ["eMBB", "URLLC"]
    assert result.by_type("eMBB").offered > result.by_type("URLLC").offered  # twice the rate
    assert result.by_type("URLLC").blocking.mean == 0.0
    assert result.point.blocked_by == ()
    # Revenue rate = sum of arrival rate x mean holding x revenue per slice-hour.
    revenue = result.overall.revenue_per_h
    assert revenue.covers(10 * 1.0 * 3.0 + 5 * 0.5 * 8.0) or revenue.mean == pytest.approx(70, rel=0.1)


def test_single_resource_matches_erlang_b_within_the_replications_ci() -> None:
    servers, load = 5, 4.0
    spec = make_spec(one_site(servers), [MixEntry(unit_slice(), load, 1.0)], place, arrivals=1500)
    result = run_plan(spec, seed=0, replications=10)
    expected = erlang_b(servers, load)
    assert expected == pytest.approx(0.1991, abs=1e-4)
    blocking = result.overall.blocking
    assert blocking.covers(expected), (blocking, expected)
    assert blocking.half_width is not None and blocking.half_width < 0.03
    # Carried load over capacity: A(1 - B) / c.
    assert result.point.util_mean["domain:CORE"].covers(load * (1 - expected) / servers)
    assert result.point.util_peak["site:core-1"] == 1.0
    assert result.point.blocked_by == (("site-capacity", result.overall.blocked),)
    assert result.point.window_h.mean == pytest.approx(1500 / load, rel=0.1)


def test_mmc_waiting_room_matches_erlang_c_within_the_ci() -> None:
    servers, load = 4, 3.0
    spec = make_spec(
        one_site(servers),
        [MixEntry(unit_slice(), load, 1.0)],
        place,
        arrivals=1500,
        queue=QueuePolicy(capacity=None),
    )
    result = run_plan(spec, seed=1, replications=10)
    expected = erlang_c(servers, load)
    assert expected == pytest.approx(0.5094, abs=1e-3)
    overall = result.overall
    assert overall.waiting.covers(expected), (overall.waiting, expected)
    assert overall.blocked == 0 and overall.abandoned == 0
    # Mean wait W = C / (c·mu - lambda) hours.
    assert overall.mean_wait_h.covers(expected / (servers - load)), overall.mean_wait_h
    doc = study_document(result, substrate_source="test", mix_source="test")
    assert doc["settings"]["queue"] == {"capacity": None, "patience_h": None}
    assert "waited" in format_study(doc)


def test_patience_and_a_small_room_account_for_every_request() -> None:
    spec = make_spec(
        one_site(2),
        [MixEntry(unit_slice(), 4.0, 1.0)],
        place,
        arrivals=800,
        queue=QueuePolicy(capacity=3, patience_h=0.2),
    )
    result = run_plan(spec, seed=2, replications=2)
    o = result.overall
    assert o.abandoned > 0 and o.blocked > 0 and o.waited > 0
    assert o.accepted + o.blocked + o.abandoned + result.point.still_waiting == o.offered


def test_same_seed_same_result_however_many_replications() -> None:
    spec = make_spec(two_domain(), two_types(), place, arrivals=300)

    def doc(seed: int, reps: int) -> dict[str, object]:
        d = study_document(run_plan(spec, seed=seed, replications=reps), substrate_source="s", mix_source="m")
        d.pop("timing")
        return d

    first, again, other = doc(7, 2), doc(7, 2), doc(8, 2)
    assert first == again and first != other
    # A replication depends on the seed and its index only: two of three are the two of two.
    three = run_plan(spec, seed=7, replications=3).replications
    two = run_plan(spec, seed=7, replications=2).replications
    assert three[:2] == two


def test_more_capacity_blocks_less() -> None:
    mix = [MixEntry(unit_slice(), 6.0, 1.0)]
    blocking = [
        run_study(one_site(c), mix, place, arrivals=800, seed=1).overall.blocking.mean for c in (3, 6, 9)
    ]
    assert blocking[0] > blocking[1] > blocking[2]


def test_diurnal_profile_offers_nothing_in_its_quiet_hours() -> None:
    # Arrivals only from 12:00 to 24:00, each held exactly 0.5 h: nothing is held from
    # 00:30 to 12:00. The mean rate is half the peak rate, so the run is twice as long.
    profile = (0.0,) * 12 + (2.0,) * 12
    mix = [MixEntry(unit_slice(), 5.0, 0.5, holding="deterministic", profile=profile)]
    spec = make_spec(one_site(1e6), mix, place, arrivals=600, warmup_arrivals=0, samples=200)
    result = run_plan(spec, seed=3)
    step = spec.sample_step_h
    series = result.point.series["domain:CORE"]
    quiet = [v for k, v in enumerate(series) if 0.6 < (k * step) % 24 < 11.9]
    busy = [v for k, v in enumerate(series) if 12.6 < (k * step) % 24 < 23.9]
    assert quiet and busy and max(quiet) == 0.0 and min(busy) > 0.0
    assert result.point.window_h.mean == pytest.approx(600 / 5.0, rel=0.15)


@pytest.mark.parametrize(
    ("holding", "cv"), [("deterministic", 1.0), ("lognormal", 2.0), ("exponential", 1.0)]
)
def test_holding_distributions_keep_their_mean(holding: str, cv: float) -> None:
    # Without blocking, mean utilisation = arrival rate x mean holding / capacity.
    mix = [MixEntry(unit_slice(), 10.0, 2.0, holding=holding, holding_cv=cv)]
    spec = make_spec(one_site(1000), mix, place, arrivals=1500)
    result = run_plan(spec, seed=4, replications=4)
    assert result.point.util_mean["domain:CORE"].mean == pytest.approx(10 * 2.0 / 1000, rel=0.12)


def test_student_t_and_estimates() -> None:
    assert t975(1) == pytest.approx(12.706, abs=1e-3)
    assert t975(9) == pytest.approx(2.262, abs=1e-3)
    assert t975(40) == pytest.approx(2.021, abs=1e-3)
    assert t975(1000) == pytest.approx(1.962, abs=1e-3)
    e = estimate([0.1, 0.2, 0.3], proportion=True)
    assert (
        e.mean == pytest.approx(0.2)
        and e.low == 0.0
        and e.high == pytest.approx(0.2 + 4.3027 * 0.1 / math.sqrt(3))
    )
    single = estimate([0.5], proportion=True, trials=100)
    assert single.half_width == pytest.approx(1.96 * 0.05, abs=1e-3)
    assert estimate([7.0]).low is None


def test_sweep_crossing_and_growth() -> None:
    assert crossing([(1.0, 0.0), (2.0, 0.02), (3.0, 0.1)], 0.01) == ("within", 1.5)
    assert crossing([(1.0, 0.05), (2.0, 0.1)], 0.01) == ("below", None)
    assert crossing([(1.0, 0.0), (2.0, 0.005)], 0.01) == ("above", None)
    assert months_until(2.0, 10.0) == pytest.approx(math.log(2) / math.log(1.1))
    assert months_until(0.5, 10.0) == 0.0 and months_until(2.0, None) is None


def test_sweep_and_headroom_in_a_run() -> None:
    spec = make_spec(one_site(10), [MixEntry(unit_slice(), 5.0, 1.0)], place, arrivals=500)
    result = run_plan(
        spec,
        seed=5,
        replications=3,
        sweep=(0.5, 1.0, 2.0, 3.0),
        target_blocking=0.05,
        growth_pct_per_month=5.0,
    )
    assert result.sweep is not None and result.headroom is not None
    assert [p.load for p in result.sweep.points] == [0.5, 1.0, 2.0, 3.0]
    assert result.sweep.crossing == "within"
    assert result.sweep.multiplier_at_target is not None and 1.0 < result.sweep.multiplier_at_target < 3.0
    assert result.sweep.months_to_target is not None and result.sweep.months_to_target > 0
    core = next(d for d in result.headroom.domains if d.resource == "domain:CORE")
    assert core.multiplier == pytest.approx(0.8 / core.utilisation)


def test_outputs_json_csv_png_and_report(tmp_path: Path) -> None:
    spec = make_spec(two_domain(), two_types(), place, arrivals=300)
    result = run_plan(spec, seed=6, replications=2, sweep=(1.0, 2.0), growth_pct_per_month=2.0)
    doc = study_document(result, substrate_source="two-domain", mix_source="two types")
    files = {f.name for f in write_outputs(doc, tmp_path)}
    assert {
        "study.json",
        "per_type.csv",
        "utilisation.csv",
        "timeseries.csv",
        "sweep.csv",
        "blocking.png",
        "utilisation.png",
        "sweep.png",
        "report.md",
    } == files
    assert (tmp_path / "blocking.png").read_bytes()[:4] == b"\x89PNG"
    header = (tmp_path / "timeseries.csv").read_text().splitlines()[0]
    assert header.startswith("t_h,domain:RAN,domain:CORE,domain:TRANSPORT,site:cell-1")
    report = (tmp_path / "report.md").read_text()
    assert "| eMBB |" in report and "## Headroom" in report and "![blocking](blocking.png)" in report


def test_rejects_an_empty_mix() -> None:
    with pytest.raises(ValueError, match="offers nothing"):
        run_study(one_site(1), [MixEntry(unit_slice(), 0.0, 1.0)], place)
    with pytest.raises(ValueError, match="profile"):
        make_spec(one_site(1), [MixEntry(unit_slice(), 1.0, 1.0, profile=(1.0,) * 23)], place, arrivals=10)
