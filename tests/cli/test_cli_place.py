"""`nfvo place` as a user runs it: a real process, its output and its exit status."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from nfvo.catalog import load_template
from nfvo.catalog.topology import resolve_substrate
from nfvo.domain import BudgetOutcome, LatencyBudget, Placement, Route, Usage
from nfvo.placement import check_placement
from nfvo.resources import example_template

NFVO = [sys.executable, "-m", "nfvo"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*NFVO, "place", *args], capture_output=True, text=True, timeout=120, check=False)


def test_text_report_of_the_heuristic_on_the_lab() -> None:
    result = run("urllc")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "engine heuristic" in out
    assert "upf          UPF    → edge-1 (edge)" in out
    assert "n3           gnb → upf, 200 Mbps: cell-1 → edge-1 (0.500 ms)" in out
    assert "user-plane-latency       gnb → upf: 0.900 ms of 2.000 ms (met)" in out
    assert "Independent check: passed" in out


def placement_from(doc: dict[str, Any]) -> Placement:
    """Rebuild a Placement from the JSON alone, as an independent checker would."""
    routes = tuple(
        Route(r["vlink"], tuple(r["sites"]), r["latency_ms"], r["bandwidth_mbps"]) for r in doc["routes"]
    )
    budgets = tuple(
        BudgetOutcome(LatencyBudget(b["name"], b["source"], b["target"], b["max_ms"]), b["achieved_ms"])
        for b in doc["budgets"]
    )
    assignments = {a["function"]: a["site"] for a in doc["assignments"]}
    return Placement(assignments, routes, budgets, float(doc["cost"]), str(doc["engine"]))


@pytest.mark.parametrize("engine", ["heuristic", "milp", "first-fit"])
def test_json_on_a_real_topology_checks_independently(tmp_path: Path, engine: str) -> None:
    inputs = tmp_path / "inputs.yaml"
    inputs.write_text("cell_site: aachen\nthroughput_mbps: 500\n")
    result = run(
        "embb",
        "--substrate",
        "topohub:sndlib/germany50",
        "--engine",
        engine,
        "--inputs",
        str(inputs),
        "--json",
        "--seed",
        "4",
        "--time-limit",
        "30",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    doc = json.loads(result.stdout)
    assert doc["schema"] == "nfvo-placement/1"
    version = "2" if engine == "heuristic" else "1"  # heuristic 2: incremental bounds
    assert (doc["placed"], doc["engine"], doc["seed"], doc["engine_version"]) == (True, engine, 4, version)
    assert doc["inputs"]["cell_site"] == "aachen" and doc["inputs"]["throughput_mbps"] == 500
    assert doc["substrate"] == {"name": "sndlib-germany50", "source": "topohub:sndlib/germany50"}
    assert doc["violations"] == [] and doc["blocking"] is None
    if engine == "milp":
        assert {"gap", "bound", "status", "time_ms"} <= set(doc["stats"])
        assert doc["options"] == {"time_limit_s": 30.0, "objective": "cost"}
    request = load_template(example_template("embb"), doc["inputs"])
    substrate = resolve_substrate(doc["substrate"]["source"], seed=doc["seed"])
    assert check_placement(request, substrate, Usage(), placement_from(doc)) == []


def test_infeasible_exits_1_with_the_explanation(tmp_path: Path) -> None:
    inputs = tmp_path / "inputs.json"
    inputs.write_text(json.dumps({"user_plane_budget_ms": 0.5}))
    for extra in ([], ["--json"]):
        result = run("urllc", "--inputs", str(inputs), "--engine", "milp", *extra)
        assert result.returncode == 1, result.stdout + result.stderr
        assert "Traceback" not in result.stderr
    doc = json.loads(result.stdout)
    assert doc["placed"] is False and doc["assignments"] == []
    assert doc["blocking"]["kind"] == "latency-budget"
    assert doc["blocking"]["required"] == 0.5
    assert "cannot be met" in doc["blocking"]["explanation"]
    text = run("urllc", "--inputs", str(inputs)).stdout
    assert "INFEASIBLE (latency-budget)" in text and "hint: raise the budget" in text


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["no-such-template"], "no-such-template"),
        (["urllc", "--substrate", "topohub:sndlib/germany5"], "did you mean 'sndlib/germany50'"),
        (["urllc", "--substrate", "missing.yaml"], "missing.yaml"),
        (["urllc", "--inputs", "missing-inputs.yaml"], "missing-inputs.yaml"),
        (["urllc", "--engine", "magic"], "magic"),
    ],
)
def test_bad_input_exits_2(args: list[str], needle: str) -> None:
    result = run(*args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert needle in result.stderr
    assert "Traceback" not in result.stderr


def test_inputs_must_be_a_mapping(tmp_path: Path) -> None:
    bad = tmp_path / "inputs.yaml"
    bad.write_text("- cell-2\n")
    result = run("urllc", "--inputs", str(bad))
    assert result.returncode == 2
    assert "mapping" in result.stderr
