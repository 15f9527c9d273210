"""Catalog speed: load + validate + slice-graph build, against plain tosca-parser.

For each template (the shipped examples, a generated 20-node slice, the real templates in
tests/data/real) it measures, in milliseconds:

* cold: a new Python process that imports the library and handles the template once
  (import included: what a CLI run costs);
* warm: the median of repeated analyses in one process with the cache cleared each time
  (a real parse every time);
* warm, cuts off: the same with the two speed-ups of nfvo/catalog/speedups.py switched off
  (the code before them), measured in the same run, alternating with `warm`;
* cached: the median of repeated analyses served from the content-hash cache;
* tosca-parser cold / warm: `ToscaTemplate(path)` on the same file, in its own processes
  (first call with imports; then the median of repeated calls).

Run: .venv/bin/python bench/catalog/run.py [--repeat N] [--cold N]
Prints a Markdown table; it never asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT / "tests" / "data" / "real"

OURS = """
import sys, time
t = time.perf_counter()
from pathlib import Path
from nfvo.catalog import analyse
from nfvo.catalog.render import slice_graph
a = analyse(Path(sys.argv[1]))
if a.loaded is not None:
    slice_graph(a.loaded)
print((time.perf_counter() - t) * 1000)
"""
THEIRS = """
import logging, statistics, sys, time
t = time.perf_counter()
from toscaparser.tosca_template import ToscaTemplate
logging.disable(logging.CRITICAL)
def once():
    try:
        ToscaTemplate(sys.argv[1])
    except Exception:
        pass
once()
cold = (time.perf_counter() - t) * 1000
warm = []
for _ in range(int(sys.argv[2])):
    t = time.perf_counter()
    once()
    warm.append((time.perf_counter() - t) * 1000)
print(cold, statistics.median(warm))
"""


def generate(nodes: int, folder: Path) -> Path:
    """A slice of `nodes` node templates: gNBs and UPFs in pairs, joined by virtual links."""
    profile = ROOT / "models" / "profile" / "nfvo-slice-types.yaml"
    functions = nodes // 2
    lines = [
        "tosca_definitions_version: tosca_simple_yaml_1_3",
        f"imports: [{profile}]",
        "topology_template:",
        "  node_templates:",
    ]
    names = []
    for i in range(functions):
        kind = "ran.gNB" if i % 2 == 0 else "core.UPF"
        name = f"f{i}"
        names.append(name)
        cell = "\n        cell_site: cell-1" if kind == "ran.gNB" else ""
        lines.append(
            f"    {name}:\n      type: nfvo.nodes.{kind}\n      properties:\n        cpu: 1.0\n"
            f"        memory_gb: 1.0\n        processing_latency_ms: 0.1{cell}"
        )
    for i in range(nodes - functions):
        a, b = names[i % functions], names[(i + 1) % functions]
        lines.append(
            f"    l{i}:\n      type: nfvo.nodes.transport.VirtualLink\n      properties:\n"
            f"        bandwidth_mbps: 10.0\n      requirements:\n        - endpoint_a: {a}\n"
            f"        - endpoint_b: {b}"
        )
    lines.append(
        "  policies:\n    - sla:\n        type: nfvo.policies.SLA\n        properties:\n"
        "          slice_type: eMBB\n    - budget:\n        type: nfvo.policies.LatencyBudget\n"
        "        properties:\n          source: f0\n          target: f1\n          max_ms: 10.0"
    )
    path = folder / f"generated-{nodes}.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def cold(script: str, path: Path, runs: int, *extra: str) -> list[float]:
    """Medians of what the script prints (its cold time first) over `runs` new processes."""
    rows = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", script, str(path), *extra],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        rows.append([float(x) for x in out.stdout.strip().splitlines()[-1].split()])
    return [statistics.median(col) for col in zip(*rows, strict=True)]


def warm(fn: Callable[[], object], repeat: int, before: Callable[[], object] = lambda: None) -> float:
    fn()
    times = []
    for _ in range(repeat):
        before()
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def warm_both(
    fn: Callable[[], object], repeat: int, before: Callable[[], object], switch: Callable[[bool], None]
) -> dict[str, float]:
    """`warm` with the speed-ups on and off, alternating in rounds of 5 so that both see the
    same machine load."""
    on: list[float] = []
    off: list[float] = []
    for _ in range(max(1, repeat // 5)):
        for flag, out in ((False, off), (True, on)):
            switch(flag)
            out.append(warm(fn, 5, before))
    switch(True)
    return {"ours_warm": statistics.median(on), "ours_warm_off": statistics.median(off)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--cold", type=int, default=3)
    args = parser.parse_args()

    import logging

    from nfvo.catalog import analyse, speedups
    from nfvo.catalog import loader as catalog_loader
    from nfvo.catalog.render import slice_graph

    logging.disable(logging.CRITICAL)

    def ours(path: Path) -> object:
        result = analyse(path)
        return slice_graph(result.loaded) if result.loaded is not None else result

    clear = catalog_loader.CACHE.clear
    with tempfile.TemporaryDirectory() as tmp:
        templates = [ROOT / "models" / "templates" / f"{n}.yaml" for n in ("embb", "urllc", "mmtc")]
        templates.append(ROOT / "models" / "templates" / "showcase" / "v2x.yaml")
        templates.append(generate(20, Path(tmp)))
        templates += sorted(p for p in REAL.rglob("*.yaml") if "defs" not in p.name)
        rows = []
        for path in templates:
            result = analyse(path)
            outcome = "loads" if result.loaded is not None else f"refused ({result.diagnostics[0].code})"
            nodes = (
                len(result.loaded.request.functions) + len(result.loaded.request.links)
                if result.loaded
                else "-"
            )
            # tosca-parser in its own processes: in this one it loads imports through the
            # catalog's cache (parse.py), which would flatter it.
            tp_cold, tp_warm = cold(THEIRS, path, args.cold, str(args.repeat))
            rows.append(
                {
                    "template": str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name,
                    "outcome": outcome,
                    "nodes": nodes,
                    "ours_cold": cold(OURS, path, args.cold)[0],
                    **warm_both(lambda p=path: ours(p), args.repeat, clear, speedups.enable),
                    "ours_cached": warm(lambda p=path: ours(p), args.repeat),
                    "tp_cold": tp_cold,
                    "tp_warm": tp_warm,
                }
            )
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    meta = {"python": platform.python_version(), "machine": platform.platform(), "load_average": load}
    print(f"<!-- {json.dumps(meta)} -->")
    print(
        "| template | outcome | functions+links | ours cold | ours warm | ours warm, cuts off | "
        "ours cached | tosca-parser cold | tosca-parser warm |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['template']} | {r['outcome']} | {r['nodes']} | {r['ours_cold']:.0f} | "
            f"{r['ours_warm']:.1f} | {r['ours_warm_off']:.1f} | {r['ours_cached']:.3f} | "
            f"{r['tp_cold']:.0f} | {r['tp_warm']:.1f} |"
        )


if __name__ == "__main__":
    main()
