"""The `nfvo` command as a user runs it: a real process, real servers on loopback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

NFVO = [sys.executable, "-m", "nfvo"]


def run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*NFVO, *args], capture_output=True, text=True, timeout=timeout, check=False)


def test_lab_demo_deploys_reports_and_tears_down() -> None:
    # Ephemeral ports so the test never collides with a lab someone is running.
    result = run("lab", "--demo", "--ephemeral-ports", "--port", "0")
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    for name in ("demo-embb", "demo-urllc", "demo-mmtc"):
        assert f"✓ {name}" in out
    assert "(met)" in out and "MISSED" not in out
    assert "terminate COMPLETED; slice TERMINATED" in out
    assert "Demo succeeded." in out


def test_study_json_is_stable_and_seeded() -> None:
    first = run("study", "--arrivals", "300", "--seed", "3", "--json", "--workers", "1")
    second = run("study", "--arrivals", "300", "--seed", "3", "--json", "--workers", "1")
    assert first.returncode == 0, first.stderr
    data = json.loads(first.stdout)
    again = json.loads(second.stdout)
    for doc in (data, again):
        doc.pop("timing")  # wall-clock figures: the only part that may differ
    assert data == again
    assert {"eMBB", "URLLC", "mMTC"} <= {row["slice_type"] for row in data["per_type"]}


def test_bad_substrate_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("substrate:\n  name: x\n  sites: []\n")
    result = run("study", "--substrate", str(bad), "--arrivals", "10")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "bad.yaml" in result.stderr
