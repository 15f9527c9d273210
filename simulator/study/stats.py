"""From replications to estimates: means with 95% Student-t confidence intervals.

With R >= 2 replications a quantity's interval is mean ± t(0.975, R-1) · s / √R over the
replications' values (each replication is one independent observation). With a single
replication, a proportion falls back to the normal approximation of the binomial within
that run (which ignores the correlation between successive requests: a rough guide only),
and other quantities get no interval.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from simulator.study.engine import GroupCounts, Replication

_Z975 = 1.959963984540054
# t(0.975, df) for df = 1..30; above, the Cornish-Fisher expansion around the normal.
_T975 = (
    12.7062,
    4.3027,
    3.1824,
    2.7764,
    2.5706,
    2.4469,
    2.3646,
    2.3060,
    2.2622,
    2.2281,
    2.2010,
    2.1788,
    2.1604,
    2.1448,
    2.1314,
    2.1199,
    2.1098,
    2.1009,
    2.0930,
    2.0860,
    2.0796,
    2.0739,
    2.0687,
    2.0639,
    2.0595,
    2.0555,
    2.0518,
    2.0484,
    2.0452,
    2.0423,
)


def t975(df: int) -> float:
    """The 97.5% quantile of Student's t with `df` degrees of freedom."""
    if df < 1:
        raise ValueError("Student's t needs at least one degree of freedom")
    if df <= len(_T975):
        return _T975[df - 1]
    z = _Z975
    return (
        z
        + (z**3 + z) / (4 * df)
        + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)
        + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * df**3)
    )


@dataclass(frozen=True)
class Estimate:
    """A mean over replications and its 95% interval (None where there is none)."""

    mean: float
    low: float | None
    high: float | None

    @property
    def half_width(self) -> float | None:
        return None if self.low is None or self.high is None else (self.high - self.low) / 2

    def covers(self, value: float) -> bool:
        return self.low is not None and self.high is not None and self.low <= value <= self.high

    def to_dict(self) -> dict[str, object]:
        ci = None if self.low is None else [self.low, self.high]
        return {"mean": self.mean, "ci95": ci}


def estimate(values: Sequence[float], *, proportion: bool = False, trials: int = 0) -> Estimate:
    """Mean and Student-t interval of `values`. A `proportion` is clipped to [0, 1], and
    with a single value gets the binomial interval over its `trials` (when given)."""
    n = len(values)
    if n == 0:
        return Estimate(0.0, None, None)
    mean = math.fsum(values) / n
    if n >= 2:
        var = math.fsum((v - mean) ** 2 for v in values) / (n - 1)
        half = t975(n - 1) * math.sqrt(var / n)
    elif proportion and trials > 0:
        half = _Z975 * math.sqrt(mean * (1.0 - mean) / trials)
    else:
        return Estimate(mean, None, None)
    low, high = mean - half, mean + half
    if proportion:
        low, high = max(0.0, low), min(1.0, high)
    return Estimate(mean, low, high)


def _ratio(num: float, den: float) -> float:
    return num / den if den else 0.0


@dataclass(frozen=True)
class GroupSummary:
    group: str
    offered: int
    accepted: int
    blocked: int
    waited: int
    abandoned: int
    blocking: Estimate
    acceptance: Estimate
    waiting: Estimate  # probability of having to wait
    abandonment: Estimate
    mean_wait_h: Estimate  # over every accepted request (0 for those placed at once)
    revenue_per_h: Estimate

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "slice_type": self.group,
            "offered": self.offered,
            "accepted": self.accepted,
            "blocked": self.blocked,
            "waited": self.waited,
            "abandoned": self.abandoned,
        }
        for name in ("blocking", "acceptance", "waiting", "abandonment", "mean_wait_h", "revenue_per_h"):
            est: Estimate = getattr(self, name)
            out[name] = est.mean
            out[f"{name}_ci95"] = None if est.low is None else [est.low, est.high]
        return out


def _merge(name: str, rows: Sequence[GroupCounts]) -> GroupCounts:
    return GroupCounts(
        name,
        *(
            sum(getattr(r, f) for r in rows)
            for f in ("offered", "accepted", "blocked", "waited", "abandoned", "wait_h", "revenue")
        ),
    )


def summarise_group(name: str, per_rep: Sequence[GroupCounts], windows: Sequence[float]) -> GroupSummary:
    total = _merge(name, per_rep)
    single = total.offered if len(per_rep) == 1 else 0

    def prop(f: Callable[[GroupCounts], float]) -> Estimate:
        return estimate([_ratio(f(g), g.offered) for g in per_rep], proportion=True, trials=single)

    return GroupSummary(
        name,
        total.offered,
        total.accepted,
        total.blocked,
        total.waited,
        total.abandoned,
        blocking=prop(lambda g: g.blocked),
        acceptance=prop(lambda g: g.accepted),
        waiting=prop(lambda g: g.waited),
        abandonment=prop(lambda g: g.abandoned),
        mean_wait_h=estimate([_ratio(g.wait_h, g.accepted) for g in per_rep]),
        revenue_per_h=estimate([_ratio(g.revenue, w) for g, w in zip(per_rep, windows, strict=True)]),
    )


@dataclass(frozen=True)
class PointSummary:
    """The replications of one load point, summarised."""

    load: float
    replications: int
    per_type: tuple[GroupSummary, ...]
    overall: GroupSummary
    blocked_by: tuple[tuple[str, int], ...]
    still_waiting: int
    window_h: Estimate
    capacity: dict[str, float]
    util_mean: dict[str, Estimate]
    util_peak: dict[str, float]  # the highest over the replications
    series: dict[str, tuple[float, ...]]  # mean over replications, on the common grid
    placer_calls: int

    def by_type(self, group: str) -> GroupSummary:
        return next(g for g in self.per_type if g.group == group)


def summarise(reps: Sequence[Replication]) -> PointSummary:
    """Replications of one load point, in index order."""
    if not reps:
        raise ValueError("nothing to summarise")
    windows = [r.window_h for r in reps]
    names = [g.group for g in reps[0].groups]
    per_type = tuple(summarise_group(n, [r.groups[i] for r in reps], windows) for i, n in enumerate(names))
    overall = summarise_group("all", [_merge("all", r.groups) for r in reps], windows)
    blocked_by: Counter[str] = Counter()
    for r in reps:
        blocked_by.update(dict(r.blocked_by))
    keys = list(reps[0].capacity)
    length = min(len(r.series[keys[0]]) for r in reps) if keys else 0
    return PointSummary(
        load=reps[0].load,
        replications=len(reps),
        per_type=per_type,
        overall=overall,
        blocked_by=tuple(sorted(blocked_by.items(), key=lambda kv: (-kv[1], kv[0]))),
        still_waiting=sum(r.still_waiting for r in reps),
        window_h=estimate(windows),
        capacity=dict(reps[0].capacity),
        util_mean={k: estimate([r.util_mean[k] for r in reps], proportion=True) for k in keys},
        util_peak={k: max(r.util_peak[k] for r in reps) for k in keys},
        series={
            k: tuple(math.fsum(r.series[k][i] for r in reps) / len(reps) for i in range(length)) for k in keys
        },
        placer_calls=sum(r.placer_calls for r in reps),
    )
