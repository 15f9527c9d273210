"""A bulkhead, a circuit breaker (breaker.py) and a session pool per controller.

The bulkhead: at most `max_concurrent` sessions on a controller from this process.

It keeps a slow or busy domain from taking every worker thread, and keeps concurrent
slices from fighting over a NETCONF candidate datastore (which has one lock). It wraps
`connect`, so the saga does not know about it: a session's slot is taken by open() and
given back by close(). The breaker is asked before the slot is taken (an open breaker
fails at once instead of queueing), and told the outcome of every call.

Session reuse: opening a NETCONF session (SSH key exchange, authentication, hello) costs
far more than a whole transaction on an open one (docs/southbound-bench.md: ~0.7 s against
~0.07 s on netconfd). So close() does not close a session that ended cleanly: it keeps it
open, idle, for the next open() on the same controller (same address and credentials).
A session that saw any error, or has sat idle for longer than `idle_timeout_s`, is closed
instead. A pooled session that the server dropped meanwhile fails its first call like any
dropped session: the push retries on a fresh one. Idle sessions never exceed the slots.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

from adapters.base import DomainAdapter, Json
from nfvo.domain import ChangeSet, ConfigPath, Controller, ControllerBusy, ControllerUnavailable
from nfvo.lifecycle.breaker import BreakerPolicy, BreakerStatus, CircuitBreaker
from nfvo.lifecycle.push import Connect, quietly

T = TypeVar("T")


class Bulkhead:
    def __init__(
        self,
        connect: Connect,
        breaker: BreakerPolicy | None = None,
        *,
        reuse_sessions: bool = True,
        idle_timeout_s: float = 60.0,
    ) -> None:
        self._connect = connect
        self._policy = breaker or BreakerPolicy()
        self._slots: dict[str, threading.BoundedSemaphore] = {}
        self._breakers: dict[str, CircuitBreaker] = {}
        self._idle: dict[Controller, list[tuple[float, DomainAdapter]]] = {}
        self._reuse = reuse_sessions
        self._idle_timeout_s = idle_timeout_s
        self._lock = threading.Lock()
        self.sessions_opened = 0  # fresh sessions opened (for tests and metrics)
        self.sessions_reused = 0

    def __call__(self, controller: Controller) -> DomainAdapter:
        with self._lock:
            slot = self._slots.setdefault(
                controller.name, threading.BoundedSemaphore(max(1, controller.max_concurrent))
            )
            breaker = self._breakers.setdefault(
                controller.name, CircuitBreaker(controller.name, self._policy)
            )
        return _Guarded(self, controller, slot, breaker)

    # --- the pool -------------------------------------------------------------------------

    def take_idle(self, controller: Controller) -> DomainAdapter | None:
        """An idle open session to `controller`, or None (stale ones are closed)."""
        stale: list[DomainAdapter] = []
        found: DomainAdapter | None = None
        with self._lock:
            idle = self._idle.get(controller, [])
            now = time.monotonic()
            while idle:
                since, adapter = idle.pop()
                if now - since <= self._idle_timeout_s:
                    found = adapter
                    self.sessions_reused += 1
                    break
                stale.append(adapter)
        for adapter in stale:
            quietly(adapter.close)
        return found

    def count_fresh(self) -> None:
        with self._lock:
            self.sessions_opened += 1

    def give_back(self, controller: Controller, adapter: DomainAdapter, healthy: bool) -> None:
        if healthy and self._reuse:
            with self._lock:
                self._idle.setdefault(controller, []).append((time.monotonic(), adapter))
            return
        quietly(adapter.close)

    def new_adapter(self, controller: Controller) -> DomainAdapter:
        return self._connect(controller)

    def close(self) -> None:
        """Close every idle session (at shutdown)."""
        with self._lock:
            idle = [adapter for sessions in self._idle.values() for _, adapter in sessions]
            self._idle.clear()
        for adapter in idle:
            quietly(adapter.close)

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
    """A DomainAdapter that holds a bulkhead slot from open() to close(), reports the
    outcome of every call to its controller's breaker, and borrows its session from the
    pool (or opens one) at open() and gives it back at close()."""

    def __init__(
        self,
        pool: Bulkhead,
        controller: Controller,
        slot: threading.BoundedSemaphore,
        breaker: CircuitBreaker,
    ) -> None:
        self._pool = pool
        self._slot = slot
        self._breaker = breaker
        self._held = False
        self._inner: DomainAdapter | None = None
        self._healthy = True
        self._untried_reuse = False  # a pooled session on which no call has run yet
        self._opening: Callable[[], None] | None = None  # the open() of a fresh session, while it runs
        self.controller = controller

    def _session(self) -> DomainAdapter:
        if self._inner is None:
            raise ControllerUnavailable(
                f"no open session to controller {self.controller.name}: call open() first",
                controller=self.controller.name,
            )
        return self._inner

    def _call(self, action: Callable[[], T], *, proves_up: bool = True) -> T:
        """Run one adapter call. `proves_up`: whether its success shows that the controller
        answers (stage, diff, validate, discard and rollback may be local to the adapter,
        e.g. gNMI stages in memory, so their success must not close a breaker)."""
        if self._inner is None and action is not self._opening:
            # The session was lost (a reopen failed): already counted, do not count again.
            return action()
        try:
            result = action()
        except ControllerUnavailable as exc:
            if self._untried_reuse and not isinstance(exc, ControllerBusy):
                # A pooled session the server dropped while it sat idle: not the
                # controller's fault and nothing was done on it yet, so open a fresh one
                # and run the call again, instead of failing the attempt.
                self._untried_reuse = False
                stale, self._inner = self._inner, None
                if stale is not None:
                    quietly(stale.close)
                self._open_fresh()
                return self._call(action, proves_up=proves_up)
            self._failed(exc)
            raise
        except BaseException as exc:
            self._failed(exc)
            raise
        if proves_up:
            self._untried_reuse = False
            self._breaker.record(None)
        return result

    def _failed(self, exc: BaseException) -> None:
        self._untried_reuse = False
        self._healthy = False  # whatever state the session is in, do not lend it again
        self._breaker.record(exc)

    def _open_fresh(self) -> None:
        fresh = self._pool.new_adapter(self.controller)
        self._pool.count_fresh()
        self._opening = fresh.open
        try:
            self._call(self._opening)
        finally:
            self._opening = None
        self._inner = fresh

    def open(self) -> None:
        if self._inner is not None:
            return  # opening an open adapter is harmless (the contract)
        self._breaker.before_call()
        if not self._slot.acquire(timeout=self.controller.timeout_s):
            raise ControllerUnavailable(
                f"controller {self.controller.name} is busy: {self.controller.max_concurrent} session(s) "
                f"from this orchestrator for {self.controller.timeout_s:.0f} s",
                controller=self.controller.name,
            )
        self._held = True
        self._healthy = True
        try:
            self._inner = self._pool.take_idle(self.controller)
            self._untried_reuse = self._inner is not None
            if self._inner is None:
                self._open_fresh()
        except BaseException:
            self._release()
            raise

    def close(self) -> None:
        inner, self._inner = self._inner, None
        try:
            if inner is not None:
                self._pool.give_back(self.controller, inner, self._healthy)
        finally:
            self._release()

    def _release(self) -> None:
        if self._held:
            self._held = False
            self._slot.release()

    def capabilities(self) -> Sequence[str]:
        return self._call(lambda: self._session().capabilities())

    def stage(self, changeset: ChangeSet) -> None:
        self._call(lambda: self._session().stage(changeset), proves_up=False)

    def diff(self) -> str:
        return self._call(lambda: self._session().diff(), proves_up=False)

    def validate(self) -> None:
        self._call(lambda: self._session().validate(), proves_up=False)

    def commit(self, confirm_timeout: float | None = None) -> None:
        self._call(lambda: self._session().commit(confirm_timeout))

    def confirm(self) -> None:
        self._call(lambda: self._session().confirm())

    def discard(self) -> None:
        self._call(lambda: self._session().discard(), proves_up=False)

    def rollback(self) -> None:
        self._call(lambda: self._session().rollback(), proves_up=False)

    def read(self, paths: Sequence[ConfigPath]) -> Mapping[str, Json]:
        return self._call(lambda: self._session().read(paths))

    def measure(self, paths: Sequence[ConfigPath]) -> Mapping[str, Json]:
        return self._call(lambda: self._session().measure(paths))
