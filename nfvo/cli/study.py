"""`nfvo study`: the example slice mix on a substrate, with real placement per arrival."""

from __future__ import annotations

from pathlib import Path

from nfvo import catalog
from nfvo.placement import place
from nfvo.resources import example_template
from simulator.study import MixEntry, StudyResult, run_study

# Offered traffic of the example mix (arrivals per hour, mean holding time in hours):
# eMBB slices for events last hours, URLLC slices for factory shifts, mMTC for days.
DEFAULT_MIX = {"embb": (2.0, 6.0), "urllc": (3.0, 8.0), "mmtc": (0.5, 48.0)}


def default_mix(load: float = 1.0) -> list[MixEntry]:
    return [
        MixEntry(catalog.load_template(example_template(name)), rate * load, holding)
        for name, (rate, holding) in DEFAULT_MIX.items()
    ]


def run(substrate_file: Path, mix: list[MixEntry], *, arrivals: int, seed: int) -> StudyResult:
    substrate = catalog.load_substrate(substrate_file)
    return run_study(substrate, mix, place, arrivals=arrivals, seed=seed)
