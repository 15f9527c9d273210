"""Headroom and time to exhaustion.

* Utilisation headroom (with a growth rate): for each domain, site and link, the load
  multiplier at which its mean utilisation would reach `max_utilisation`, assuming the
  carried load grows in proportion to the offered load (true while blocking is low), and
  the months until then at `growth_pct_per_month` compounded monthly:
  months = ln(multiplier) / ln(1 + growth).
* Blocking headroom (with a sweep over load multipliers): the multiplier at which the
  mean overall blocking first crosses `target`, interpolated linearly between the two
  sweep points around it, and the months until then at the growth rate.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from simulator.study.stats import PointSummary

TIGHTEST = 10  # sites and links listed in the headroom table


def months_until(multiplier: float | None, growth_pct_per_month: float | None) -> float | None:
    """Months of compound growth until the load is `multiplier` times today's."""
    if multiplier is None or growth_pct_per_month is None or growth_pct_per_month <= 0:
        return None
    if multiplier <= 1.0:
        return 0.0
    return math.log(multiplier) / math.log1p(growth_pct_per_month / 100.0)


@dataclass(frozen=True)
class ResourceHeadroom:
    resource: str  # "domain:RAN", "site:edge-1", "link:a--b"
    utilisation: float  # mean over the counted window
    multiplier: float | None  # load multiplier to reach max_utilisation (None: unused)
    months: float | None

    def to_dict(self) -> dict[str, object]:
        kind, _, name = self.resource.partition(":")
        return {
            "kind": kind,
            "name": name,
            "utilisation": self.utilisation,
            "load_multiplier": self.multiplier,
            "months": self.months,
        }


@dataclass(frozen=True)
class Headroom:
    growth_pct_per_month: float
    max_utilisation: float
    domains: tuple[ResourceHeadroom, ...]
    tightest: tuple[ResourceHeadroom, ...]  # sites and links, least headroom first

    def to_dict(self) -> dict[str, object]:
        return {
            "growth_pct_per_month": self.growth_pct_per_month,
            "max_utilisation": self.max_utilisation,
            "domains": [d.to_dict() for d in self.domains],
            "tightest": [t.to_dict() for t in self.tightest],
        }


def _one(key: str, used: float, growth: float, max_utilisation: float) -> ResourceHeadroom:
    multiplier = max_utilisation / used if used > 0 else None
    return ResourceHeadroom(key, used, multiplier, months_until(multiplier, growth))


def headroom(point: PointSummary, *, growth_pct_per_month: float, max_utilisation: float = 0.8) -> Headroom:
    mean = {k: e.mean for k, e in point.util_mean.items()}
    domains = tuple(
        _one(k, mean[k], growth_pct_per_month, max_utilisation) for k in mean if k.startswith("domain:")
    )
    others = [
        _one(k, mean[k], growth_pct_per_month, max_utilisation)
        for k in mean
        if not k.startswith("domain:") and mean[k] > 0
    ]
    others.sort(key=lambda r: (r.multiplier if r.multiplier is not None else math.inf, r.resource))
    return Headroom(growth_pct_per_month, max_utilisation, domains, tuple(others[:TIGHTEST]))


@dataclass(frozen=True)
class SweepOutcome:
    target: float
    base_load: float
    points: tuple[PointSummary, ...]  # in increasing load
    crossing: str  # "within" the sweep, "below" its first point, "above" its last
    multiplier_at_target: float | None
    months_to_target: float | None

    def to_dict(self) -> dict[str, object]:
        return {
            "target_blocking": self.target,
            "crossing": self.crossing,
            "load_multiplier_at_target": self.multiplier_at_target,
            "months_to_target": self.months_to_target,
            "points": [
                {
                    "load_multiplier": p.load / self.base_load,
                    "load": p.load,
                    "blocking": p.overall.blocking.mean,
                    "blocking_ci95": p.overall.blocking.to_dict()["ci95"],
                    "per_type": [
                        {
                            "slice_type": g.group,
                            "blocking": g.blocking.mean,
                            "blocking_ci95": g.blocking.to_dict()["ci95"],
                        }
                        for g in p.per_type
                    ],
                }
                for p in self.points
            ],
        }


def crossing(points: Sequence[tuple[float, float]], target: float) -> tuple[str, float | None]:
    """Where (multiplier, blocking) points first cross `target`, interpolated linearly."""
    if not points:
        return "above", None
    if points[0][1] > target:
        return "below", None
    for (m0, b0), (m1, b1) in itertools.pairwise(points):
        if b0 <= target < b1:
            return "within", m0 + (target - b0) * (m1 - m0) / (b1 - b0)
    return "above", None


def sweep_outcome(
    points: Sequence[PointSummary], *, base_load: float, target: float, growth_pct_per_month: float | None
) -> SweepOutcome:
    where, multiplier = crossing([(p.load / base_load, p.overall.blocking.mean) for p in points], target)
    return SweepOutcome(
        target, base_load, tuple(points), where, multiplier, months_until(multiplier, growth_pct_per_month)
    )
