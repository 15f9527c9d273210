"""Validating large templates off the request path: a bounded pool of worker processes.

A template above `OffloadSettings.threshold_bytes` is not parsed in the request that brings
it: the request gets a validation id at once, a worker process parses it, and the result is
read later (the API's 202 + Location, docs/api.md). Processes, not threads: tosca-parser
collects its errors in class attributes (NOTES.md), so a parse holds the catalog's parse
lock, and a parse of seconds in a thread would hold every other parse of the server behind
it. A worker process has its own tosca-parser; the server's lock is never taken for it.

The pool is bounded twice: `workers` processes parse at once, and at most `max_pending`
validations wait or run; beyond that a new one is refused (TemporaryError, retry later)
instead of queueing without end. Results are kept `keep_s` seconds after they finish. A
worker's analysis goes into this process's content-hash cache, so loading the same text
with the same inputs and name afterwards (e.g. a slice made from the stored template) costs
a cache hit rather than a second parse.

State is per process and in memory: a restart forgets pending validations (the upload was
not stored; the client uploads again, e.g. with the same Idempotency-Key).
"""

from __future__ import annotations

import multiprocessing
import threading
import time
import uuid
from collections.abc import Callable, Hashable, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from nfvo.catalog import loader
from nfvo.domain import Diagnostic, NfvoError, TemporaryError


class ValidatorsBusy(TemporaryError):
    code = "validators-busy"
    title = "Too many large templates being validated"
    http_status = 503


@dataclass(frozen=True)
class OffloadSettings:
    threshold_bytes: int = 64 * 1024  # templates larger than this are validated by a worker
    workers: int = 1  # worker processes (each holds a tosca-parser, ~60 MB)
    max_pending: int = 8  # validations waiting or running at once; more are refused
    keep_s: float = 900.0  # how long a finished validation can still be read


class ValidationState(StrEnum):
    PENDING = "pending"  # waiting for a worker
    RUNNING = "running"
    VALID = "valid"
    INVALID = "invalid"  # the template has problems: see diagnostics
    FAILED = "failed"  # valid, but what was to follow (e.g. storing it) failed: see detail


@dataclass
class Validation:
    id: str
    label: str  # what was validated, e.g. the template name
    state: ValidationState = ValidationState.PENDING
    diagnostics: tuple[Diagnostic, ...] = ()
    outcome: dict[str, object] = field(default_factory=dict)  # what `then` returned
    detail: str = ""
    finished_at: float | None = None
    future: Future[tuple[Hashable, loader.TemplateAnalysis, list[Path]]] | None = None

    @property
    def done(self) -> bool:
        return self.finished_at is not None


# What follows a valid template (e.g. storing it); NfvoError makes the validation FAILED.
Then = Callable[[], dict[str, object]]


def _analyse_in_worker(
    text: str, inputs: dict[str, object], name: str | None
) -> tuple[Hashable, loader.TemplateAnalysis, list[Path]]:
    return loader.analyse_text_for_cache(text, inputs, name)


class Validations:
    """The worker pool and the validations it ran (thread-safe)."""

    def __init__(self, settings: OffloadSettings | None = None) -> None:
        self.settings = settings or OffloadSettings()
        self._items: dict[str, Validation] = {}
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None

    def is_large(self, text: str) -> bool:
        return len(text.encode()) > self.settings.threshold_bytes

    def submit(
        self, text: str, inputs: Mapping[str, object], *, name: str | None = None, then: Then | None = None
    ) -> Validation:
        with self._lock:
            self._forget_old()
            busy = sum(1 for v in self._items.values() if not v.done)
            if busy >= self.settings.max_pending:
                raise ValidatorsBusy(
                    f"{busy} large templates are being validated; no room for another",
                    hint="retry after the Retry-After delay",
                    retry_after_s=5.0,
                )
            job = Validation(uuid.uuid4().hex, name or "template")
            if self._pool is None:
                # spawn: forking a server with threads running can copy a held lock.
                context = multiprocessing.get_context("spawn")
                self._pool = ProcessPoolExecutor(self.settings.workers, mp_context=context)
            job.future = self._pool.submit(_analyse_in_worker, text, dict(inputs), name)
            self._items[job.id] = job
        job.future.add_done_callback(lambda f: self._finish(job, then))
        return job

    def get(self, validation_id: str) -> Validation | None:
        with self._lock:
            job = self._items.get(validation_id)
            if (
                job is not None
                and job.state is ValidationState.PENDING
                and job.future
                and job.future.running()
            ):
                job.state = ValidationState.RUNNING
            return job

    def wait(self, validation_id: str, timeout_s: float) -> Validation | None:
        """The validation once finished (or as it is after `timeout_s`): for tests and the CLI."""
        deadline = time.monotonic() + timeout_s
        while (job := self.get(validation_id)) is not None and not job.done and time.monotonic() < deadline:
            time.sleep(0.02)
        return job

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def _finish(self, job: Validation, then: Then | None) -> None:
        assert job.future is not None
        state, outcome, detail = ValidationState.FAILED, {}, ""
        diagnostics: tuple[Diagnostic, ...] = ()
        try:
            key, analysis, deps = job.future.result()
            loader.CACHE.put(key, analysis, deps)
            diagnostics = analysis.diagnostics
            state = ValidationState.INVALID if diagnostics else ValidationState.VALID
            if then is not None and state is ValidationState.VALID:
                outcome = then()
        except NfvoError as exc:
            detail = str(exc)
        except Exception as exc:  # a worker that died (killed, out of memory) or a cancelled job
            detail = f"the validation could not finish: {type(exc).__name__}: {exc}"
        with self._lock:
            job.state, job.diagnostics, job.outcome, job.detail = state, diagnostics, outcome, detail
            job.finished_at = time.monotonic()

    def _forget_old(self) -> None:
        now = time.monotonic()
        old = [
            k
            for k, v in self._items.items()
            if v.finished_at is not None and now - v.finished_at > self.settings.keep_s
        ]
        for key in old:
            del self._items[key]

    def configure(self, settings: OffloadSettings) -> None:
        """New settings; the worker pool is closed and started again on the next validation."""
        self.close()
        with self._lock:
            self.settings = settings


VALIDATIONS = Validations()  # the process's pool (like the parse lock, one per process)
