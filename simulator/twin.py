"""The digital twin's plan validation: a SimPy run of a deployment plan before it is pushed.

The model, and what it assumes:

* Virtual time is in seconds. The change sets run in plan order, one after another, as the
  lifecycle saga runs them: a step is issued when the previous one has ended.
* Each domain controller is a `simpy.Resource` of capacity `max_concurrent`. A step holds its
  controller for the controller's `commit_latency_ms`. (A sequential saga never waits for a
  controller; the resource is there so that concurrent plans contend realistically once the
  twin runs several.)
* Each site's cpu and memory and each link's bandwidth is a `simpy.Container` that starts at
  what is free now: capacity minus `held`, floored at zero. A step takes its
  `ChangeSet.demand` when its commit completes (that is when configuration takes effect). If
  a container holds less than the step needs, the step fails: the real controller would
  refuse the commit, or the function would not come up.
* A commit that takes longer than its controller's `timeout_s` (counted from the moment the
  controller accepts it) fails at the timeout. `deadline_s` bounds the whole plan: the step
  running when it passes fails at the deadline.
* Capacity is never given back within a plan: inverse change sets need none
  (`ChangeSet.inverse`); a teardown frees capacity in the ledger, which is not modelled here.
* The model is deterministic. The seed is accepted (and recorded in the trace) so that
  stochastic commit latencies can be added without changing callers.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field

import simpy

from nfvo.domain import ChangeSet, Controller, DeploymentPlan, StepTiming, Substrate, Usage, Verdict

_EPS = 1e-9


@dataclass(frozen=True)
class TwinRun:
    """A verdict and the trace of events that led to it (for logs and the CLI)."""

    verdict: Verdict
    trace: tuple[str, ...]


@dataclass
class _Failure:
    step: str
    reason: str


@dataclass
class _Twin:
    env: simpy.Environment
    substrate: Substrate
    deadline_s: float | None
    controllers: dict[str, tuple[Controller, simpy.Resource]] = field(default_factory=dict)
    cpu: dict[str, simpy.Container] = field(default_factory=dict)
    memory: dict[str, simpy.Container] = field(default_factory=dict)
    bandwidth: dict[str, simpy.Container] = field(default_factory=dict)
    steps: list[StepTiming] = field(default_factory=list)
    trace: list[str] = field(default_factory=list)
    failure: _Failure | None = None

    def log(self, text: str) -> None:
        self.trace.append(f"t={self.env.now:.3f}s {text}")

    def shortages(self, cs: ChangeSet) -> list[str]:
        """What the free capacity lacks for this step, with the numbers."""
        out: list[str] = []
        for site, need in sorted(cs.demand.sites.items()):
            if site not in self.cpu:
                out.append(f"site {site} is not in substrate {self.substrate.name!r}")
                continue
            for pool, amount, unit in ((self.cpu, need.cpu, "vCPU"), (self.memory, need.memory_gb, "GB")):
                level = pool[site].level
                if amount > level + _EPS:
                    out.append(f"site {site} has {level:.1f} {unit} free, step {cs.id} needs {amount:.1f}")
        for key, mbps in sorted(cs.demand.links_mbps.items()):
            if key not in self.bandwidth:
                out.append(f"link {key} is not in substrate {self.substrate.name!r}")
            elif mbps > self.bandwidth[key].level + _EPS:
                level = self.bandwidth[key].level
                out.append(f"link {key} has {level:.1f} Mbps free, step {cs.id} needs {mbps:.1f}")
        return out

    def take(self, cs: ChangeSet) -> Generator[simpy.Event, object, None]:
        """Take the step's demand (it fits: shortages() was empty)."""
        wanted = [(self.cpu[s], need.cpu) for s, need in cs.demand.sites.items()]
        wanted += [(self.memory[s], need.memory_gb) for s, need in cs.demand.sites.items()]
        wanted += [(self.bandwidth[k], mbps) for k, mbps in cs.demand.links_mbps.items()]
        for pool, amount in wanted:
            available = min(amount, pool.level)  # float dust must not make get() wait forever
            if available > 0:
                yield pool.get(available)

    def step(self, cs: ChangeSet) -> Generator[simpy.Event, object, None]:
        """One change set: wait for its controller, commit, take its capacity."""
        issued = self.env.now
        if cs.controller not in self.controllers:
            reason = f"step {cs.id}: controller {cs.controller!r} is not in the substrate"
            self.failure = _Failure(cs.id, reason)
            self.steps.append(StepTiming(cs.id, issued, issued))
            self.log(f"{cs.id}: failed: {self.failure.reason}")
            return
        ctl, resource = self.controllers[cs.controller]
        with resource.request() as granted:
            yield granted
            self.log(f"{cs.id}: {ctl.name} accepts the commit")
            commit_s = ctl.commit_latency_ms / 1000.0
            limits = [(ctl.timeout_s, f"its controller {ctl.name}'s timeout of {ctl.timeout_s:.3f} s")]
            if self.deadline_s is not None:
                left = self.deadline_s - self.env.now
                limits.append((left, f"the plan's deadline of {self.deadline_s:.3f} s"))
            allowed, what = min(limits)
            if commit_s > allowed + _EPS:
                yield self.env.timeout(max(allowed, 0.0))
                reason = f"step {cs.id}: commit on {ctl.name} takes {commit_s:.3f} s, beyond {what}"
                self.failure = _Failure(cs.id, reason)
            else:
                yield self.env.timeout(commit_s)
                short = self.shortages(cs)
                if short:
                    self.failure = _Failure(cs.id, "; ".join(short))
                else:
                    yield from self.take(cs)
        self.steps.append(StepTiming(cs.id, issued, self.env.now))
        self.log(f"{cs.id}: failed: {self.failure.reason}" if self.failure else f"{cs.id}: committed")

    def run(self, plan: DeploymentPlan) -> Generator[simpy.Event, object, None]:
        for cs in plan.changesets:
            self.log(f"{cs.id}: issued to {cs.controller} ({cs.domain.value})")
            yield self.env.process(self.step(cs))
            if self.failure is not None:
                return


def simulate(
    plan: DeploymentPlan,
    substrate: Substrate,
    held: Usage,
    *,
    deadline_s: float | None = None,
    seed: int = 0,
) -> TwinRun:
    """Run the plan in the twin; the verdict and the trace of events."""
    env = simpy.Environment()
    twin = _Twin(env, substrate, deadline_s)
    for ctl in substrate.controllers:
        twin.controllers[ctl.name] = (ctl, simpy.Resource(env, capacity=max(ctl.max_concurrent, 1)))
    # Containers hold what is free; their capacity is unbounded because nothing is put back.
    for site in substrate.sites:
        free = held.site_free(site)
        twin.cpu[site.name] = simpy.Container(env, capacity=float("inf"), init=max(free.cpu, 0.0))
        twin.memory[site.name] = simpy.Container(env, capacity=float("inf"), init=max(free.memory_gb, 0.0))
    for link in substrate.links:
        twin.bandwidth[link.key] = simpy.Container(
            env, capacity=float("inf"), init=max(held.link_free_mbps(link), 0.0)
        )
    twin.log(f"plan {plan.slice_name!r}: {len(plan.changesets)} steps, seed {seed}")
    env.process(twin.run(plan))
    env.run()
    failure = twin.failure
    verdict = Verdict(
        ok=failure is None,
        failed_step=None if failure is None else failure.step,
        reason="" if failure is None else failure.reason,
        simulated_duration_s=env.now,
        steps=tuple(twin.steps),
    )
    return TwinRun(verdict, tuple(twin.trace))


def validate(
    plan: DeploymentPlan,
    substrate: Substrate,
    held: Usage,
    *,
    deadline_s: float | None = None,
    seed: int = 0,
) -> Verdict:
    """The twin's prediction for `plan` on `substrate` with `held` already in use."""
    return simulate(plan, substrate, held, deadline_s=deadline_s, seed=seed).verdict
