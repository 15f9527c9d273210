"""SLA verification after the transport step: measure what the network delivers.

Placement promised each latency budget from the substrate's nominal link latencies. Once the
transport controller steers the slice's virtual links, it can report the latency it measures
on each of them (operational state `measured-latency-ms` under the vlink it configured: a
NETCONF `<get>`, a gNMI Get of type ALL). We replace each route's nominal latency with the
measured one (median of a few samples, so one jittery probe does not roll a slice back),
recompute every budget along the slice graph exactly as the placement checker does, and
refuse the slice when one is broken. A controller that reports no measurement (yuma123
netconfd, a writable-running fallback) is not a failure: the step says the SLA went
unmeasured, which is what an operator needs to know.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace

from nfvo.domain import (
    ConfigPath,
    Controller,
    PathElem,
    Placement,
    SlaNotMet,
    SliceRequest,
    TemporaryError,
    format_path,
)
from nfvo.lifecycle.push import Connect, quietly
from nfvo.placement import achieved_latency

MEASURED_LEAF = "measured-latency-ms"


@dataclass(frozen=True)
class SlaReport:
    measured_ms: Mapping[str, float]  # vlink → median measured latency
    achieved_ms: Mapping[str, float]  # budget name → latency with the measured routes
    broken: tuple[str, ...]  # budgets over their maximum

    @property
    def summary(self) -> str:
        if not self.measured_ms:
            return "no telemetry from the transport controller: SLA not measured"
        parts = [f"{name} {ms:.3f} ms" for name, ms in sorted(self.achieved_ms.items())]
        return "measured: " + (", ".join(parts) or f"{len(self.measured_ms)} virtual links, no budgets")


def vlink_path(slice_key: str, vlink: str) -> ConfigPath:
    return (
        PathElem("slices"),
        PathElem("slice", (("name", slice_key),)),
        PathElem("vlink", (("id", vlink),)),
    )


def measure_vlinks(
    connect: Connect,
    controller: Controller,
    slice_key: str,
    vlinks: list[str],
    *,
    samples: int = 3,
    attempts: int = 3,
    backoff_s: float = 0.2,
) -> dict[str, float]:
    """Median measured latency per vlink over `samples` reads; vlinks the controller
    reports nothing for are left out. Temporary errors are retried `attempts` times."""
    paths = {name: vlink_path(slice_key, name) for name in vlinks}
    readings: dict[str, list[float]] = {}
    for failures in range(attempts):
        try:
            readings = _sample(connect, controller, paths, samples)
            break
        except TemporaryError:
            if failures + 1 >= attempts:
                raise
            time.sleep(backoff_s * 2**failures)
    return {name: statistics.median(values) for name, values in readings.items() if values}


def _sample(
    connect: Connect, controller: Controller, paths: Mapping[str, ConfigPath], samples: int
) -> dict[str, list[float]]:
    adapter = connect(controller)
    adapter.open()
    try:
        readings: dict[str, list[float]] = {name: [] for name in paths}
        for _ in range(samples):
            found = adapter.measure(list(paths.values()))
            for name, path in paths.items():
                value = _measured(found.get(format_path(path)))
                if value is not None:
                    readings[name].append(value)
        return readings
    finally:
        quietly(adapter.close)


def _measured(entry: object) -> float | None:
    if not isinstance(entry, Mapping):
        return None
    try:
        return float(str(entry[MEASURED_LEAF]))
    except (KeyError, ValueError):
        return None


def assess(request: SliceRequest, placement: Placement, measured_ms: Mapping[str, float]) -> SlaReport:
    """Every budget recomputed with measured route latencies (nominal where unmeasured)."""
    if not measured_ms:
        return SlaReport({}, {}, ())
    routes = tuple(replace(r, latency_ms=measured_ms.get(r.vlink, r.latency_ms)) for r in placement.routes)
    measured = replace(placement, routes=routes)
    achieved = {
        b.name: achieved_latency(request, measured, b.source, b.target) for b in request.sla.latency_budgets
    }
    broken = tuple(b.name for b in request.sla.latency_budgets if achieved[b.name] > b.max_ms + 1e-9)
    return SlaReport(dict(measured_ms), achieved, broken)


def raise_if_broken(report: SlaReport, request: SliceRequest, controller: Controller) -> None:
    if not report.broken:
        return
    budgets = {b.name: b for b in request.sla.latency_budgets}
    parts = [
        f"budget {name!r} ({budgets[name].source} → {budgets[name].target}) measures "
        f"{report.achieved_ms[name]:.3f} ms, over its {budgets[name].max_ms:.3f} ms"
        for name in report.broken
    ]
    slowest = max(report.measured_ms.items(), key=lambda item: item[1])
    raise SlaNotMet(
        f"after the transport step, controller {controller.name} measures: " + "; ".join(parts),
        hint=(
            f"the slowest virtual link is {slowest[0]!r} at {slowest[1]:.3f} ms; the slice was rolled "
            "back: check the transport paths (degraded links), or relax the budget and submit again"
        ),
    )
