"""`nfvo study` as a planner runs it: a real process, mix files, outputs, Dask workers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MIXES = ROOT / "models" / "mixes"


def nfvo(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nfvo", *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def test_mix_file_study_as_json() -> None:
    result = nfvo(
        "study",
        "--mix",
        str(MIXES / "diurnal.yaml"),
        "--arrivals",
        "200",
        "--replications",
        "2",
        "--workers",
        "1",
        "--growth",
        "4",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["schema"] == "nfvo-study/1"
    assert [r["slice_type"] for r in doc["per_type"]] == ["eMBB", "eMBB-lite", "URLLC", "mMTC"]
    assert doc["overall"]["offered"] == 400
    assert doc["settings"]["replications"] == 2 and doc["settings"]["ci_method"].startswith("student-t")
    kinds = {e["holding"]["distribution"] for e in doc["mix"]["entries"]}
    assert kinds == {"exponential", "deterministic", "lognormal"}
    assert len(doc["utilisation"]["sites"]) == 8 and doc["headroom"]["growth_pct_per_month"] == 4
    assert len(doc["timeseries"]["t_h"]) == len(doc["timeseries"]["domains"]["RAN"])


def test_bad_mix_file_is_exit_2_with_file_path_and_fix(tmp_path: Path) -> None:
    bad = tmp_path / "bad-mix.yaml"
    bad.write_text(
        "slices:\n"
        "  - template: embb\n"
        "    spread: every-cell-site\n"
        "    arrivals_per_h: -1\n"
        "    holding: {distribution: gamma, mean_h: 2}\n"
        "  - template: no-such-template\n"
        "    arivals_per_h: 1\n"
        "    holding: {mean_h: 1}\n"
    )
    result = nfvo("study", "--mix", str(bad), "--workers", "1")
    assert result.returncode == 2
    err = result.stderr
    assert "Traceback" not in err
    assert f"{bad}:4:" in err and "slices[0].arrivals_per_h" in err  # file, line, path
    assert "unknown distribution 'gamma'" in err and "slices[0].holding.distribution" in err
    assert "no-such-template" in err and "unknown key 'arivals_per_h'" in err
    assert "did you mean 'arrivals_per_h'?" in err  # how to fix it


def test_template_pinned_to_a_site_the_substrate_lacks(tmp_path: Path) -> None:
    mix = tmp_path / "pinned.yaml"
    mix.write_text("slices:\n  - template: embb\n    arrivals_per_h: 1\n    holding: {mean_h: 1}\n")
    result = nfvo("study", "--substrate", "topohub:sndlib/germany50", "--mix", str(mix), "--workers", "1")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "pinned to site 'cell-1'" in result.stderr and "spread: every-cell-site" in result.stderr


def test_out_writes_json_csv_png_and_report(tmp_path: Path) -> None:
    out = tmp_path / "study"
    result = nfvo(
        "study",
        "--arrivals",
        "150",
        "--replications",
        "2",
        "--workers",
        "1",
        "--sweep",
        "1,2",
        "--out",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    names = {p.name for p in out.iterdir()}
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
    } <= names
    assert json.loads((out / "study.json").read_text())["sweep"]["points"][1]["load_multiplier"] == 2.0
    assert "# Capacity study: metro-lab" in (out / "report.md").read_text()
    assert "wrote study.json" in result.stdout


def test_same_seed_same_json_with_one_or_two_dask_workers() -> None:
    args = ("study", "--arrivals", "120", "--replications", "2", "--sweep", "1,1.5", "--seed", "11", "--json")
    inline = nfvo(*args, "--workers", "1")
    dask = nfvo(*args, "--workers", "2")
    assert inline.returncode == 0 and dask.returncode == 0, inline.stderr + dask.stderr
    one, two = json.loads(inline.stdout), json.loads(dask.stdout)
    assert one.pop("timing")["execution"] == "inline"
    assert two.pop("timing")["execution"] == "dask LocalCluster, 2 processes"
    assert json.dumps(one, sort_keys=True) == json.dumps(two, sort_keys=True)


def test_workers_and_scheduler_exclude_each_other() -> None:
    result = nfvo("study", "--workers", "2", "--scheduler", "tcp://127.0.0.1:1")
    assert result.returncode == 2 and "not both" in result.stderr
