"""`nfvo study`: the example slice mix on a substrate, with real placement per arrival."""

from __future__ import annotations

from pathlib import Path

from nfvo import catalog
from nfvo.domain import SiteRole, Substrate
from nfvo.placement import place
from nfvo.resources import example_template
from simulator.study import MixEntry, StudyResult, run_study

# Offered traffic of the example mix (arrivals per hour, mean holding time in hours):
# eMBB slices for events last hours, URLLC slices for factory shifts, mMTC for days.
# About 22 vCPU of offered RAN load on the lab's 32: a busy but sane metro.
DEFAULT_MIX = {"embb": (0.4, 6.0), "urllc": (0.6, 8.0), "mmtc": (0.1, 48.0)}


def default_mix(substrate: Substrate, load: float = 1.0) -> list[MixEntry]:
    """Each example's arrivals spread evenly over every cell site of the substrate (the
    templates pin their gNB to the `cell_site` input)."""
    cells = [site.name for site in substrate.sites_with_role(SiteRole.CELL)]
    return [
        MixEntry(
            catalog.load_template(example_template(name), {"cell_site": cell}),
            rate * load / len(cells),
            holding,
        )
        for name, (rate, holding) in DEFAULT_MIX.items()
        for cell in cells
    ]


def run(substrate_file: Path, *, load: float, arrivals: int, seed: int) -> StudyResult:
    substrate = catalog.load_substrate(substrate_file)
    return run_study(substrate, default_mix(substrate, load), place, arrivals=arrivals, seed=seed)
