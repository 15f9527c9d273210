"""A first capacity study: offer a mix of slices to a substrate and measure blocking
(`run_study`); `format_study` shows the result as a text table.

The model (SimPy, time in hours):

* Each mix entry is an independent Poisson stream of requests (exponential inter-arrival
  times at `arrival_rate_per_h`), and each request would hold its capacity for an
  exponential time of mean `mean_holding_h`. Every entry draws from its own two seeded
  random streams (arrivals, holding times), and a holding time is drawn for every arrival,
  accepted or not: the same seed offers the same requests at the same times whatever the
  substrate or placer, so configurations compare on common random numbers.
* Each arrival calls the placer on what is free at that instant. An accepted slice holds
  `placement.usage(request)` until it departs; an `InfeasibleError` blocks the request (no
  retry, no queue: a loss system, as in Erlang-B).
* The first `warmup_arrivals` arrivals (a tenth by default) are not counted, so the counts
  do not start from an empty network; utilisation is averaged over the counted window, from
  the first counted arrival to the last.
* Utilisation per domain is the time-weighted fraction of capacity held: RAN = cpu of cell
  sites, CORE = cpu of edge, regional and core sites, TRANSPORT = bandwidth of all links.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Generator, Sequence
from dataclasses import asdict, dataclass, field

import simpy

from nfvo.domain import InfeasibleError, Placer, Resources, SiteRole, SliceRequest, Substrate, Usage

_Z95 = 1.959963984540054


@dataclass(frozen=True)
class MixEntry:
    request: SliceRequest
    arrival_rate_per_h: float
    mean_holding_h: float


@dataclass(frozen=True)
class TypeStats:
    """Blocking of one slice type, with a 95% normal-approximation interval."""

    slice_type: str
    offered: int
    accepted: int

    @property
    def blocked(self) -> int:
        return self.offered - self.accepted

    @property
    def blocking(self) -> float:
        return self.blocked / self.offered if self.offered else 0.0

    @property
    def ci95(self) -> tuple[float, float]:
        if not self.offered:
            return (0.0, 1.0)
        p = self.blocking
        half = _Z95 * math.sqrt(p * (1.0 - p) / self.offered)
        return (max(0.0, p - half), min(1.0, p + half))

    def to_dict(self) -> dict[str, object]:
        low, high = self.ci95
        return {**asdict(self), "blocked": self.blocked, "blocking": self.blocking, "ci95": [low, high]}


@dataclass(frozen=True)
class DomainUtilisation:
    domain: str  # "RAN" | "CORE" | "TRANSPORT"
    mean: float  # time-weighted fraction of capacity held
    peak: float
    capacity: float
    unit: str


@dataclass(frozen=True)
class StudyResult:
    substrate: str
    seed: int
    arrivals: int  # counted arrivals (after the warm-up)
    warmup_arrivals: int
    simulated_hours: float  # the counted window
    per_type: tuple[TypeStats, ...]
    overall: TypeStats
    utilisation: tuple[DomainUtilisation, ...]
    blocked_by: tuple[tuple[str, int], ...]  # blocking-constraint kind → count, most first

    def by_type(self, slice_type: str) -> TypeStats:
        return next(t for t in self.per_type if t.slice_type == slice_type)

    def domain(self, name: str) -> DomainUtilisation:
        return next(u for u in self.utilisation if u.domain == name)

    def to_dict(self) -> dict[str, object]:
        return {
            "substrate": self.substrate,
            "seed": self.seed,
            "arrivals": self.arrivals,
            "warmup_arrivals": self.warmup_arrivals,
            "simulated_hours": self.simulated_hours,
            "per_type": [t.to_dict() for t in self.per_type],
            "overall": self.overall.to_dict(),
            "utilisation": [asdict(u) for u in self.utilisation],
            "blocked_by": dict(self.blocked_by),
        }


@dataclass
class _Meter:
    """Held capacity per domain, integrated over time for the averages."""

    capacity: dict[str, float]
    held: dict[str, float] = field(default_factory=dict)
    area: dict[str, float] = field(default_factory=dict)
    peak: dict[str, float] = field(default_factory=dict)
    since: float = 0.0

    def advance(self, now: float) -> None:
        for name, level in self.held.items():
            self.area[name] = self.area.get(name, 0.0) + level * (now - self.since)
        self.since = now

    def restart(self, now: float) -> None:
        self.since, self.area = now, {}
        self.peak = dict(self.held)

    def change(self, now: float, delta: dict[str, float]) -> None:
        self.advance(now)
        for name, d in delta.items():
            self.held[name] = max(self.held.get(name, 0.0) + d, 0.0)
            self.peak[name] = max(self.peak.get(name, 0.0), self.held[name])

    def result(self, window: float) -> tuple[DomainUtilisation, ...]:
        out = []
        for name, unit in (("RAN", "vCPU"), ("CORE", "vCPU"), ("TRANSPORT", "Mbps")):
            cap = self.capacity.get(name, 0.0)
            mean = self.area.get(name, 0.0) / (window * cap) if window > 0 and cap > 0 else 0.0
            peak = self.peak.get(name, 0.0) / cap if cap > 0 else 0.0
            out.append(DomainUtilisation(name, mean, peak, cap, unit))
        return tuple(out)


class _Study:
    def __init__(
        self,
        substrate: Substrate,
        mix: Sequence[MixEntry],
        placer: Placer,
        *,
        arrivals: int,
        warmup: int,
        seed: int,
    ) -> None:
        self.env = simpy.Environment()
        self.substrate, self.mix, self.placer = substrate, mix, placer
        self.arrivals, self.warmup, self.seed = arrivals, warmup, seed
        self.ran_sites = {s.name for s in substrate.sites if s.role is SiteRole.CELL}
        self.meter = _Meter(
            {
                "RAN": sum(s.capacity.cpu for s in substrate.sites if s.role is SiteRole.CELL),
                "CORE": sum(s.capacity.cpu for s in substrate.sites if s.role is not SiteRole.CELL),
                "TRANSPORT": sum(link.capacity_mbps for link in substrate.links),
            }
        )
        self.sites: dict[str, Resources] = {}
        self.links: dict[str, float] = {}
        self.seen = 0
        self.window_start = 0.0
        self.offered: Counter[str] = Counter()
        self.accepted: Counter[str] = Counter()
        self.blocked_by: Counter[str] = Counter()
        self.done = self.env.event()

    def _hold(self, usage: Usage, sign: float) -> None:
        delta = {"RAN": 0.0, "CORE": 0.0, "TRANSPORT": sign * sum(usage.links_mbps.values())}
        for name, res in usage.sites.items():
            now = self.sites.get(name, Resources()) + Resources(sign * res.cpu, sign * res.memory_gb)
            # Drop what rounds to nothing, so a departed slice leaves no float dust behind.
            self.sites[name] = now
            if abs(now.cpu) < 1e-9 and abs(now.memory_gb) < 1e-9:
                del self.sites[name]
            delta["RAN" if name in self.ran_sites else "CORE"] += sign * res.cpu
        for key, mbps in usage.links_mbps.items():
            self.links[key] = self.links.get(key, 0.0) + sign * mbps
            if abs(self.links[key]) < 1e-9:
                del self.links[key]
        self.meter.change(self.env.now, delta)

    def _depart(self, usage: Usage, after_h: float) -> Generator[simpy.Event, object, None]:
        yield self.env.timeout(after_h)
        self._hold(usage, -1.0)

    def _source(self, index: int, entry: MixEntry) -> Generator[simpy.Event, object, None]:
        arrivals = random.Random(f"study/{self.seed}/{index}/arrivals")
        holding = random.Random(f"study/{self.seed}/{index}/holding")
        kind = entry.request.sla.slice_type.value
        while not self.done.triggered:
            yield self.env.timeout(arrivals.expovariate(entry.arrival_rate_per_h))
            if self.done.triggered:
                return
            hold_h = holding.expovariate(1.0 / entry.mean_holding_h)
            counted = self.seen >= self.warmup
            if self.seen == self.warmup:
                self.window_start = self.env.now
                self.meter.restart(self.env.now)
            self.seen += 1
            try:
                held = Usage(dict(self.sites), dict(self.links))
                placement = self.placer(entry.request, self.substrate, held)
            except InfeasibleError as err:
                if counted:
                    self.blocked_by[err.blocking.kind] += 1
            else:
                usage = placement.usage(entry.request)
                self._hold(usage, +1.0)
                self.env.process(self._depart(usage, hold_h))
                self.accepted[kind] += int(counted)
            self.offered[kind] += int(counted)
            if self.seen == self.warmup + self.arrivals:
                self.done.succeed()

    def run(self) -> StudyResult:
        for index, entry in enumerate(self.mix):
            if entry.arrival_rate_per_h > 0:
                self.env.process(self._source(index, entry))
        self.env.run(until=self.done)
        self.meter.advance(self.env.now)
        window = self.env.now - self.window_start
        kinds = list(dict.fromkeys(e.request.sla.slice_type.value for e in self.mix))
        per_type = tuple(TypeStats(k, self.offered[k], self.accepted[k]) for k in kinds)
        overall = TypeStats("all", sum(self.offered.values()), sum(self.accepted.values()))
        return StudyResult(
            substrate=self.substrate.name,
            seed=self.seed,
            arrivals=self.arrivals,
            warmup_arrivals=self.warmup,
            simulated_hours=window,
            per_type=per_type,
            overall=overall,
            utilisation=self.meter.result(window),
            blocked_by=tuple(sorted(self.blocked_by.items(), key=lambda kv: (-kv[1], kv[0]))),
        )


def run_study(
    substrate: Substrate,
    mix: Sequence[MixEntry],
    placer: Placer,
    *,
    arrivals: int = 2000,
    seed: int = 0,
    warmup_arrivals: int | None = None,
) -> StudyResult:
    """Offer `arrivals` requests (after `warmup_arrivals`, default a tenth of them) drawn
    from `mix` to `substrate`, placing each with `placer`. Same seed, same result."""
    if arrivals < 1:
        raise ValueError("a study needs at least one arrival")
    if not any(e.arrival_rate_per_h > 0 for e in mix):
        raise ValueError("the mix offers nothing: every arrival rate is zero")
    for entry in mix:
        if entry.arrival_rate_per_h < 0 or entry.mean_holding_h <= 0:
            raise ValueError(f"{entry.request.template}: rates must be >= 0 and holding times > 0")
    warmup = arrivals // 10 if warmup_arrivals is None else warmup_arrivals
    return _Study(substrate, mix, placer, arrivals=arrivals, warmup=warmup, seed=seed).run()


# --- report ---------------------------------------------------------------------------


def _pct(x: float) -> str:
    return f"{100.0 * x:.2f}%"


def _row(t: TypeStats) -> str:
    low, high = t.ci95
    counts = f"{t.slice_type:<10} {t.offered:>8} {t.accepted:>9} {_pct(t.blocking):>9}"
    return f"{counts}   [{_pct(low)}, {_pct(high)}]"


def format_study(result: StudyResult) -> str:
    lines = [
        f"Capacity study on substrate {result.substrate!r} (seed {result.seed}): {result.arrivals} arrivals "
        f"over {result.simulated_hours:.1f} h, after {result.warmup_arrivals} warm-up arrivals",
        "",
        f"{'slice type':<10} {'offered':>8} {'accepted':>9} {'blocking':>9}   95% CI",
        *(_row(t) for t in result.per_type),
        _row(result.overall),
        "",
        f"{'domain':<10} {'mean':>8} {'peak':>8}   capacity",
        *(
            f"{u.domain:<10} {_pct(u.mean):>8} {_pct(u.peak):>8}   {u.capacity:g} {u.unit}"
            for u in result.utilisation
        ),
    ]
    if result.blocked_by:
        lines += ["", "blocked by: " + ", ".join(f"{kind} {n}" for kind, n in result.blocked_by)]
    return "\n".join(lines)
