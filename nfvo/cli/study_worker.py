"""The process that runs one capacity study for the API (`python -m nfvo.cli.study_worker`).

Studies are CPU-bound for seconds to hours, so the API runs each in a process of its own
(nfvo.api.study_jobs), which it can also kill to cancel. The study is built exactly as
`nfvo study` builds it (mix file, substrate, placer: nfvo.cli.study); the API, below the
CLI in the layers, reaches it across the process boundary instead of importing it.

Protocol: stdin carries one pickled `dict` (the API's StudyParams.model_dump() plus
"mode" and, for the orchestrator's own substrate, the Substrate object); stdout answers
JSON lines:
- {"event": "invalid", "problem": {code, title, detail, hint, diagnostics}} then exit 0
  (the study cannot be built: the API's 422);
- {"event": "ready", "total": N} (built; N arrivals will be simulated). In "check"
  mode the process stops there;
- {"event": "progress", "done": n} (at most a few per second);
- {"event": "done", "report": {...}, "markdown": "..."}.
Anything else (a bug) leaves a trace on stderr and a non-zero exit.
"""

from __future__ import annotations

import json
import math
import pickle
import sys
import time
from pathlib import Path
from typing import Any

from nfvo.domain import InputError, Substrate

PROGRESS_EVERY_S = 0.25


def emit(event: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(finite(event), allow_nan=False) + "\n")
    sys.stdout.flush()


def finite(value: Any) -> Any:
    """JSON has no NaN or infinity (nor has PostgreSQL's json): an estimate that is not a
    number (one replication gives no interval) becomes null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite(v) for v in value]
    return value


def problem_of(exc: InputError) -> dict[str, Any]:
    return {
        "code": exc.code,
        "title": exc.title,
        "detail": exc.detail,
        "hint": exc.hint,
        "diagnostics": [
            {"code": d.code, "message": d.message, "path": d.path, "hint": d.hint, "line": d.line}
            for d in exc.diagnostics
        ],
    }


def run(job: dict[str, Any]) -> None:
    from nfvo.cli.study import _version, default_mix_file
    from nfvo.cli.study_mix import load_mix
    from nfvo.cli.study_placer import StudyEngine, placer_for
    from nfvo.resources import models_dir
    from simulator.study import Execution, make_spec, markdown_report, run_plan, study_document

    seed = int(job["seed"])
    try:
        substrate = job.get("substrate_object")
        if not isinstance(substrate, Substrate):
            from nfvo.catalog.topology import resolve_substrate

            substrate = resolve_substrate(job["substrate"], seed=seed)
        mix_file = models_dir() / "mixes" / f"{job['mix']}.yaml" if job.get("mix") else default_mix_file()
        loaded = load_mix(mix_file, substrate)
        try:
            spec = make_spec(
                substrate,
                loaded.entries,
                placer_for(StudyEngine(job["engine"]), seed=seed),
                arrivals=int(job["arrivals"]),
                warmup_arrivals=job.get("warmup"),
                queue=loaded.queue,
            )
        except ValueError as exc:
            raise InputError(str(exc), hint="choose another mix or substrate") from None
    except InputError as exc:
        emit({"event": "invalid", "problem": problem_of(exc)})
        return
    replications = int(job["replications"])
    emit({"event": "ready", "total": replications * (spec.arrivals + spec.warmup_arrivals)})
    if job["mode"] == "check":
        return

    done, last = 0, 0.0

    def tick(n: int) -> None:
        nonlocal done, last
        done += n
        now = time.monotonic()
        if now - last >= PROGRESS_EVERY_S:
            last = now
            emit({"event": "progress", "done": done})

    result = run_plan(
        spec,
        seed=seed,
        replications=replications,
        load=float(job["load"]),
        execution=Execution(workers=int(job["workers"])),
        progress=tick,
    )
    source = job.get("substrate") or f"{substrate.name} (the orchestrator's substrate)"
    doc = study_document(
        result, substrate_source=source, mix_source=str(Path(mix_file).name), version=_version()
    )
    emit({"event": "done", "report": doc, "markdown": markdown_report(doc)})


if __name__ == "__main__":
    run(pickle.load(sys.stdin.buffer))
