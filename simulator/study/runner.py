"""Run a study: replications (and the points of a load sweep) as independent tasks, inline
or as Dask tasks on a local cluster or an existing scheduler.

A task is (load, replication index); its random numbers depend on the study seed and the
index only (engine.stream), and results are put back in task order before they are
summarised, so the outcome is the same bit for bit however the tasks are spread. The
replications of every load point share their seeds (common random numbers), which makes
the points of a sweep compare with less noise.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from simulator.study.engine import Replication, simulate
from simulator.study.growth import Headroom, SweepOutcome, headroom, sweep_outcome
from simulator.study.mix import StudySpec
from simulator.study.stats import GroupSummary, PointSummary, summarise

Progress = Callable[[int], None]  # called with the number of arrivals just simulated


@dataclass(frozen=True)
class Execution:
    """Where the tasks run: inline (workers <= 1 and no scheduler), a LocalCluster of
    `workers` processes with one thread each, or the Dask scheduler at `scheduler`."""

    workers: int = 1
    scheduler: str | None = None

    @property
    def inline(self) -> bool:
        return self.scheduler is None and self.workers <= 1

    def describe(self) -> str:
        if self.scheduler:
            return f"dask scheduler {self.scheduler}"
        return "inline" if self.inline else f"dask LocalCluster, {self.workers} processes"


@dataclass(frozen=True)
class StudyResult:
    spec: StudySpec
    seed: int
    load: float
    point: PointSummary  # at `load`
    replications: tuple[Replication, ...]  # of the main point, in index order
    sweep: SweepOutcome | None
    headroom: Headroom | None
    timing: dict[str, object] = field(default_factory=dict)

    @property
    def overall(self) -> GroupSummary:
        return self.point.overall

    def by_type(self, group: str) -> GroupSummary:
        return self.point.by_type(group)


def run_task(spec: StudySpec, load: float, seed: int, index: int) -> Replication:
    """One task, as a worker runs it (top level, so that Dask can pickle it)."""
    return simulate(spec, load=load, seed=seed, index=index)


def _inline(
    spec: StudySpec, tasks: Sequence[tuple[float, int]], seed: int, progress: Progress | None
) -> list[Replication]:
    out = []
    per_task = spec.arrivals + spec.warmup_arrivals
    for load, index in tasks:
        ticked = 0

        def tick(n: int) -> None:
            nonlocal ticked
            ticked += n
            if progress is not None:
                progress(n)

        out.append(simulate(spec, load=load, seed=seed, index=index, tick=tick))
        if progress is not None and per_task > ticked:
            progress(per_task - ticked)
    return out


def _on_dask(
    spec: StudySpec,
    tasks: Sequence[tuple[float, int]],
    seed: int,
    execution: Execution,
    progress: Progress | None,
) -> list[Replication]:
    from distributed import Client, LocalCluster, as_completed

    cluster = None
    if execution.scheduler:
        client = Client(execution.scheduler)  # type: ignore[no-untyped-call]
    else:
        cluster = LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=min(execution.workers, len(tasks)),
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
        client = Client(cluster)  # type: ignore[no-untyped-call]
    try:
        shared = client.scatter(spec, broadcast=True)  # type: ignore[no-untyped-call]
        futures = [client.submit(run_task, shared, load, seed, index, pure=False) for load, index in tasks]
        position = {f.key: i for i, f in enumerate(futures)}
        results: list[Replication | None] = [None] * len(tasks)
        for future in as_completed(futures):  # type: ignore[no-untyped-call]
            results[position[future.key]] = future.result()
            if progress is not None:
                progress(spec.arrivals + spec.warmup_arrivals)
        return [r for r in results if r is not None]
    finally:
        client.close()  # type: ignore[no-untyped-call]
        if cluster is not None:
            cluster.close()


def run_tasks(
    spec: StudySpec,
    tasks: Sequence[tuple[float, int]],
    seed: int,
    execution: Execution,
    progress: Progress | None = None,
) -> list[Replication]:
    """The replications of `tasks` ((load, index) pairs), in the order of `tasks`."""
    if execution.inline or (len(tasks) == 1 and not execution.scheduler):
        return _inline(spec, tasks, seed, progress)
    return _on_dask(spec, tasks, seed, execution, progress)


def run_plan(
    spec: StudySpec,
    *,
    seed: int = 0,
    replications: int = 1,
    load: float = 1.0,
    sweep: Sequence[float] = (),
    target_blocking: float = 0.01,
    growth_pct_per_month: float | None = None,
    max_utilisation: float = 0.8,
    execution: Execution | None = None,
    progress: Progress | None = None,
) -> StudyResult:
    """`replications` runs of `spec` at `load`, and as many at each `sweep` multiplier of it."""
    if replications < 1:
        raise ValueError("a study needs at least one replication")
    if load <= 0 or any(m <= 0 for m in sweep):
        raise ValueError("loads and sweep multipliers must be > 0")
    execution = execution or Execution()
    loads = list(dict.fromkeys([load, *(load * m for m in sorted(set(sweep)))]))
    tasks = [(point, index) for point in loads for index in range(replications)]
    started = time.perf_counter()
    reps = run_tasks(spec, tasks, seed, execution, progress)
    wall = time.perf_counter() - started
    by_load = {
        point: summarise(reps[i * replications : (i + 1) * replications]) for i, point in enumerate(loads)
    }
    main = by_load[load]
    outcome = None
    if sweep:
        outcome = sweep_outcome(
            [by_load[load * m] for m in sorted(set(sweep))],
            base_load=load,
            target=target_blocking,
            growth_pct_per_month=growth_pct_per_month,
        )
    room = None
    if growth_pct_per_month is not None:
        room = headroom(main, growth_pct_per_month=growth_pct_per_month, max_utilisation=max_utilisation)
    simulated = len(tasks) * (spec.arrivals + spec.warmup_arrivals)
    timing: dict[str, object] = {
        "wall_s": wall,
        "execution": execution.describe(),
        "tasks": len(tasks),
        "arrivals_simulated": simulated,
        "arrivals_per_s": simulated / wall if wall > 0 else None,
    }
    return StudyResult(spec, seed, load, main, tuple(reps[:replications]), outcome, room, timing)
