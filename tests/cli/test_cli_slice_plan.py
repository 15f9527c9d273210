"""`nfvo slice plan` against a real API server (uvicorn + the lab), as a subprocess: the dry
run printed as text or JSON, nothing deployed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

from nfvo.lifecycle import Orchestrator

NFVO = [sys.executable, "-m", "nfvo"]


def nfvo(api: str, *args: str) -> subprocess.CompletedProcess[str]:
    parts = urlsplit(api)
    env = {
        **os.environ,
        "NFVO_API_KEY": parts.username or "",
        "NFVO_API": f"http://{parts.hostname}:{parts.port}",
    }
    return subprocess.run([*NFVO, *args], env=env, capture_output=True, text=True, timeout=120, check=False)


def test_plan_prints_placement_diff_and_verdict_and_deploys_nothing(
    api: str, orchestrator: Orchestrator, tmp_path: Path
) -> None:
    inputs = tmp_path / "inputs.yaml"
    inputs.write_text("cell_site: cell-2\nthroughput_mbps: 150\n", encoding="utf-8")

    text = nfvo(api, "slice", "plan", "urllc", "--inputs", str(inputs))

    assert text.returncode == 0, text.stderr
    assert "gnb          -> cell-2" in text.stdout
    assert "budget " in text.stdout and "met" in text.stdout
    assert "add       /slices/slice[name=" in text.stdout and "bandwidth-mbps=150" in text.stdout
    assert "twin (ledger): pass" in text.stdout and text.stdout.rstrip().endswith("would deploy")

    as_json = nfvo(
        api, "slice", "plan", "urllc", "--inputs", str(inputs), "--set", "cell_site=cell-1", "--json"
    )
    assert as_json.returncode == 0, as_json.stderr
    plan = json.loads(as_json.stdout)
    assert plan["placement"]["functions"]["gnb"] == "cell-1"  # --set wins over the file
    assert orchestrator.store.list_slices() == []


def test_plan_exits_1_when_it_would_not_deploy_and_2_on_bad_input(api: str, tmp_path: Path) -> None:
    infeasible = nfvo(api, "slice", "plan", "urllc", "--set", "user_plane_budget_ms=0.001")
    assert infeasible.returncode == 1 and "NOT FEASIBLE" in infeasible.stdout
    assert "user-plane-latency" in infeasible.stdout and "hint: raise the budget" in infeasible.stdout

    unknown = nfvo(api, "slice", "plan", "no-such-template")
    assert unknown.returncode == 2 and "404" in unknown.stderr and "Traceback" not in unknown.stderr
    bad_file = tmp_path / "bad.yaml"
    bad_file.write_text("- a list, not a mapping\n", encoding="utf-8")
    bad = nfvo(api, "slice", "plan", "urllc", "--inputs", str(bad_file))
    assert bad.returncode == 2 and "mapping" in bad.stderr and "Traceback" not in bad.stderr
