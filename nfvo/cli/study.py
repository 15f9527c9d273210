"""`nfvo study`: a capacity study of a slice mix on a substrate file or a real topology,
with real placement for every arrival, replications on Dask, and a planner's report.
The JSON form (--json, and study.json under --out) is documented in docs/study.md.

Exit status: 0 done, 2 bad input (the message names the file, the place and the fix).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from simulator.study import Execution, StudyResult, StudySpec

from nfvo.cli.study_placer import StudyEngine, placer_for
from simulator.study.runner import Progress


def default_mix_file() -> Path:
    from nfvo.resources import models_dir

    return models_dir() / "mixes" / "default.yaml"


def _bad(message: str, hint: str, *, file: str = "") -> Exception:
    from nfvo.domain import Diagnostic, InputError

    return InputError(message, [Diagnostic("bad-option", message, hint=hint, file=file)])


def _sweep(text: str | None) -> list[float]:
    if not text:
        return []
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise _bad(f"--sweep {text!r} is not a list of numbers", "e.g. --sweep 0.5,1,1.5,2") from None
    if not values or any(v <= 0 for v in values):
        raise _bad(f"--sweep {text!r}: multipliers must be > 0", "e.g. --sweep 0.5,1,1.5,2")
    return values


@contextmanager
def _progress(enabled: bool, total: int) -> Iterator[Progress | None]:
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn("study"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("arrivals"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("study", total=total)
        yield lambda n: bar.advance(task, n)


def build(
    substrate: str | None,
    mix: Path | None,
    *,
    engine: StudyEngine,
    seed: int,
    arrivals: int,
    warmup: int | None,
) -> tuple[StudySpec, str, str]:
    """The spec of a study, with the substrate's and the mix's sources (for the report)."""
    from nfvo.catalog.topology import resolve_substrate
    from nfvo.cli.study_mix import load_mix
    from nfvo.resources import example_substrate
    from simulator.study import make_spec

    source = substrate or str(example_substrate())
    sub = resolve_substrate(source, seed=seed)
    mix_file = mix or default_mix_file()
    loaded = load_mix(mix_file, sub)
    try:
        spec = make_spec(
            sub,
            loaded.entries,
            placer_for(engine, seed=seed),
            arrivals=arrivals,
            warmup_arrivals=warmup,
            queue=loaded.queue,
        )
    except ValueError as exc:
        raise _bad(str(exc), "fix the mix file or the options", file=str(mix_file)) from None
    return spec, source, str(mix_file) if mix else f"{mix_file} (default)"


def execute(
    spec: StudySpec,
    execution: Execution,
    *,
    seed: int,
    replications: int,
    load: float,
    sweep: list[float],
    target: float,
    growth: float | None,
    max_utilisation: float,
    show_progress: bool,
) -> StudyResult:
    from simulator.study import run_plan

    points = len(set([1.0, *sweep]))
    total = points * replications * (spec.arrivals + spec.warmup_arrivals)
    with _progress(show_progress, total) as progress:
        try:
            return run_plan(
                spec,
                seed=seed,
                replications=replications,
                load=load,
                sweep=sweep,
                target_blocking=target,
                growth_pct_per_month=growth,
                max_utilisation=max_utilisation,
                execution=execution,
                progress=progress,
            )
        except OSError as exc:  # the scheduler cannot be reached (distributed raises OSError)
            raise _bad(
                f"cannot reach the Dask scheduler {execution.scheduler}: {exc}",
                "check the address (tcp://host:8786) and that the scheduler runs",
            ) from None


def study_command(
    substrate: Annotated[
        str | None,
        typer.Option(
            "--substrate",
            help="substrate YAML file or topohub:GROUP/NAME, e.g. topohub:sndlib/germany50 "
            "(default: the lab)",
        ),
    ] = None,
    mix: Annotated[
        Path | None,
        typer.Option("--mix", help="mix file (docs/study.md; default: models/mixes/default.yaml)"),
    ] = None,
    arrivals: Annotated[int, typer.Option(min=1, help="counted arrivals per replication")] = 2000,
    replications: Annotated[int, typer.Option(min=1, help="independent replications (for the CIs)")] = 5,
    seed: Annotated[int, typer.Option(help="study seed (same seed, same result)")] = 0,
    load: Annotated[float, typer.Option(min=0.0, help="scale every arrival rate by this factor")] = 1.0,
    warmup: Annotated[
        int | None, typer.Option(min=0, help="uncounted arrivals first (default: a tenth)")
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(min=0, help="Dask LocalCluster worker processes (default: the CPUs; 0 or 1: inline)"),
    ] = None,
    scheduler: Annotated[str | None, typer.Option(help="address of an existing Dask scheduler")] = None,
    sweep: Annotated[str | None, typer.Option(help="load multipliers to sweep, e.g. 0.5,1,1.5,2")] = None,
    target: Annotated[float, typer.Option(min=0.0, max=1.0, help="blocking target of the sweep")] = 0.01,
    growth: Annotated[float | None, typer.Option(help="traffic growth, percent per month")] = None,
    max_utilisation: Annotated[
        float, typer.Option(min=0.01, max=1.0, help="mean utilisation counted as exhausted (headroom)")
    ] = 0.8,
    engine: Annotated[StudyEngine, typer.Option(help="placement engine")] = StudyEngine.HEURISTIC,
    out: Annotated[Path | None, typer.Option(help="write JSON, CSV, PNG plots and report.md here")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the JSON document (docs/study.md)")] = False,
) -> None:
    """Slice arrivals on a substrate, each really placed: blocking, revenue, utilisation, headroom."""
    from simulator.study import Execution, format_study, study_document

    if load <= 0:
        raise _bad(f"--load {load:g}: the load factor must be > 0", "e.g. --load 1.5 for 50% more traffic")
    if workers is not None and scheduler:
        raise _bad(
            "give --workers or --scheduler, not both", "--scheduler uses the workers the scheduler has"
        )
    sweep_values = _sweep(sweep)
    spec, substrate_source, mix_source = build(
        substrate, mix, engine=engine, seed=seed, arrivals=arrivals, warmup=warmup
    )
    tasks = replications * len(set([1.0, *sweep_values]))
    execution = Execution(min(workers if workers is not None else os.cpu_count() or 1, tasks), scheduler)
    result = execute(
        spec,
        execution,
        seed=seed,
        replications=replications,
        load=load,
        sweep=sweep_values,
        target=target,
        growth=growth,
        max_utilisation=max_utilisation,
        show_progress=sys.stderr.isatty() and not as_json,
    )
    doc = study_document(result, substrate_source=substrate_source, mix_source=mix_source, version=_version())
    if out is not None:
        from simulator.study import write_outputs

        files = write_outputs(doc, out)
    if as_json:
        typer.echo(json.dumps(doc, indent=2))
        return
    typer.echo(format_study(doc))
    if out is not None:
        typer.echo(f"\nwrote {', '.join(f.name for f in files)} to {out}")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("nfvo-slices")
    except PackageNotFoundError:
        return "unknown"
