"""First-time-right benchmark: what digital-twin validation buys when the domains have
drifted from the orchestrator's view. Prints a table; asserts nothing.

    .venv/bin/python bench/ftr/run.py [--trials 24] [--seed 1]

One seeded stream of deployments (a slice template each, from the shipped examples) runs
three times against the real emulated lab (NETCONF and gNMI servers on loopback, the lab
enforcing site capacity: simulator.lab.capacity), once per twin mode: "off" (no
validation), "ledger" (the twin checks the plan against the store's ledger and the
substrate file) and "live" (against what the controllers hold and how fast they answer:
nfvo/lifecycle/observe.py). Before each deployment the trial's drift is set up:

    none      nothing: the orchestrator's view is right
    foreign   another tool configures functions straight on the core controller, taking
              50-100 % of the cpu of one to three sites the orchestrator thinks are free
    slow      one controller answers every operation 1.5 s late, beyond its 1 s timeout
    reject    one controller refuses the next commit (a one-shot fault)

Each deployment starts from an empty lab and an empty store, so trials do not interact and
every mode sees exactly the same drift. Controllers time out after 1 s (as in
tests/e2e/test_faults.py) so that a slow controller costs seconds, not minutes.

Columns: deployments pushed (at least one change set sent), first-time-right among those
(completed with no step failed or retried), wasted pushes (pushed, then rolled back),
refused before any push (by the twin; placement refusals are counted apart), and the mean
wall time per deployment.
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from adapters.factory import connect  # noqa: E402
from nfvo import catalog  # noqa: E402
from nfvo.domain import (  # noqa: E402
    ChangeSet,
    ConfigEdit,
    Domain,
    EditOp,
    InfeasibleError,
    OperationState,
    PathElem,
    Substrate,
)
from nfvo.lifecycle import Orchestrator  # noqa: E402
from nfvo.lifecycle.observe import TWIN_MODES, TwinMode  # noqa: E402
from nfvo.lifecycle.push import apply_changeset  # noqa: E402
from nfvo.lifecycle.reconcile import reconcile  # noqa: E402
from nfvo.resources import example_substrate, example_template  # noqa: E402
from nfvo.store import Store  # noqa: E402
from simulator.lab.faults import Fault, FaultKind, Op  # noqa: E402
from simulator.lab.lab import Lab  # noqa: E402

DRIFTS = ("none", "foreign", "slow", "reject")
WEIGHTS = (0.25, 0.35, 0.2, 0.2)
TEMPLATES = ("urllc", "embb", "mmtc")
FOREIGN_SITES = ("edge-1", "edge-2", "regional-1", "cell-1", "cell-2")
TIMEOUT_S = 1.0
SLOW_MS = 1500.0


@dataclass(frozen=True)
class Trial:
    template: str
    drift: str
    domain: Domain = Domain.CORE
    foreign: tuple[tuple[str, float], ...] = ()  # (site, share of its cpu) taken by another tool


@dataclass(frozen=True)
class Result:
    drift: str
    pushed: bool
    completed: bool
    first_time_right: bool
    refused_by_twin: bool
    refused_by_placement: bool
    seconds: float


def trials(n: int, seed: int) -> list[Trial]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        drift = rng.choices(DRIFTS, WEIGHTS)[0]
        template = rng.choice(TEMPLATES)
        domain = rng.choice((Domain.TRANSPORT, Domain.CORE, Domain.RAN))
        sites = rng.sample(FOREIGN_SITES, rng.randint(1, 3)) if drift == "foreign" else []
        foreign = tuple((site, round(rng.uniform(0.5, 1.0), 2)) for site in sorted(sites))
        out.append(Trial(template, drift, domain, foreign))
    return out


def take_foreign(lab: Lab, substrate: Substrate, trial: Trial) -> None:
    """Another tool configures functions on the core controller, outside the orchestrator."""
    sites = {s.name: s for s in substrate.sites}
    root = (PathElem("slices"), PathElem("slice", (("name", "other-tool"),)))
    edits = tuple(
        ConfigEdit(
            EditOp.MERGE,
            (*root, PathElem("function", (("name", f"fn-{site}"),))),
            {
                "kind": "upf",
                "site": site,
                "cpu": round(sites[site].capacity.cpu * share, 3),
                "memory-gb": 1.0,
            },
        )
        for site, share in trial.foreign
    )
    cs = ChangeSet("other-tool", Domain.CORE, "core-ctl", "another tool", edits, ())
    apply_changeset(connect, substrate.controller_for(Domain.CORE), cs, confirm_timeout_s=10)


def one(lab: Lab, substrate: Substrate, trial: Trial, mode: TwinMode, workdir: Path, index: int) -> Result:
    if trial.drift == "foreign":
        take_foreign(lab, substrate, trial)
    elif trial.drift == "slow":
        lab.inject(trial.domain, Fault(FaultKind.DELAY, Op.ANY, delay_ms=SLOW_MS, times=0))
    elif trial.drift == "reject":
        lab.inject(trial.domain, Fault(FaultKind.REJECT, Op.COMMIT))
    store = Store(f"sqlite:///{workdir / f'{mode}-{index}.db'}")
    orch = Orchestrator(store, substrate, confirm_timeout_s=10, twin=mode)
    started = time.monotonic()
    try:
        try:
            _, operation = orch.instantiate(example_template(trial.template))
        except InfeasibleError:
            return Result(trial.drift, False, False, False, False, True, time.monotonic() - started)
        done = orch.wait(operation.id, timeout_s=120)
        seconds = time.monotonic() - started
        names = [s.name for s in done.steps]
        pushed = any(n.startswith("push:") for n in names)
        twin_refused = done.error is not None and done.error.code == "plan-rejected-by-twin"
        completed = done.state is OperationState.COMPLETED
        return Result(
            trial.drift, pushed, completed, bool(done.first_time_right), twin_refused, False, seconds
        )
    finally:
        orch.close()
        store.close()


def wipe(lab: Lab, substrate: Substrate, empty: Store) -> None:
    """Back to an empty lab: faults cleared (delayed operations finish), every slice removed."""
    lab.clear_faults()
    time.sleep(0.2)
    reconcile(empty, substrate, connect, repair=True, confirm_timeout_s=10)
    lab.clear_faults()


def run(n: int, seed: int) -> dict[str, list[Result]]:
    given = catalog.load_substrate(example_substrate())
    stream = trials(n, seed)
    results: dict[str, list[Result]] = {mode: [] for mode in TWIN_MODES}
    with tempfile.TemporaryDirectory() as tmp, Lab(given, ephemeral_ports=True, enforce_capacity=True) as lab:
        substrate = lab.substrate.with_controllers(
            {c.domain: replace(c, timeout_s=TIMEOUT_S) for c in lab.substrate.controllers}
        )
        workdir = Path(tmp)
        empty = Store(f"sqlite:///{workdir / 'empty.db'}")
        try:
            for mode in TWIN_MODES:
                for i, trial in enumerate(stream):
                    results[mode].append(one(lab, substrate, trial, mode, workdir, i))
                    wipe(lab, substrate, empty)
                    print(".", end="", file=sys.stderr, flush=True)
        finally:
            empty.close()
    print(file=sys.stderr)
    return results


def table(results: dict[str, list[Result]], n: int, seed: int) -> str:
    drifts = Counter(r.drift for r in results["off"])
    mix = ", ".join(f"{d} {drifts[d]}" for d in DRIFTS)
    lines = [
        f"{n} deployments, seed {seed} (drift: {mix}); {platform.python_version()} on {platform.machine()}",
        "",
        "| twin | pushed | first-time-right of pushed | wasted pushes (rolled back) | refused before push "
        "| placement refused | mean s / deployment |",
        "|---|---|---|---|---|---|---|",
    ]
    for mode, rs in results.items():
        pushed = [r for r in rs if r.pushed]
        ftr = sum(r.first_time_right for r in pushed)
        wasted = sum(1 for r in pushed if not r.completed)
        rate = f"{ftr}/{len(pushed)} = {ftr / len(pushed):.0%}" if pushed else "-"
        lines.append(
            f"| {mode} | {len(pushed)} | {rate} | {wasted} | {sum(r.refused_by_twin for r in rs)} "
            f"| {sum(r.refused_by_placement for r in rs)} | {statistics.mean(r.seconds for r in rs):.2f} |"
        )
    lines += ["", "Per drift kind — wasted pushes / refused before push:", ""]
    lines.append("| drift | " + " | ".join(results) + " |")
    lines.append("|---|" + "---|" * len(results))
    for drift in DRIFTS:
        cells = []
        for rs in results.values():
            kind = [r for r in rs if r.drift == drift]
            wasted = sum(1 for r in kind if r.pushed and not r.completed)
            cells.append(f"{wasted} / {sum(r.refused_by_twin for r in kind)}")
        lines.append(f"| {drift} ({drifts[drift]}) | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--trials", type=int, default=24, help="deployments in the stream (default 24)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    started = time.monotonic()
    results = run(args.trials, args.seed)
    print(table(results, args.trials, args.seed))
    print(f"\n(total {time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
