"""The heuristic now against the heuristic of an earlier commit, in one process.

The earlier nfvo/placement is read from git (`git show REV:path`, read-only) into a temporary
package `placement_base` (imports renamed, nothing else changed) and both engines place the
same requests alternately, request by request, so that the load of a shared machine falls on
both alike. Workload: bench/placement/run.py's 10-function slice on backbone/north_america_nosc
(225 sites), gNB pinned at each of the first CELLS cell sites, REPEAT runs each. Also checks
that both engines return the same sites and cost (or both find the request infeasible).

Run: .venv/bin/python bench/placement/compare.py [--base REV] [--cells 40] [--repeat 5]
Prints the figures of both and their ratio; never asserts a time.
"""

from __future__ import annotations

import argparse
import importlib
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import BIG, HOT_CELLS, LOAD, requests_for
from slices import ten_function_slice
from stream import EngineRun, make_stream, percentile

from nfvo.catalog.topology import load_topology
from nfvo.domain import InfeasibleError, Placement, SiteRole, SliceRequest, Substrate, Usage
from nfvo.placement import place

ROOT = Path(__file__).resolve().parents[2]
Engine = Callable[..., Placement]


def load_base(rev: str, into: Path) -> ModuleType:
    """nfvo/placement as it was at `rev`, importable as `placement_base`."""
    names = subprocess.run(
        ["git", "ls-tree", "--name-only", f"{rev}:nfvo/placement"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    package = into / "placement_base"
    package.mkdir()
    for name in names:
        if not name.endswith(".py"):
            continue
        text = subprocess.run(
            ["git", "show", f"{rev}:nfvo/placement/{name}"],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        (package / name).write_text(text.replace("nfvo.placement", "placement_base"), encoding="utf-8")
    sys.path.insert(0, str(into))
    return importlib.import_module("placement_base")


def timed(engine: Engine, request: SliceRequest, substrate: Substrate) -> tuple[float, bool, str]:
    """Milliseconds, placed?, and what came out (sites and cost, or the blocking constraint)."""
    started = time.perf_counter()
    try:
        placement = engine(request, substrate, Usage())
        placed, outcome = True, f"{sorted(placement.assignments.items())} {placement.cost:.9f}"
    except InfeasibleError as exc:
        placed, outcome = False, f"{exc.blocking.kind} {exc.blocking.explanation}"
    return (time.perf_counter() - started) * 1000, placed, outcome


def row(label: str, old: list[float], new: list[float]) -> str:
    p50, p99 = (percentile(old, 50), percentile(new, 50)), (percentile(old, 99), percentile(new, 99))
    return (
        f"| {label} | {len(new)} | {p50[0]:.2f} | {p50[1]:.2f} | {p50[0] / p50[1]:.1f}x "
        f"| {p99[0]:.2f} | {p99[1]:.2f} | {p99[0] / p99[1]:.1f}x |"
    )


def ten_functions(engines: dict[str, Engine], cells: int, repeat: int) -> list[str]:
    substrate = load_topology(BIG)
    names = sorted(s.name for s in substrate.sites_with_role(SiteRole.CELL))[:cells]
    requests = [ten_function_slice(cell) for cell in names]
    for request in requests:  # warm both: per-substrate caches, imports
        for engine in engines.values():
            timed(engine, request, substrate)
    times: dict[tuple[str, bool], list[float]] = {(e, ok): [] for e in engines for ok in (True, False)}
    differ = 0
    for _ in range(repeat):
        for request in requests:
            outcomes = []
            for name, engine in engines.items():
                ms, placed, outcome = timed(engine, request, substrate)
                times[name, placed].append(ms)
                outcomes.append(outcome)
            differ += outcomes[0] != outcomes[1]
    lines = [
        f"10-function slice on {BIG} ({len(substrate.sites)} sites), {len(names)} cells x {repeat} runs:",
        "",
    ]
    lines += [HEAD, "|---|---|---|---|---|---|---|---|"]
    for placed, label in ((True, "placed"), (False, "infeasible (with diagnosis)")):
        if times["base", placed]:
            lines.append(row(label, times["base", placed], times["new", placed]))
    lines += [
        "",
        f"Requests where the engines' sites, cost or diagnosis differ: {differ} of {len(names) * repeat}.",
    ]
    return lines


def streams(engines: dict[str, Engine], topologies: list[str], arrivals: int, seed: int) -> list[str]:
    """run.py's stream on each topology, both engines offered each arrival in turn, each
    with its own ledger."""
    lines = [
        f"run.py's stream ({arrivals} arrivals, seed {seed}), per request:",
        "",
        HEAD,
        "|---|---|---|---|---|---|---|---|",
    ]
    for name in topologies:
        substrate = load_topology(name, seed=seed)
        cells = sorted(s.name for s in substrate.sites_with_role(SiteRole.CELL))
        hot = sorted(random.Random(seed).sample(cells, min(HOT_CELLS, len(cells))))
        stream = make_stream(hot, arrivals=arrivals, rate_per_h=LOAD * 6 * len(hot), seed=seed)
        runs = {e: EngineRun(fn, substrate, requests_for(hot)) for e, fn in engines.items()}
        for arrival in stream:
            for run in runs.values():
                run.offer(arrival)
        old, new = runs["base"].out, runs["new"].out
        same = (old.accepted, old.blocked, old.revenue) == (new.accepted, new.blocked, new.revenue)
        lines.append(
            row(
                f"{name}: accepted {old.accepted} / {new.accepted}{'' if same else ' DIFFER'}",
                old.times_ms,
                new.times_ms,
            )
        )
    return lines


HEAD = "| requests | runs | base p50 ms | new p50 ms | p50 ratio | base p99 ms | new p99 ms | p99 ratio |"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="HEAD", help="git revision of the baseline (default HEAD)")
    parser.add_argument("--cells", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--topologies",
        nargs="*",
        default=["topozoo/TataNld", "sndlib/brain"],
        help="topologies for the stream comparison (none: skip it)",
    )
    parser.add_argument("--arrivals", type=int, default=250)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    rev = subprocess.run(
        ["git", "rev-parse", "--short", args.base], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()
    before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="placement-base-") as tmp:
        base = load_base(rev, Path(tmp))
        engines: dict[str, Engine] = {"base": base.place, "new": place}
        lines = ten_functions(engines, args.cells, args.repeat)
        if args.topologies:
            lines += ["", *streams(engines, args.topologies, args.arrivals, args.seed)]
    after = os.getloadavg()
    print(
        f"Heuristic at {rev} (base) and in the working tree (new), alternating request by request in one "
        f"process; {os.cpu_count()} CPUs; 1-min load average {before[0]:.2f} before, {after[0]:.2f} after."
    )
    print("")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
