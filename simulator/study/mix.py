"""What a study offers and how it runs: the mix entries, holding-time distributions, the
waiting room, and the spec handed to every replication (picklable: plain data and a
top-level placer function, never an open resource)."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from nfvo.domain import Placer, SliceRequest, Substrate

HOLDING_KINDS = ("exponential", "deterministic", "lognormal")


@dataclass(frozen=True)
class MixEntry:
    """One stream of slice requests.

    Arrivals are Poisson at `arrival_rate_per_h`, or, with a `profile` of 24 hourly
    multipliers, a non-homogeneous Poisson process of rate `arrival_rate_per_h * profile[h]`
    in hour h of the day (simulated by thinning). Each accepted slice holds its capacity for
    a time drawn from `holding` ("exponential", "deterministic" or "lognormal") of mean
    `mean_holding_h` (lognormal: with coefficient of variation `holding_cv`) and earns
    `revenue_per_h` while it is held. Results are grouped by `label` (default: the slice
    type), so that the entries of one template spread over many cell sites count as one.
    """

    request: SliceRequest
    arrival_rate_per_h: float
    mean_holding_h: float
    holding: str = "exponential"
    holding_cv: float = 1.0
    revenue_per_h: float = 0.0
    profile: tuple[float, ...] = ()
    label: str = ""

    @property
    def group(self) -> str:
        return self.label or self.request.sla.slice_type.value

    @property
    def mean_rate_per_h(self) -> float:
        """The arrival rate averaged over a day."""
        if not self.profile:
            return self.arrival_rate_per_h
        return self.arrival_rate_per_h * sum(self.profile) / len(self.profile)

    def problems(self) -> list[str]:
        """What is wrong with this entry (empty when it is sound)."""
        out = []
        name = self.label or self.request.template
        if not (self.arrival_rate_per_h >= 0 and math.isfinite(self.arrival_rate_per_h)):
            out.append(f"{name}: the arrival rate must be a finite number >= 0")
        if not (self.mean_holding_h > 0 and math.isfinite(self.mean_holding_h)):
            out.append(f"{name}: the mean holding time must be a finite number > 0")
        if self.holding not in HOLDING_KINDS:
            out.append(f"{name}: unknown holding-time distribution {self.holding!r}")
        if self.holding == "lognormal" and not self.holding_cv > 0:
            out.append(f"{name}: a lognormal holding time needs a coefficient of variation > 0")
        if self.profile and (len(self.profile) != 24 or min(self.profile) < 0 or max(self.profile) <= 0):
            out.append(f"{name}: a profile is 24 hourly multipliers >= 0, not all zero")
        return out

    def draw_holding(self, rng: random.Random) -> float:
        if self.holding == "deterministic":
            return self.mean_holding_h
        if self.holding == "lognormal":
            sigma2 = math.log1p(self.holding_cv**2)
            return rng.lognormvariate(math.log(self.mean_holding_h) - sigma2 / 2, math.sqrt(sigma2))
        return rng.expovariate(1.0 / self.mean_holding_h)


@dataclass(frozen=True)
class QueuePolicy:
    """What happens to a request that cannot be placed on arrival.

    `capacity` 0 (the default) refuses it at once: a loss system, as in Erlang-B. Otherwise
    it waits in a FIFO room of `capacity` places (None: unlimited) and is placed as soon as
    capacity frees up ahead of those behind it (strict FIFO: the head waits for room, and so
    does everyone behind it). With `patience_h`, each waiting request gives up after an
    exponential time of that mean. Over full capacity a request is refused (blocked).
    """

    capacity: int | None = 0
    patience_h: float | None = None

    @property
    def enabled(self) -> bool:
        return self.capacity is None or self.capacity > 0

    def to_dict(self) -> dict[str, object]:
        return {"capacity": self.capacity, "patience_h": self.patience_h}


@dataclass(frozen=True)
class StudySpec:
    """Everything one replication needs, shipped once to each worker."""

    substrate: Substrate
    mix: tuple[MixEntry, ...]
    placer: Placer
    arrivals: int
    warmup_arrivals: int
    queue: QueuePolicy = field(default_factory=QueuePolicy)
    samples: int = 100  # points of the utilisation time series

    @property
    def mean_rate_per_h(self) -> float:
        return sum(e.mean_rate_per_h for e in self.mix)

    @property
    def sample_step_h(self) -> float:
        """The time-series grid: the expected run length (at load 1) over `samples`."""
        expected_h = (self.arrivals + self.warmup_arrivals) / self.mean_rate_per_h
        return expected_h / self.samples

    def groups(self) -> list[str]:
        return list(dict.fromkeys(e.group for e in self.mix))


def make_spec(
    substrate: Substrate,
    mix: Sequence[MixEntry],
    placer: Placer,
    *,
    arrivals: int,
    warmup_arrivals: int | None = None,
    queue: QueuePolicy | None = None,
    samples: int = 100,
) -> StudySpec:
    """A checked spec; raises ValueError saying what is wrong."""
    if arrivals < 1:
        raise ValueError("a study needs at least one arrival")
    if not any(e.arrival_rate_per_h > 0 for e in mix):
        raise ValueError("the mix offers nothing: every arrival rate is zero")
    problems = [p for entry in mix for p in entry.problems()]
    if problems:
        raise ValueError("; ".join(problems))
    queue = queue or QueuePolicy()
    if queue.capacity is not None and queue.capacity < 0:
        raise ValueError("the waiting room's capacity must be >= 0 (or unlimited)")
    if queue.patience_h is not None and not queue.patience_h > 0:
        raise ValueError("the patience must be > 0 hours (or none)")
    warmup = arrivals // 10 if warmup_arrivals is None else warmup_arrivals
    if warmup < 0:
        raise ValueError("the warm-up must be >= 0 arrivals")
    if samples < 2:
        raise ValueError("the time series needs at least 2 samples")
    return StudySpec(substrate, tuple(mix), placer, arrivals, warmup, queue, samples)
