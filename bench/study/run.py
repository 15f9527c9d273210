"""Capacity-study benchmark: N arrivals (10^6 by default) with real placement on a 50-node
substrate (SNDlib germany50 via topohub), split into R replications that run as Dask tasks,
timed with each worker count asked for. Prints arrivals/s, wall time and the speedup over
the first worker count, and checks that every worker count gives the same study (the JSON
document without its timing, bit for bit). Never asserts a time.

    .venv/bin/python bench/study/run.py                       # 10^6 arrivals, 1 and 2 workers
    .venv/bin/python bench/study/run.py --arrivals 100000     # a quick run
    .venv/bin/python bench/study/run.py --workers 1,2,16      # on a larger machine
    .venv/bin/python bench/study/run.py --write-docs          # also write docs/study-bench.md

Wall time includes starting the LocalCluster (worker processes import the orchestrator).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--arrivals", type=int, default=1_000_000, help="counted arrivals in all")
    parser.add_argument("--replications", type=int, default=16, help="tasks the arrivals are split into")
    parser.add_argument("--workers", default="1,2", help="worker counts to time, e.g. 1,2,16")
    parser.add_argument("--substrate", default="topohub:sndlib/germany50")
    parser.add_argument(
        "--mix", type=Path, default=None, help="mix file (default: models/mixes/default.yaml)"
    )
    parser.add_argument("--load", type=float, default=6.0, help="arrival-rate multiplier (6: ~1%% blocking)")
    parser.add_argument("--engine", default="heuristic-memo", help="heuristic-memo, heuristic or first-fit")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--write-docs", action="store_true", help="write docs/study-bench.md")
    args = parser.parse_args()

    from nfvo.cli.study import build
    from nfvo.cli.study_placer import StudyEngine
    from simulator.study import Execution, run_plan, study_document

    per_rep = max(1, args.arrivals // args.replications)
    spec, substrate_source, mix_source = build(
        args.substrate,
        args.mix,
        engine=StudyEngine(args.engine),
        seed=args.seed,
        arrivals=per_rep,
        warmup=per_rep // 10,
    )
    counts = [int(w) for w in args.workers.split(",")]
    rows, docs = [], []
    for workers in counts:
        started = time.perf_counter()
        result = run_plan(
            spec, seed=args.seed, replications=args.replications, load=args.load, execution=Execution(workers)
        )
        wall = time.perf_counter() - started
        doc = study_document(result, substrate_source=substrate_source, mix_source=mix_source)
        doc.pop("timing")
        docs.append(json.dumps(doc, sort_keys=True))
        counted = per_rep * args.replications
        rows.append(
            (workers, wall, counted / wall, doc["overall"]["blocking"], doc["overall"]["blocking_ci95"])
        )
        print(
            f"{workers:>3} workers: {wall:8.1f} s, {counted / wall:8.0f} counted arrivals/s, blocking "
            f"{100 * doc['overall']['blocking']:.3f}%",
            flush=True,
        )
    same = all(d == docs[0] for d in docs)
    base = rows[0][1]
    table = [
        "| workers | wall (s) | counted arrivals/s | speedup | overall blocking (95% CI) |",
        "|---|---|---|---|---|",
    ]
    for workers, wall, rate, blocking, ci in rows:
        table.append(
            f"| {workers} | {wall:.1f} | {rate:.0f} | {base / wall:.2f}x | {100 * blocking:.3f}% "
            f"[{100 * ci[0]:.3f}%, {100 * ci[1]:.3f}%] |"
        )
    print("\n".join(table))
    print(f"identical results for every worker count: {'yes' if same else 'NO'}")
    if args.write_docs:
        write_docs(args, spec.substrate.name, len(spec.substrate.sites), len(spec.mix), per_rep, table, same)
    return 0 if same else 1


def write_docs(
    args: argparse.Namespace,
    substrate: str,
    sites: int,
    streams: int,
    per_rep: int,
    table: list[str],
    same: bool,
) -> None:
    command = "python bench/study/run.py " + " ".join(sys.argv[1:])
    text = "\n".join(
        [
            "# Capacity-study benchmark",
            "",
            f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, {os.cpu_count()} CPUs "
            f"(a shared machine: other work ran beside it), Python {platform.python_version()}, "
            f"{platform.system()}; command `{command}`.",
            "",
            f"Study: {args.arrivals:,} counted arrivals ({args.replications} replications of {per_rep:,}, "
            f"each after {per_rep // 10:,} warm-up arrivals) of the default mix ({streams} streams: eMBB, "
            "URLLC, mMTC over "
            f"every cell site) at load x{args.load:g} on `{args.substrate}` ({substrate}, {sites} sites), "
            f"placement engine `{args.engine}`, seed {args.seed}. Wall time includes starting the Dask "
            "LocalCluster; 1 worker runs inline.",
            "",
            *table,
            "",
            f"Identical study (JSON without timing) for every worker count: {'yes' if same else 'NO'}.",
            "",
        ]
    )
    (ROOT / "docs" / "study-bench.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
