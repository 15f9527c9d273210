"""A stream of slice requests offered to one placement engine on one substrate.

Poisson arrivals, exponential holding times; every engine sees the same stream (same seed)
and keeps its own ledger of what the slices it accepted hold until they leave. Revenue of an
accepted slice = its vCPU x its holding time (vCPU-hours, with a mean holding time of 1 h).
"""

from __future__ import annotations

import heapq
import math
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from nfvo.domain import InfeasibleError, Placement, SliceRequest, Substrate, Usage
from nfvo.placement import check_placement

Engine = Callable[[SliceRequest, Substrate, Usage], Placement]
# Share of each example template in the mix.
MIX = {"embb": 0.4, "urllc": 0.4, "mmtc": 0.2}


@dataclass(frozen=True)
class Arrival:
    at: float  # hours
    holding: float  # hours
    template: str
    cell: str


@dataclass
class Outcome:
    offered: int = 0
    accepted: int = 0
    revenue: float = 0.0  # vCPU-hours of accepted slices
    offered_revenue: float = 0.0
    times_ms: list[float] = field(default_factory=list)
    blocked: dict[str, int] = field(default_factory=dict)  # by blocking constraint kind
    violations: int = 0  # placements the independent checker rejected (must stay 0)
    not_optimal: int = 0  # MILP answers stopped by the time limit
    gaps: list[float] = field(default_factory=list)

    @property
    def acceptance(self) -> float:
        return self.accepted / self.offered if self.offered else 0.0


def make_stream(cells: Sequence[str], *, arrivals: int, rate_per_h: float, seed: int) -> list[Arrival]:
    rng = random.Random(seed)
    names, weights = list(MIX), list(MIX.values())
    clock, out = 0.0, []
    for _ in range(arrivals):
        clock += rng.expovariate(rate_per_h)
        out.append(Arrival(clock, rng.expovariate(1.0), rng.choices(names, weights)[0], rng.choice(cells)))
    return out


class EngineRun:
    """One engine offered a stream, arrival by arrival, with its own ledger of what the slices
    it accepted hold until they leave."""

    def __init__(
        self, engine: Engine, substrate: Substrate, requests: Mapping[tuple[str, str], SliceRequest]
    ) -> None:
        self.engine, self.substrate, self.requests = engine, substrate, requests
        self.out = Outcome()
        self.held = Usage()
        self.leaving: list[tuple[float, int, Usage]] = []
        self.offered = 0

    def offer(self, arrival: Arrival) -> None:
        n, out = self.offered, self.out
        self.offered += 1
        while self.leaving and self.leaving[0][0] <= arrival.at:
            self.held = self.held - heapq.heappop(self.leaving)[2]
        request = self.requests[arrival.template, arrival.cell]
        worth = request.total_demand.cpu * arrival.holding
        out.offered += 1
        out.offered_revenue += worth
        started = time.perf_counter()
        try:
            placement = self.engine(request, self.substrate, self.held)
        except InfeasibleError as exc:
            out.times_ms.append((time.perf_counter() - started) * 1000)
            out.blocked[exc.blocking.kind] = out.blocked.get(exc.blocking.kind, 0) + 1
            return
        out.times_ms.append((time.perf_counter() - started) * 1000)
        if check_placement(request, self.substrate, self.held, placement):
            out.violations += 1
            return
        if "status" in placement.stats:
            out.not_optimal += int(placement.stats["status"] != 0)
            out.gaps.append(placement.stats["gap"])
        out.accepted += 1
        out.revenue += worth
        taken = placement.usage(request)
        self.held = self.held + taken
        heapq.heappush(self.leaving, (arrival.at + arrival.holding, n, taken))


def simulate(
    engine: Engine,
    substrate: Substrate,
    stream: Sequence[Arrival],
    requests: Mapping[tuple[str, str], SliceRequest],
) -> Outcome:
    run = EngineRun(engine, substrate, requests)
    for arrival in stream:
        run.offer(arrival)
    return run.out


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]
