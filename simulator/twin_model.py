"""What the digital twin knows about the world besides the plan: how each controller behaves
and how fast the transport network is.

* A `ControllerProfile` is one controller as the twin simulates it: a commit latency drawn
  from a lognormal distribution whose median is the substrate's `commit_latency_ms` (or what
  was observed) and whose shape is `sigma` (0: always the median, today's deterministic
  model); how many commits it runs at once; its timeout; the probability that it refuses a
  commit; and, when it was observed not to answer at all, why.
* `Conditions` gathers the profiles, the per-link latencies of the transport network (link
  key → ms; the substrate's nominal figure where absent), commits other operations have in
  flight on each controller, and how many seeded runs the twin makes and how many of them
  must succeed.
* `route_latency_ms` gives each routed virtual link its simulated latency, and the
  budgets are recomputed with `SliceRequest.latency_between`, the same walk over the slice
  graph the placement checker and the SLA check use.
"""

from __future__ import annotations

import enum
import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, field

from nfvo.domain import Controller, Placement, Route, SliceRequest, Substrate


class FailureKind(enum.Enum):
    """Why the twin predicts a step fails."""

    CAPACITY = "capacity"  # a site or link holds less than the step needs (raced away)
    TIMEOUT = "timeout"  # the commit outlasts its controller's timeout or the plan's deadline
    SLA = "sla"  # a latency budget is not met with the simulated link latencies
    FAULT = "fault"  # the controller refuses the commit, or does not answer at all
    UNKNOWN = "unknown"  # the plan names a controller, site or link the substrate lacks


@dataclass(frozen=True)
class ControllerProfile:
    median_ms: float
    sigma: float = 0.0
    max_concurrent: int = 1
    timeout_s: float = 10.0
    failure_prob: float = 0.0
    unreachable: str = ""  # non-empty: observed not answering, and why
    source: str = "substrate"  # where median_ms comes from, for reasons ("substrate", "observed", "journal")

    @classmethod
    def of(
        cls, controller: Controller, *, sigma: float = 0.0, failure_prob: float = 0.0
    ) -> ControllerProfile:
        return cls(
            median_ms=controller.commit_latency_ms,
            sigma=sigma,
            max_concurrent=max(controller.max_concurrent, 1),
            timeout_s=controller.timeout_s,
            failure_prob=failure_prob,
        )

    def sample_s(self, rng: random.Random) -> float:
        """One commit's duration in seconds."""
        if self.sigma <= 0 or math.isinf(self.median_ms) or self.median_ms <= 0:
            return self.median_ms / 1000.0
        return rng.lognormvariate(math.log(self.median_ms), self.sigma) / 1000.0


@dataclass(frozen=True)
class Conditions:
    """Everything the twin assumes beyond the substrate file. The defaults reproduce the
    deterministic model: substrate latencies, one run, no failures."""

    profiles: Mapping[str, ControllerProfile] = field(default_factory=dict)  # by controller name
    link_latency_ms: Mapping[str, float] = field(default_factory=dict)  # link key → ms
    link_jitter_ms: float = 0.0  # uniform noise in [0, jitter) added to each routed vlink
    busy: Mapping[str, int] = field(default_factory=dict)  # controller → commits in flight by others
    runs: int = 1  # seeded replications of the plan
    required_success: float = 0.9  # share of runs that must succeed for the plan to pass

    def profile(self, controller: Controller) -> ControllerProfile:
        return self.profiles.get(controller.name) or ControllerProfile.of(controller)


def route_latency_ms(
    route: Route,
    substrate: Substrate,
    link_latency_ms: Mapping[str, float],
    jitter_ms: float,
    rng: random.Random,
) -> float:
    """A route's latency with the simulated per-link latencies: the placement's figure,
    corrected by how much each link's latency differs from the substrate's nominal one."""
    nominal = {link.key: link.latency_ms for link in substrate.links}
    drift = sum(link_latency_ms[k] - nominal.get(k, 0.0) for k in route.link_keys if k in link_latency_ms)
    noise = rng.uniform(0.0, jitter_ms) if jitter_ms > 0 else 0.0
    return route.latency_ms + drift + noise


def broken_budgets(
    request: SliceRequest,
    placement: Placement,
    substrate: Substrate,
    conditions: Conditions,
    rng: random.Random,
) -> list[str]:
    """Each latency budget the simulated link latencies break, with the figures."""
    route_ms = {
        r.vlink: route_latency_ms(r, substrate, conditions.link_latency_ms, conditions.link_jitter_ms, rng)
        for r in placement.routes
    }
    out = []
    for budget in request.sla.latency_budgets:
        got = request.latency_between(route_ms, budget.source, budget.target)
        if got > budget.max_ms + 1e-9:
            out.append(
                f"SLA budget {budget.name!r} ({budget.source} → {budget.target}) takes {got:.3f} ms "
                f"with simulated link latencies, over its {budget.max_ms:.3f} ms"
            )
    return out
