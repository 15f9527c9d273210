"""A bulkhead and a circuit breaker per controller (breaker.py).

The bulkhead: at most `max_concurrent` sessions on a controller from this process.

It keeps a slow or busy domain from taking every worker thread, and keeps concurrent
slices from fighting over a NETCONF candidate datastore (which has one lock). It wraps
`connect`, so the saga does not know about it: a session's slot is taken by open() and
given back by close(). The breaker is asked before the slot is taken (an open breaker
fails at once instead of queueing), and told the outcome of every call.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

from adapters.base import DomainAdapter, Json
from nfvo.domain import ChangeSet, ConfigPath, Controller, ControllerUnavailable
from nfvo.lifecycle.breaker import BreakerPolicy, BreakerStatus, CircuitBreaker
from nfvo.lifecycle.push import Connect

T = TypeVar("T")


class Bulkhead:
    def __init__(self, connect: Connect, breaker: BreakerPolicy | None = None) -> None:
        self._connect = connect
        self._policy = breaker or BreakerPolicy()
        self._slots: dict[str, threading.BoundedSemaphore] = {}
        self._breakers: dict[str, CircuitBreaker] = {}
        self._lock = threading.Lock()

    def __call__(self, controller: Controller) -> DomainAdapter:
        with self._lock:
            slot = self._slots.setdefault(
                controller.name, threading.BoundedSemaphore(max(1, controller.max_concurrent))
            )
            breaker = self._breakers.setdefault(
                controller.name, CircuitBreaker(controller.name, self._policy)
            )
        return _Guarded(self._connect(controller), slot, breaker)

    def allow_trials(self) -> None:
        """Let every open breaker try its controller on the next call (see allow_trial)."""
        with self._lock:
            breakers = list(self._breakers.values())
        for breaker in breakers:
            breaker.allow_trial()

    def breakers(self) -> list[BreakerStatus]:
        """Every controller's breaker this process has used, by controller name."""
        with self._lock:
            breakers = sorted(self._breakers.values(), key=lambda b: b.controller)
        return [b.status() for b in breakers]


class _Guarded:
    """A DomainAdapter that holds a bulkhead slot from open() to close() and reports the
    outcome of every call to its controller's breaker."""

    def __init__(
        self, inner: DomainAdapter, slot: threading.BoundedSemaphore, breaker: CircuitBreaker
    ) -> None:
        self._inner = inner
        self._slot = slot
        self._breaker = breaker
        self._held = False
        self.controller = inner.controller

    def _call(self, action: Callable[[], T]) -> T:
        try:
            result = action()
        except BaseException as exc:
            self._breaker.record(exc)
            raise
        self._breaker.record(None)
        return result

    def open(self) -> None:
        self._breaker.before_call()
        if not self._slot.acquire(timeout=self.controller.timeout_s):
            raise ControllerUnavailable(
                f"controller {self.controller.name} is busy: {self.controller.max_concurrent} session(s) "
                f"from this orchestrator for {self.controller.timeout_s:.0f} s",
                controller=self.controller.name,
            )
        self._held = True
        try:
            self._call(self._inner.open)
        except BaseException:
            self._release()
            raise

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            self._release()

    def _release(self) -> None:
        if self._held:
            self._held = False
            self._slot.release()

    def capabilities(self) -> Sequence[str]:
        return self._call(self._inner.capabilities)

    def stage(self, changeset: ChangeSet) -> None:
        self._call(lambda: self._inner.stage(changeset))

    def diff(self) -> str:
        return self._call(self._inner.diff)

    def validate(self) -> None:
        self._call(self._inner.validate)

    def commit(self, confirm_timeout: float | None = None) -> None:
        self._call(lambda: self._inner.commit(confirm_timeout))

    def confirm(self) -> None:
        self._call(self._inner.confirm)

    def discard(self) -> None:
        self._call(self._inner.discard)

    def rollback(self) -> None:
        self._call(self._inner.rollback)

    def read(self, paths: Sequence[ConfigPath]) -> Mapping[str, Json]:
        return self._call(lambda: self._inner.read(paths))

    def measure(self, paths: Sequence[ConfigPath]) -> Mapping[str, Json]:
        return self._call(lambda: self._inner.measure(paths))
