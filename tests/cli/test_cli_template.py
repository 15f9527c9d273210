"""`nfvo template validate|show` as a user runs them: a real process."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nfvo.resources import example_substrate, example_template, models_dir

NFVO = [sys.executable, "-m", "nfvo", "template"]
DATA = Path(__file__).parents[1] / "data"
V2X = models_dir() / "templates" / "showcase" / "v2x.yaml"


CAN_DRAW = shutil.which("dot") is not None or importlib.util.find_spec("matplotlib") is not None
needs_renderer = pytest.mark.skipif(not CAN_DRAW, reason="neither graphviz's dot nor matplotlib is installed")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*NFVO, *args], capture_output=True, text=True, timeout=120, check=False)


def test_validate_a_valid_template_exits_0() -> None:
    result = run("validate", str(V2X), "--substrate", str(example_substrate()))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "valid" in result.stdout


def test_validate_an_invalid_template_exits_1_with_lines_and_json() -> None:
    bad = DATA / "templates" / "malformed.yaml"
    text = run("validate", str(bad))
    assert text.returncode == 1
    assert "malformed.yaml:21:" in text.stdout and "Traceback" not in text.stdout + text.stderr
    result = run("validate", str(bad), "--json")
    assert result.returncode == 1
    body = json.loads(result.stdout)
    assert body["valid"] is False and body["file"] == str(bad)
    first = body["diagnostics"][0]
    assert {"code", "message", "path", "hint", "file", "line", "column"} <= set(first)


def test_validate_against_a_substrate_and_with_inputs() -> None:
    result = run(
        "validate", str(example_template("urllc")), "--substrate", str(example_substrate()),
        "--input", "user_plane_budget_ms=0.5", "--json",
    )  # fmt: skip
    assert result.returncode == 1
    codes = {d["code"] for d in json.loads(result.stdout)["diagnostics"]}
    assert codes == {"budget-below-physical-minimum"}


@pytest.mark.parametrize("args", [("/nonexistent/slice.yaml",), ("{t}", "--substrate", "/nonexistent.yaml")])
def test_validate_something_unreadable_exits_2(args: tuple[str, ...], tmp_path: Path) -> None:
    result = run("validate", *(a.format(t=example_template("embb")) for a in args))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_validate_a_broken_archive_exits_2(tmp_path: Path) -> None:
    fake = tmp_path / "fake.csar"
    fake.write_bytes(b"not a zip")
    assert run("validate", str(fake)).returncode == 2


@needs_renderer
def test_show_prints_the_slice_graph_and_draws_it(tmp_path: Path) -> None:
    png, svg = tmp_path / "v2x.png", tmp_path / "v2x.svg"
    result = run("show", str(V2X), "--picture", str(png))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "V2X slice, 1200 Mbit/s, 2000 UEs" in out
    assert "budget user-plane-chain: ru -> du -> cu -> upf <= 5 ms" in out
    assert "upf          UPF   core 5.6 vCPU 6.4 GB" in out
    assert "n3           cu -- upf, 1200 Mbit/s, dedicated" in out
    assert "anti-affinity control-plane-apart: amf, smf" in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    result = run("show", str(example_template("urllc")), "--picture", str(svg), "--input", "max_ues=12")
    assert result.returncode == 0, result.stderr
    assert "<svg" in svg.read_text(encoding="utf-8")[:2000]
    assert "12 UEs" in result.stdout


def test_show_an_invalid_template_exits_1_and_a_bad_picture_name_2(tmp_path: Path) -> None:
    result = run("show", str(DATA / "templates" / "malformed.yaml"))
    assert result.returncode == 1 and "[unknown-field]" in result.stderr
    result = run("show", str(example_template("embb")), "--picture", str(tmp_path / "x.gif"))
    assert result.returncode == 2


@needs_renderer
def test_validate_and_show_a_multi_slice_service(tmp_path: Path) -> None:
    campus = models_dir() / "templates" / "showcase" / "campus.yaml"
    result = run("validate", str(campus), "--substrate", str(example_substrate()))
    assert result.returncode == 0, result.stdout + result.stderr
    result = run("show", str(campus), "--picture", str(tmp_path / "campus.svg"))
    assert result.returncode == 0, result.stderr
    assert "slice template campus-v2x" in result.stdout
    assert (tmp_path / "campus-campus-robots.svg").is_file()
