"""The JSON document of a study (schema nfvo-study/1, documented in docs/study.md).

Everything but the `timing` object is a function of the inputs and the seed: the same
study gives the same document, bit for bit, however its tasks were spread over workers.
"""

from __future__ import annotations

from typing import Any

from simulator.study.mix import MixEntry
from simulator.study.runner import StudyResult
from simulator.study.stats import Estimate

SCHEMA = "nfvo-study/1"


def _est(e: Estimate) -> dict[str, object]:
    return e.to_dict()


def entry_dict(entry: MixEntry) -> dict[str, object]:
    request = entry.request
    return {
        "group": entry.group,
        "template": request.template,
        "slice_type": request.sla.slice_type.value,
        "inputs": {k: request.inputs[k] for k in sorted(request.inputs)},
        "arrival_rate_per_h": entry.arrival_rate_per_h,
        "holding": {
            "distribution": entry.holding,
            "mean_h": entry.mean_holding_h,
            **({"cv": entry.holding_cv} if entry.holding == "lognormal" else {}),
        },
        "revenue_per_h": entry.revenue_per_h,
        "profile": list(entry.profile) or None,
    }


def _resources(result: StudyResult, kind: str) -> list[dict[str, object]]:
    point = result.point
    roles = {s.name: s.role.value for s in result.spec.substrate.sites}
    out = []
    for key, cap in point.capacity.items():
        k, _, name = key.partition(":")
        if k != kind:
            continue
        row: dict[str, object] = {
            "name": name,
            "capacity": cap,
            "mean": point.util_mean[key].mean,
            "mean_ci95": _est(point.util_mean[key])["ci95"],
            "peak": point.util_peak[key],
        }
        if kind == "site":
            row["role"] = roles[name]
        out.append(row)
    return out


def _series(result: StudyResult, kind: str) -> dict[str, list[float]]:
    return {
        key.partition(":")[2]: list(v) for key, v in result.point.series.items() if key.startswith(kind + ":")
    }


def study_document(
    result: StudyResult, *, substrate_source: str, mix_source: str, version: str = "unknown"
) -> dict[str, Any]:
    spec, point = result.spec, result.point
    steps = len(next(iter(point.series.values()), ()))
    step = spec.sample_step_h / result.load
    units = {"RAN": "vCPU", "CORE": "vCPU", "TRANSPORT": "Mbps"}
    return {
        "schema": SCHEMA,
        "nfvo_version": version,
        "substrate": {
            "name": spec.substrate.name,
            "source": substrate_source,
            "sites": len(spec.substrate.sites),
            "links": len(spec.substrate.links),
        },
        "mix": {"source": mix_source, "entries": [entry_dict(e) for e in spec.mix]},
        "settings": {
            "seed": result.seed,
            "seed_derivation": "numpy.random.SeedSequence(seed).spawn(replications)[index], one stream per "
            "(mix entry, arrivals|thinning|holding|patience)",
            "replications": point.replications,
            "arrivals_per_replication": spec.arrivals,
            "warmup_arrivals": spec.warmup_arrivals,
            "load": result.load,
            "queue": spec.queue.to_dict(),
            "confidence": 0.95,
            "ci_method": "student-t over replications"
            if point.replications > 1
            else "binomial normal approximation within the one run",
            "samples": spec.samples,
        },
        "simulated_hours": {
            **_est(point.window_h),
            "per_replication": [r.window_h for r in result.replications],
        },
        "per_type": [g.to_dict() for g in point.per_type],
        "overall": point.overall.to_dict(),
        "blocked_by": dict(point.blocked_by),
        "still_waiting": point.still_waiting,
        "revenue": {
            "per_h": point.overall.revenue_per_h.mean,
            "per_h_ci95": _est(point.overall.revenue_per_h)["ci95"],
            "unit": "revenue units per hour, as the mix file's revenue_per_h",
        },
        "utilisation": {
            "domains": [
                {
                    "name": key.partition(":")[2],
                    "unit": units[key.partition(":")[2]],
                    "capacity": cap,
                    "mean": point.util_mean[key].mean,
                    "mean_ci95": _est(point.util_mean[key])["ci95"],
                    "peak": point.util_peak[key],
                }
                for key, cap in point.capacity.items()
                if key.startswith("domain:")
            ],
            "sites": _resources(result, "site"),
            "links": _resources(result, "link"),
        },
        "timeseries": {
            "step_h": step,
            "t_h": [i * step for i in range(steps)],
            "warmup_end_h": [r.warmup_end_h for r in result.replications],
            "domains": _series(result, "domain"),
            "sites": _series(result, "site"),
            "links": _series(result, "link"),
        },
        "replications": [
            {
                "index": r.index,
                "simulated_hours": r.window_h,
                "offered": sum(g.offered for g in r.groups),
                "accepted": sum(g.accepted for g in r.groups),
                "blocked": sum(g.blocked for g in r.groups),
                "placer_calls": r.placer_calls,
            }
            for r in result.replications
        ],
        "headroom": result.headroom.to_dict() if result.headroom else None,
        "sweep": result.sweep.to_dict() if result.sweep else None,
        "timing": dict(result.timing),
    }
