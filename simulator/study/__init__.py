"""Capacity-planning studies: offer a mix of slices to a substrate, place every arrival
for real, and measure blocking, waiting, revenue and utilisation with confidence
intervals from independent replications (docs/study.md).

`run_study` is the one-call form; `make_spec` + `run_plan` give every option (replications,
load sweeps, growth, Dask execution); `study_document` turns a result into the JSON of
schema nfvo-study/1, `write_outputs` into CSV, PNG and a Markdown report.
"""

from __future__ import annotations

from collections.abc import Sequence

from nfvo.domain import Placer, Substrate
from simulator.study.document import SCHEMA, study_document
from simulator.study.engine import GroupCounts, Replication, simulate
from simulator.study.growth import Headroom, SweepOutcome, crossing, months_until
from simulator.study.mix import HOLDING_KINDS, MixEntry, QueuePolicy, StudySpec, make_spec
from simulator.study.output import write_outputs
from simulator.study.report import format_study, markdown_report
from simulator.study.runner import Execution, StudyResult, run_plan
from simulator.study.stats import Estimate, GroupSummary, PointSummary, estimate, t975


def run_study(
    substrate: Substrate,
    mix: Sequence[MixEntry],
    placer: Placer,
    *,
    arrivals: int = 2000,
    seed: int = 0,
    warmup_arrivals: int | None = None,
    replications: int = 1,
    queue: QueuePolicy | None = None,
    load: float = 1.0,
) -> StudyResult:
    """Offer `arrivals` requests per replication (after `warmup_arrivals`, default a tenth
    of them) drawn from `mix` to `substrate`, placing each with `placer`, inline."""
    spec = make_spec(substrate, mix, placer, arrivals=arrivals, warmup_arrivals=warmup_arrivals, queue=queue)
    return run_plan(spec, seed=seed, replications=replications, load=load)


__all__ = [
    "HOLDING_KINDS",
    "SCHEMA",
    "Estimate",
    "Execution",
    "GroupCounts",
    "GroupSummary",
    "Headroom",
    "MixEntry",
    "PointSummary",
    "QueuePolicy",
    "Replication",
    "StudyResult",
    "StudySpec",
    "SweepOutcome",
    "crossing",
    "estimate",
    "format_study",
    "make_spec",
    "markdown_report",
    "months_until",
    "run_plan",
    "run_study",
    "simulate",
    "study_document",
    "t975",
    "write_outputs",
]
