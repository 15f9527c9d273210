"""Capacity studies in the background: each in a process of its own (nfvo.cli.study_worker),
at most `max_running` at once, the rest queued, every state change and the progress
written to the store (nfvo.store.studies), so any API process can show them and they
outlive the process that ran them.

A study is built once before it is accepted (a short "check" run of the worker), so that
a bad mix or an unknown topology is a 422 and leaves no record. Cancelling kills the
worker's process group (its own session: the worker and any Dask processes it started).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import pickle
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from nfvo.api.study_schemas import StudyCreate
from nfvo.domain import ConflictError, Diagnostic, InputError, NfvoError, Substrate
from nfvo.resources import models_dir
from nfvo.store import Store, studies, utcnow
from nfvo.store.studies import Study, StudyState

log = logging.getLogger("nfvo.api.studies")
WORKER = "nfvo.cli.study_worker"
INTERRUPTED = {
    "code": "study-interrupted",
    "detail": "the API process that ran this study stopped before it ended",
    "hint": "start the study again",
}


@dataclass(frozen=True)
class StudyLimits:
    """What one API process lets operators run, so that no study takes the machine down."""

    max_arrivals: int = 1_000_000  # counted arrivals per replication
    max_replications: int = 20
    max_total_arrivals: int = 5_000_000  # arrivals x replications
    max_workers: int = max(1, min(4, (os.cpu_count() or 1) // 2))  # processes per study
    max_running: int = 1  # studies running at once; the others wait, queued
    max_queued: int = 8  # studies waiting; more are refused (409)
    check_timeout_s: float = 120.0  # to build a study before accepting it
    progress_every_s: float = 0.5  # how often progress is written to the store


class StudyError(NfvoError):
    code = "study-failed"
    title = "Study failed"
    http_status = 500


class StudyInputError(InputError):
    """The worker's InputError (bad mix, unknown topology), with its own code and title."""

    def __init__(self, problem: dict[str, Any]) -> None:
        diagnostics = [
            Diagnostic(d["code"], d["message"], d["path"], d["hint"], line=d["line"])
            for d in problem["diagnostics"]
        ]
        super().__init__(problem["detail"], diagnostics, hint=problem["hint"])
        self.code, self.title = problem["code"], problem["title"]


class TooManyStudies(ConflictError):
    code = "too-many-studies"
    title = "Too many studies waiting"


class StudyJobs:
    def __init__(self, store: Store, substrate: Substrate, limits: StudyLimits | None = None) -> None:
        self.store, self.substrate = store, substrate
        self.limits = limits or StudyLimits()
        self._lock = threading.Condition()
        self._queue: deque[str] = deque()
        self._running: dict[str, _Worker] = {}
        self._cancelled: set[str] = set()
        self._closed = False
        self._interrupt_leftovers()
        self._dispatcher = threading.Thread(target=self._dispatch, name="nfvo-studies", daemon=True)
        self._dispatcher.start()

    # --- what the routes call -----------------------------------------------------------

    def submit(self, study_id: str, body: StudyCreate, requested_by: str) -> Study:
        """Check and queue a study; raises InputError (nothing recorded) when it is bad."""
        params = self._checked_params(body)
        self._refuse_if_full()
        total = self._check(params)  # outside the lock: it takes a second or more
        study = Study(
            id=study_id,
            state=StudyState.QUEUED,
            created_at=utcnow(),
            params=params,
            requested_by=requested_by,
            arrivals_total=total,
        )
        with self._lock:
            self._refuse_if_full()  # again: others may have queued while this one was checked
            studies.add(self.store, study)
            self._queue.append(study_id)
            self._lock.notify_all()
        return study

    def _refuse_if_full(self) -> None:
        with self._lock:
            if len(self._queue) >= self.limits.max_queued:
                raise TooManyStudies(
                    f"{len(self._queue)} studies are already waiting to run",
                    hint="wait for one to end, or cancel one (DELETE /api/v1/studies/{id})",
                )

    def cancel(self, study_id: str) -> Study:
        """Cancel a queued or running study (409 once it has ended otherwise)."""
        study = studies.get(self.store, study_id)
        if study.state is StudyState.CANCELLED:
            return study
        with self._lock:
            self._cancelled.add(study_id)
            if study_id in self._queue:
                self._queue.remove(study_id)
            process = self._running.get(study_id)
        if process is not None:
            process.kill()
        return studies.finish(self.store, study_id, StudyState.CANCELLED)

    def close(self) -> None:
        """Stop: kill running studies (they are recorded as interrupted)."""
        with self._lock:
            self._closed = True
            running = list(self._running.items())
            self._lock.notify_all()
        for study_id, worker in running:
            self._cancelled.add(study_id)
            worker.kill()
            self._finish(study_id, StudyState.FAILED, error=INTERRUPTED)
        self._dispatcher.join(timeout=10)

    # --- checking -----------------------------------------------------------------------

    def _checked_params(self, body: StudyCreate) -> dict[str, Any]:
        lim = self.limits
        over = [
            (body.arrivals > lim.max_arrivals, "arrivals", body.arrivals, lim.max_arrivals),
            (
                body.replications > lim.max_replications,
                "replications",
                body.replications,
                lim.max_replications,
            ),
            (
                body.arrivals * body.replications > lim.max_total_arrivals,
                "arrivals x replications",
                body.arrivals * body.replications,
                lim.max_total_arrivals,
            ),
        ]
        diagnostics = [
            Diagnostic(
                "over-limit", f"{what} {value} is over this server's limit of {limit}", path=f"body.{what}"
            )
            for bad, what, value, limit in over
            if bad
        ]
        if not (models_dir() / "mixes" / f"{body.mix}.yaml").is_file():
            shipped = sorted(p.stem for p in (models_dir() / "mixes").glob("*.yaml"))
            diagnostics.append(
                Diagnostic(
                    "unknown-mix", f"no mix named {body.mix!r}", "body.mix", f"one of: {', '.join(shipped)}"
                )
            )
        if diagnostics:
            raise InputError(
                "; ".join(d.message for d in diagnostics),
                diagnostics,
                hint="ask for less, or run `nfvo study` on a machine of your own for bigger studies",
            )
        # Workers are capped rather than refused: they change the speed, never the result.
        return {**body.model_dump(), "workers": min(body.workers, lim.max_workers)}

    def _check(self, params: dict[str, Any]) -> int:
        worker = _Worker.spawn(params, "check", self.substrate)
        try:
            return self._checked(worker)
        finally:
            worker.close()

    def _checked(self, worker: _Worker) -> int:
        try:
            worker.process.wait(timeout=self.limits.check_timeout_s)
        except subprocess.TimeoutExpired:
            worker.kill()
            raise StudyError(
                f"the study could not be built in {self.limits.check_timeout_s:g} s",
                hint="try a smaller topology",
            ) from None
        assert worker.process.stdout is not None
        for event in _events(worker.process.stdout.read().decode("utf-8", "replace").splitlines()):
            if event.get("event") == "invalid":
                raise StudyInputError(event["problem"])
            if event.get("event") == "ready":
                return int(event["total"])
        log.error("study check failed (exit %s): %s", worker.process.returncode, worker.tail())
        raise StudyError("the study could not be built: the worker failed", hint="see the server's log")

    # --- running ------------------------------------------------------------------------

    def _interrupt_leftovers(self) -> None:
        # Rows left queued or running by a process that stopped: nobody will run them now.
        for state in (StudyState.QUEUED, StudyState.RUNNING):
            for study in studies.list_studies(self.store, state=state):
                self._finish(study.id, StudyState.FAILED, error=INTERRUPTED)

    def _dispatch(self) -> None:
        while True:
            with self._lock:
                while not self._closed and (not self._queue or len(self._running) >= self.limits.max_running):
                    self._lock.wait()
                if self._closed:
                    return
                study_id = self._queue.popleft()
                if not studies.start(self.store, study_id):
                    continue  # cancelled meanwhile
                params = studies.get(self.store, study_id).params
                self._running[study_id] = worker = _Worker.spawn(params, "run", self.substrate)
            threading.Thread(target=self._follow, args=(study_id, worker), daemon=True).start()

    def _follow(self, study_id: str, worker: _Worker) -> None:
        process = worker.process
        done: dict[str, Any] | None = None
        last_write = 0.0
        try:
            assert process.stdout is not None
            for event in _events(line.decode("utf-8", "replace") for line in process.stdout):
                if (
                    event.get("event") == "progress"
                    and time.monotonic() - last_write >= self.limits.progress_every_s
                ):
                    last_write = time.monotonic()
                    studies.progress(self.store, study_id, int(event["done"]))
                elif event.get("event") == "done":
                    done = event
            process.wait()
        finally:
            trace = worker.tail() if process.returncode else ""
            worker.close()
            with self._lock:
                self._running.pop(study_id, None)
                self._lock.notify_all()
        if study_id in self._cancelled:
            return
        if done is not None and process.returncode == 0:
            self._finish(
                study_id, StudyState.COMPLETED, report=done["report"], report_markdown=done["markdown"]
            )
        else:
            log.error("study %s failed (exit %s): %s", study_id, process.returncode, trace)
            self._finish(
                study_id,
                StudyState.FAILED,
                error={
                    "code": "study-failed",
                    "detail": f"the study's process ended with status {process.returncode}",
                    "hint": "the server's log has the reason; start the study again",
                },
            )

    def _finish(self, study_id: str, state: StudyState, **fields: Any) -> None:
        # ConflictError: it ended another way meanwhile (cancelled, or interrupted by close).
        with contextlib.suppress(ConflictError):
            studies.finish(self.store, study_id, state, **fields)


@dataclass
class _Worker:
    """One worker process, with its stderr kept in a temporary file for the log."""

    process: subprocess.Popen[bytes]
    stderr: IO[bytes]

    @classmethod
    def spawn(cls, params: dict[str, Any], mode: str, substrate: Substrate) -> _Worker:
        job = {**params, "mode": mode, "substrate_object": None if params["substrate"] else substrate}
        stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())
        process = subprocess.Popen(
            [sys.executable, "-m", WORKER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            start_new_session=True,  # its own process group: kill() ends it and its children
        )
        assert process.stdin is not None
        process.stdin.write(pickle.dumps(job))
        process.stdin.close()
        return cls(process, stderr)

    def kill(self) -> None:
        """End the worker's process group: SIGTERM, then SIGKILL if it lingers."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.process.wait(timeout=5.0)
                return
            except subprocess.TimeoutExpired:
                continue

    def close(self) -> None:
        if self.process.stdout is not None:
            self.process.stdout.close()
        self.stderr.close()

    def tail(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read()[-4000:].decode("utf-8", "replace")


def _events(lines: Iterable[str]) -> Iterator[dict[str, Any]]:
    for line in lines:
        try:
            event = json.loads(line)
        except ValueError:
            continue  # a library printing to stdout: not ours
        if isinstance(event, dict):
            yield event
