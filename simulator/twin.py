"""The digital twin's plan validation: a SimPy run of a deployment plan before it is pushed.

The model, and what it assumes:

* Virtual time is in seconds. The change sets run in plan order, one after another, as the
  lifecycle saga runs them: a step is issued when the previous one has ended.
* Each domain controller is a `simpy.Resource` of capacity `max_concurrent` (from its
  `ControllerProfile`, simulator.twin_model). Commits other operations have in flight
  (`Conditions.busy`) hold slots from time 0, so a step may queue for its controller; the
  wait counts against the plan's deadline, not the controller's timeout.
* A commit holds its controller for a duration drawn from the controller's lognormal
  latency distribution (median `commit_latency_ms` or the observed latency; `sigma` 0 makes
  it exactly the median). It fails with the controller's `failure_prob`.
* Each site's cpu and memory and each link's bandwidth is a `simpy.Container` that starts at
  what is free now: capacity minus `held`, floored at zero. A step takes its
  `ChangeSet.demand` when its commit completes (that is when configuration takes effect). If
  a container holds less than the step needs, the step fails: the real controller would
  refuse the commit, or the function would not come up.
* A commit that takes longer than its controller's `timeout_s` (counted from the moment the
  controller accepts it) fails at the timeout. `deadline_s` bounds the whole plan: the step
  running when it passes fails at the deadline.
* With the slice's request and placement, once the transport step has committed the twin
  recomputes every latency budget along the routed virtual links with the simulated
  per-link latencies (`Conditions.link_latency_ms`, jitter), as the saga's SLA check does
  with measurements; a broken budget fails the transport step.
* Capacity is never given back within a plan: inverse change sets need none
  (`ChangeSet.inverse`); a teardown frees capacity in the ledger, which is not modelled here.
* Randomness comes from one seeded stream per run (`Conditions.runs` of them); the plan
  passes when at least `required_success` of the runs succeed. The verdict reports the most
  frequent failure, its step and reason. Without `Conditions` the model is deterministic.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Generator
from dataclasses import dataclass, field

import simpy

from nfvo.domain import (
    ChangeSet,
    DeploymentPlan,
    Domain,
    Placement,
    SliceRequest,
    StepTiming,
    Substrate,
    Usage,
    Verdict,
)
from simulator.twin_model import Conditions, ControllerProfile, FailureKind, broken_budgets

_EPS = 1e-9
# How a timeout reason says where the commit time came from.
SOURCE_NOTES = {"substrate": "", "journal": " (its recent transactions)"}


@dataclass(frozen=True)
class TwinRun:
    """A verdict and the trace of events that led to it (for logs and the CLI); why it
    failed, and the share of the simulated runs that succeeded."""

    verdict: Verdict
    trace: tuple[str, ...]
    kind: FailureKind | None = None
    success_rate: float = 1.0


@dataclass
class _Failure:
    step: str
    kind: FailureKind
    reason: str


@dataclass
class _Twin:
    env: simpy.Environment
    substrate: Substrate
    deadline_s: float | None
    rng: random.Random
    conditions: Conditions
    slice_: tuple[SliceRequest, Placement] | None
    controllers: dict[str, tuple[str, ControllerProfile, simpy.Resource]] = field(default_factory=dict)
    cpu: dict[str, simpy.Container] = field(default_factory=dict)
    memory: dict[str, simpy.Container] = field(default_factory=dict)
    bandwidth: dict[str, simpy.Container] = field(default_factory=dict)
    steps: list[StepTiming] = field(default_factory=list)
    trace: list[str] = field(default_factory=list)
    failure: _Failure | None = None

    def log(self, text: str) -> None:
        self.trace.append(f"t={self.env.now:.3f}s {text}")

    def fail(self, cs: ChangeSet, kind: FailureKind, reason: str) -> None:
        self.failure = _Failure(cs.id, kind, reason)

    def shortages(self, cs: ChangeSet) -> tuple[FailureKind, list[str]]:
        """What the free capacity lacks for this step, with the numbers."""
        out: list[str] = []
        kind = FailureKind.CAPACITY
        for site, need in sorted(cs.demand.sites.items()):
            if site not in self.cpu:
                out.append(f"site {site} is not in substrate {self.substrate.name!r}")
                kind = FailureKind.UNKNOWN
                continue
            for pool, amount, unit in ((self.cpu, need.cpu, "vCPU"), (self.memory, need.memory_gb, "GB")):
                level = pool[site].level
                if amount > level + _EPS:
                    out.append(f"site {site} has {level:.1f} {unit} free, step {cs.id} needs {amount:.1f}")
        for key, mbps in sorted(cs.demand.links_mbps.items()):
            if key not in self.bandwidth:
                out.append(f"link {key} is not in substrate {self.substrate.name!r}")
                kind = FailureKind.UNKNOWN
            elif mbps > self.bandwidth[key].level + _EPS:
                level = self.bandwidth[key].level
                out.append(f"link {key} has {level:.1f} Mbps free, step {cs.id} needs {mbps:.1f}")
        return kind, out

    def take(self, cs: ChangeSet) -> Generator[simpy.Event, object, None]:
        """Take the step's demand (it fits: shortages() was empty)."""
        wanted = [(self.cpu[s], need.cpu) for s, need in cs.demand.sites.items()]
        wanted += [(self.memory[s], need.memory_gb) for s, need in cs.demand.sites.items()]
        wanted += [(self.bandwidth[k], mbps) for k, mbps in cs.demand.links_mbps.items()]
        for pool, amount in wanted:
            available = min(amount, pool.level)  # float dust must not make get() wait forever
            if available > 0:
                yield pool.get(available)

    def other_commit(self, resource: simpy.Resource, profile: ControllerProfile) -> Generator[simpy.Event]:
        """A commit by another operation, in flight when the plan starts."""
        with resource.request() as granted:
            yield granted
            yield self.env.timeout(min(profile.sample_s(self.rng), profile.timeout_s))

    def commit(
        self, cs: ChangeSet, name: str, profile: ControllerProfile
    ) -> Generator[simpy.Event, object, None]:
        """The commit itself, once the controller has accepted it."""
        commit_s = profile.sample_s(self.rng)
        limits = [(profile.timeout_s, f"its controller {name}'s timeout of {profile.timeout_s:.3f} s")]
        if self.deadline_s is not None:
            left = self.deadline_s - self.env.now
            limits.append((left, f"the plan's deadline of {self.deadline_s:.3f} s"))
        allowed, what = min(limits)
        if commit_s > allowed + _EPS:
            yield self.env.timeout(max(allowed, 0.0))
            took = "never answers" if math.isinf(commit_s) else f"takes {commit_s:.3f} s"
            seen = SOURCE_NOTES.get(profile.source, " (observed)")
            self.fail(cs, FailureKind.TIMEOUT, f"step {cs.id}: commit on {name} {took}{seen}, beyond {what}")
            return
        yield self.env.timeout(commit_s)
        if profile.failure_prob > 0 and self.rng.random() < profile.failure_prob:
            self.fail(
                cs,
                FailureKind.FAULT,
                f"step {cs.id}: {name} refuses the commit (failure probability {profile.failure_prob:.2f})",
            )
            return
        kind, short = self.shortages(cs)
        if short:
            self.fail(cs, kind, "; ".join(short))
            return
        yield from self.take(cs)
        if cs.domain is Domain.TRANSPORT and self.slice_ is not None:
            broken = broken_budgets(*self.slice_, self.substrate, self.conditions, self.rng)
            if broken:
                self.fail(cs, FailureKind.SLA, f"step {cs.id}: " + "; ".join(broken))

    def step(self, cs: ChangeSet) -> Generator[simpy.Event, object, None]:
        """One change set: wait for its controller, commit, take its capacity."""
        issued = self.env.now
        if cs.controller not in self.controllers:
            self.fail(
                cs, FailureKind.UNKNOWN, f"step {cs.id}: controller {cs.controller!r} is not in the substrate"
            )
        else:
            name, profile, resource = self.controllers[cs.controller]
            if profile.unreachable:
                self.fail(
                    cs,
                    FailureKind.FAULT,
                    f"step {cs.id}: controller {name} does not answer ({profile.unreachable})",
                )
            else:
                with resource.request() as granted:
                    yield granted
                    self.log(f"{cs.id}: {name} accepts the commit")
                    yield from self.commit(cs, name, profile)
        self.steps.append(StepTiming(cs.id, issued, self.env.now))
        self.log(f"{cs.id}: failed: {self.failure.reason}" if self.failure else f"{cs.id}: committed")

    def run(self, plan: DeploymentPlan) -> Generator[simpy.Event, object, None]:
        for cs in plan.changesets:
            self.log(f"{cs.id}: issued to {cs.controller} ({cs.domain.value})")
            yield self.env.process(self.step(cs))
            if self.failure is not None:
                return


def _once(
    plan: DeploymentPlan,
    substrate: Substrate,
    held: Usage,
    deadline_s: float | None,
    rng: random.Random,
    conditions: Conditions,
    slice_: tuple[SliceRequest, Placement] | None,
) -> _Twin:
    env = simpy.Environment()
    twin = _Twin(env, substrate, deadline_s, rng, conditions, slice_)
    for ctl in substrate.controllers:
        profile = conditions.profile(ctl)
        resource = simpy.Resource(env, capacity=max(profile.max_concurrent, 1))
        twin.controllers[ctl.name] = (ctl.name, profile, resource)
        for _ in range(conditions.busy.get(ctl.name, 0)):
            env.process(twin.other_commit(resource, profile))
    # Containers hold what is free; their capacity is unbounded because nothing is put back.
    for site in substrate.sites:
        free = held.site_free(site)
        twin.cpu[site.name] = simpy.Container(env, capacity=float("inf"), init=max(free.cpu, 0.0))
        twin.memory[site.name] = simpy.Container(env, capacity=float("inf"), init=max(free.memory_gb, 0.0))
    for link in substrate.links:
        twin.bandwidth[link.key] = simpy.Container(
            env, capacity=float("inf"), init=max(held.link_free_mbps(link), 0.0)
        )
    done = env.process(twin.run(plan))
    env.run(until=done)
    return twin


def simulate(
    plan: DeploymentPlan,
    substrate: Substrate,
    held: Usage,
    *,
    deadline_s: float | None = None,
    seed: int = 0,
    conditions: Conditions | None = None,
    slice_: tuple[SliceRequest, Placement] | None = None,
) -> TwinRun:
    """Run the plan in the twin; the verdict and the trace of events."""
    cond = conditions or Conditions()
    runs = max(cond.runs, 1)
    header = f"plan {plan.slice_name!r}: {len(plan.changesets)} steps, seed {seed}"
    twins = [
        _once(plan, substrate, held, deadline_s, random.Random(f"{seed}/{i}"), cond, slice_)
        for i in range(runs)
    ]
    failed = [t for t in twins if t.failure is not None]
    rate = 1 - len(failed) / runs
    if not failed or (runs > 1 and rate >= cond.required_success - _EPS):
        shown, failure = twins[0], None
    else:
        counts = Counter((t.failure.step, t.failure.kind) for t in failed if t.failure)
        (step, kind), count = counts.most_common(1)[0]
        shown = next(t for t in failed if t.failure and (t.failure.step, t.failure.kind) == (step, kind))
        failure = shown.failure
    reason = "" if failure is None else failure.reason
    if failure is not None and runs > 1:
        reason += f" (in {count} of {runs} simulated runs)"
    verdict = Verdict(
        ok=failure is None,
        failed_step=None if failure is None else failure.step,
        reason=reason,
        simulated_duration_s=shown.env.now,
        steps=tuple(shown.steps),
    )
    note = f", {runs} runs, {rate:.0%} succeed" if runs > 1 else ""
    return TwinRun(verdict, (header + note, *shown.trace), None if failure is None else failure.kind, rate)


def validate(
    plan: DeploymentPlan,
    substrate: Substrate,
    held: Usage,
    *,
    deadline_s: float | None = None,
    seed: int = 0,
    conditions: Conditions | None = None,
    slice_: tuple[SliceRequest, Placement] | None = None,
) -> Verdict:
    """The twin's prediction for `plan` on `substrate` with `held` already in use. With
    `conditions` (simulator.twin_model), controllers and links behave as given there; with
    `slice_` (the request and its placement), the latency budgets are checked too."""
    return simulate(
        plan, substrate, held, deadline_s=deadline_s, seed=seed, conditions=conditions, slice_=slice_
    ).verdict
