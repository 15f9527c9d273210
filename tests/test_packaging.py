"""The wheel ships models/ inside the nfvo package, and installed code finds it there."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_carries_models_and_finds_them(tmp_path: Path) -> None:
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert build.returncode == 0, build.stderr
    (wheel,) = tmp_path.glob("nfvo_slices-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in (
        "nfvo/_models/profile/nfvo-slice-types.yaml",
        "nfvo/_models/templates/urllc.yaml",
        "nfvo/_models/substrates/lab.yaml",
        "nfvo/_models/yang/nfvo-transport.yang",
        "adapters/base.py",
        "simulator/twin.py",
    ):
        assert expected in names

    # Unpacked on its own (what an install puts in site-packages), away from the checkout.
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    probe = subprocess.run(
        [sys.executable, "-c", "from nfvo.resources import models_dir; print(models_dir())"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
        timeout=60,
        check=False,
    )
    assert probe.returncode == 0, probe.stderr
    assert Path(probe.stdout.strip()) == site / "nfvo" / "_models"
