"""One replication of a study (SimPy, time in hours): `simulate(spec, load, seed, index)`.

* Each mix entry is its own arrival stream: Poisson at its rate times `load`, or, with a
  diurnal profile, a non-homogeneous Poisson process simulated by thinning (candidates at
  the peak rate, each kept with probability profile[hour] / max(profile)).
* Every random input has its own stream, seeded from `SeedSequence(seed, spawn_key=(index,
  entry, stream))`, which is child `index` of `SeedSequence(seed).spawn(R)`: a replication's
  draws depend on the study seed and its index only, never on how the work is split. A
  holding time is drawn for every arrival, accepted or not (common random numbers across
  substrates, placers and loads).
* Each arrival calls the placer on what is free at that instant. An accepted slice holds
  `placement.usage(request)` until it departs; an `InfeasibleError` refuses it, or, with a
  waiting room (QueuePolicy), it waits FIFO and is placed when capacity frees up.
* The first `warmup_arrivals` arrivals are not counted; means are over the counted window.
  The utilisation time series covers the whole run (warm-up included) on a fixed grid.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass

import simpy

from nfvo.domain import InfeasibleError, Placement, Resources, SiteRole, Usage
from simulator.study.meter import Counts, Meter, Waiting, stream
from simulator.study.mix import MixEntry, StudySpec


@dataclass(frozen=True)
class GroupCounts:
    """What happened to the counted requests of one group (label or slice type)."""

    group: str
    offered: int = 0
    accepted: int = 0  # placed, at once or after waiting
    blocked: int = 0  # refused on arrival (no room to wait)
    waited: int = 0  # could not be placed on arrival and joined the waiting room
    abandoned: int = 0  # gave up waiting
    wait_h: float = 0.0  # total time waited by those placed after waiting
    revenue: float = 0.0  # earned over the counted window


@dataclass(frozen=True)
class Replication:
    index: int
    load: float
    window_h: float  # the counted window
    warmup_end_h: float
    groups: tuple[GroupCounts, ...]
    blocked_by: tuple[tuple[str, int], ...]  # blocking-constraint kind → count
    still_waiting: int
    capacity: Mapping[str, float]  # resource key ("domain:RAN", "site:x", "link:a--b") → capacity
    util_mean: Mapping[str, float]  # time-weighted fraction of capacity held over the window
    util_peak: Mapping[str, float]
    series: Mapping[str, tuple[float, ...]]  # fraction held at t = k * sample_step_h
    placer_calls: int


class _Replication:
    def __init__(
        self, spec: StudySpec, load: float, seed: int, index: int, tick: Callable[[int], None] | None
    ) -> None:
        self.spec, self.load, self.seed, self.index, self.tick = spec, load, seed, index, tick
        self.env = simpy.Environment()
        sub = spec.substrate
        self.domain_of = {
            s.name: "domain:RAN" if s.role is SiteRole.CELL else "domain:CORE" for s in sub.sites
        }
        self.capacity: dict[str, float] = {
            "domain:RAN": sum(s.capacity.cpu for s in sub.sites if s.role is SiteRole.CELL),
            "domain:CORE": sum(s.capacity.cpu for s in sub.sites if s.role is not SiteRole.CELL),
            "domain:TRANSPORT": sum(link.capacity_mbps for link in sub.links),
        }
        self.capacity |= {f"site:{s.name}": s.capacity.cpu for s in sub.sites}
        self.capacity |= {f"link:{link.key}": link.capacity_mbps for link in sub.links}
        self.meter = Meter()
        self.sites: dict[str, Resources] = {}
        self.links: dict[str, float] = {}
        self.queue: deque[Waiting] = deque()
        self.waiting = 0  # alive entries in the queue
        self.seen = 0
        self.window_start = 0.0
        self.counts = Counts()
        self.calls = 0
        self.series: dict[str, list[float]] = {key: [] for key in self.capacity}
        self.holding = [stream(seed, index, i, "holding") for i in range(len(spec.mix))]
        self.patience = [stream(seed, index, i, "patience") for i in range(len(spec.mix))]
        self.last_usage: dict[int, tuple[Placement, Usage]] = {}
        self.done = self.env.event()

    # --- capacity held -------------------------------------------------------------

    def _hold(self, usage: Usage, sign: float, revenue: tuple[str, float]) -> None:
        now, add = self.env.now, self.meter.add
        domains = {"domain:RAN": 0.0, "domain:CORE": 0.0}
        for name, res in usage.sites.items():
            held = self.sites.get(name, Resources()) + Resources(sign * res.cpu, sign * res.memory_gb)
            self.sites[name] = held
            if abs(held.cpu) < 1e-9 and abs(held.memory_gb) < 1e-9:
                del self.sites[name]
            add(f"site:{name}", now, sign * res.cpu)
            domains[self.domain_of[name]] += sign * res.cpu
        transport = 0.0
        for key, mbps in usage.links_mbps.items():
            level = self.links.get(key, 0.0) + sign * mbps
            if abs(level) < 1e-9:
                del self.links[key]
            else:
                self.links[key] = level
            add(f"link:{key}", now, sign * mbps)
            transport += sign * mbps
        for key, delta in domains.items():
            if delta:
                add(key, now, delta)
        if transport:
            add("domain:TRANSPORT", now, transport)
        if revenue[1]:
            add(f"revenue:{revenue[0]}", now, sign * revenue[1])

    def _try_place(self, index: int) -> Usage | InfeasibleError:
        entry = self.spec.mix[index]
        self.calls += 1
        try:
            placement = self.spec.placer(
                entry.request, self.spec.substrate, Usage(dict(self.sites), dict(self.links))
            )
        except InfeasibleError as err:
            return err
        # A placer may hand back the same placement again (a memo): reuse its usage.
        last = self.last_usage.get(index)
        if last is not None and last[0] is placement:
            return last[1]
        usage = placement.usage(entry.request)
        self.last_usage[index] = (placement, usage)
        return usage

    def _start(self, index: int, usage: Usage, hold_h: float, counted: bool) -> None:
        entry = self.spec.mix[index]
        revenue = (entry.group, entry.revenue_per_h)
        self._hold(usage, +1.0, revenue)
        self.env.process(self._depart(usage, hold_h, revenue))
        self.counts.accepted[entry.group] += int(counted)

    def _depart(
        self, usage: Usage, after_h: float, revenue: tuple[str, float]
    ) -> Generator[simpy.Event, object, None]:
        yield self.env.timeout(after_h)
        self._hold(usage, -1.0, revenue)
        self._drain()

    # --- waiting room --------------------------------------------------------------

    def _drain(self) -> None:
        while self.queue:
            head = self.queue[0]
            if not head.alive:
                self.queue.popleft()
                continue
            placed = self._try_place(head.entry)
            if isinstance(placed, InfeasibleError):
                return
            self.queue.popleft()
            head.alive = False
            self.waiting -= 1
            if head.counted:
                self.counts.wait_h[self.spec.mix[head.entry].group] += self.env.now - head.since
            self._start(head.entry, placed, head.hold_h, head.counted)

    def _give_up(self, waiter: Waiting, after_h: float) -> Generator[simpy.Event, object, None]:
        yield self.env.timeout(after_h)
        if waiter.alive:
            waiter.alive = False
            self.waiting -= 1
            self.counts.abandoned[self.spec.mix[waiter.entry].group] += int(waiter.counted)
            self._drain()

    def _wait(self, index: int, hold_h: float, counted: bool) -> bool:
        queue = self.spec.queue
        if not queue.enabled or (queue.capacity is not None and self.waiting >= queue.capacity):
            return False
        waiter = Waiting(index, hold_h, self.env.now, counted)
        self.queue.append(waiter)
        self.waiting += 1
        self.counts.waited[self.spec.mix[index].group] += int(counted)
        if queue.patience_h is not None:
            self.env.process(self._give_up(waiter, self.patience[index].expovariate(1.0 / queue.patience_h)))
        return True

    # --- arrivals ------------------------------------------------------------------

    def _arrive(self, index: int) -> None:
        entry = self.spec.mix[index]
        hold_h = entry.draw_holding(self.holding[index])
        counted = self.seen >= self.spec.warmup_arrivals
        if self.seen == self.spec.warmup_arrivals:
            self.window_start = self.env.now
            self.meter.restart(self.env.now)
        self.seen += 1
        self.counts.offered[entry.group] += int(counted)
        placed: Usage | InfeasibleError | None = None
        if self.waiting == 0:  # strict FIFO: nobody overtakes those already waiting
            placed = self._try_place(index)
            if isinstance(placed, Usage):
                self._start(index, placed, hold_h, counted)
                return
            if counted:
                self.counts.blocked_by[placed.blocking.kind] += 1
        if not self._wait(index, hold_h, counted):
            self.counts.blocked[entry.group] += int(counted)

    def _source(self, index: int, entry: MixEntry) -> Generator[simpy.Event, object, None]:
        gaps = stream(self.seed, self.index, index, "arrivals")
        thin = stream(self.seed, self.index, index, "thinning")
        profile = entry.profile
        peak = max(profile) if profile else 1.0
        rate = entry.arrival_rate_per_h * self.load * peak
        total = self.spec.arrivals + self.spec.warmup_arrivals
        while True:
            yield self.env.timeout(gaps.expovariate(rate))
            if self.done.triggered:
                return
            if profile and thin.random() * peak >= profile[int(self.env.now % 24.0)]:
                continue
            self._arrive(index)
            if self.tick is not None and self.seen % 1000 == 0:
                self.tick(1000)
            if self.seen == total:
                self.done.succeed()
                return

    def _sampler(self, step_h: float) -> Generator[simpy.Event, object, None]:
        while not self.done.triggered:
            for key, cap in self.capacity.items():
                self.series[key].append(self.meter.level.get(key, 0.0) / cap if cap > 0 else 0.0)
            yield self.env.timeout(step_h)

    def run(self) -> Replication:
        for index, entry in enumerate(self.spec.mix):
            if entry.arrival_rate_per_h > 0 and self.load > 0:
                self.env.process(self._source(index, entry))
        self.env.process(self._sampler(self.spec.sample_step_h / self.load))
        self.env.run(until=self.done)
        now = self.env.now
        self.meter.close(now)
        window = now - self.window_start
        c = self.counts
        groups = tuple(
            GroupCounts(
                g,
                c.offered[g],
                c.accepted[g],
                c.blocked[g],
                c.waited[g],
                c.abandoned[g],
                c.wait_h[g],
                self.meter.area.get(f"revenue:{g}", 0.0),
            )
            for g in self.spec.groups()
        )
        mean = {
            k: self.meter.area.get(k, 0.0) / (window * cap) if window > 0 and cap > 0 else 0.0
            for k, cap in self.capacity.items()
        }
        peak = {k: self.meter.peak.get(k, 0.0) / cap if cap > 0 else 0.0 for k, cap in self.capacity.items()}
        still = sum(1 for w in self.queue if w.alive and w.counted)
        return Replication(
            index=self.index,
            load=self.load,
            window_h=window,
            warmup_end_h=self.window_start,
            groups=groups,
            blocked_by=tuple(sorted(c.blocked_by.items(), key=lambda kv: (-kv[1], kv[0]))),
            still_waiting=still,
            capacity=dict(self.capacity),
            util_mean=mean,
            util_peak=peak,
            series={k: tuple(v) for k, v in self.series.items()},
            placer_calls=self.calls,
        )


def simulate(
    spec: StudySpec,
    *,
    load: float = 1.0,
    seed: int = 0,
    index: int = 0,
    tick: Callable[[int], None] | None = None,
) -> Replication:
    """Replication `index` of the study `spec` at `load` times its arrival rates."""
    if spec.mean_rate_per_h * load <= 0:
        raise ValueError("the mix offers nothing at this load")
    return _Replication(spec, load, seed, index, tick).run()
