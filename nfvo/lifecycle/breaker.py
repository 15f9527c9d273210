"""A circuit breaker per controller: stop calling a controller that keeps failing.

Retries with backoff (push.py) suit a blip; against a controller that is down they make
every operation spend its whole retry budget, hold a worker and a bulkhead slot, and add
load to a controller that may be struggling to come back. The breaker counts consecutive
temporary failures (unreachable, dropped, timed out; not "busy", which is lock contention
on a healthy controller). At `threshold` it opens: calls fail at once with
CircuitOpen (a ControllerUnavailable) carrying `retry_after_s`, for `cooldown_s`. Then it lets one trial
session through (half-open): success closes it, failure opens it again for another
cooldown. Any success resets the count.

The state is per process (each orchestrator process learns for itself), kept in memory:
after a restart every breaker starts closed, which costs at most `threshold` failures.
"""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from nfvo.domain import CircuitOpen, ControllerBusy, NfvoError, TemporaryError


class BreakerState(enum.StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half-open"


@dataclass(frozen=True)
class BreakerPolicy:
    threshold: int = 5  # consecutive temporary failures that open the breaker
    cooldown_s: float = 30.0  # how long it stays open before a trial call

    def __post_init__(self) -> None:
        if self.threshold < 1 or self.cooldown_s < 0:
            raise ValueError("a breaker needs threshold >= 1 and cooldown_s >= 0")


@dataclass(frozen=True)
class BreakerStatus:
    controller: str
    state: BreakerState
    consecutive_failures: int
    opened_total: int  # how many times it has opened since the process started
    retry_after_s: float  # 0 unless open


def counts_as_failure(exc: BaseException) -> bool:
    return isinstance(exc, TemporaryError) and not isinstance(exc, ControllerBusy)


class CircuitBreaker:
    def __init__(
        self, controller: str, policy: BreakerPolicy, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.controller = controller
        self.policy = policy
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_running = False
        self._opened_total = 0

    def before_call(self) -> None:
        """Raise CircuitOpen if the breaker is open (or a trial is already under
        way while half-open); otherwise let the call go."""
        with self._lock:
            if self._opened_at is None:
                return
            remaining = self._opened_at + self.policy.cooldown_s - self._clock()
            if remaining <= 0 and not self._trial_running:
                self._trial_running = True  # half-open: this call is the trial
                return
            # While another call is the trial, ask to come back soon: it may close the breaker.
            wait = remaining if remaining > 0 else min(1.0, self.policy.cooldown_s)
        raise CircuitOpen(
            f"controller {self.controller} is not being called: its circuit breaker opened after "
            f"{self.policy.threshold} consecutive failures; next trial in {wait:.1f} s",
            controller=self.controller,
            hint="the controller has been failing: check it, or wait for the breaker's trial call",
            retry_after_s=wait,
        )

    def record(self, error: BaseException | None) -> None:
        """The outcome of a call that before_call let through."""
        with self._lock:
            if error is None or not counts_as_failure(error):
                if error is None or isinstance(error, NfvoError):
                    # The controller answered (success, or an answer such as a rejection).
                    self._failures = 0
                    self._opened_at = None
                self._trial_running = False
                return
            self._failures += 1
            trial_failed = self._trial_running
            self._trial_running = False
            if trial_failed or (self._opened_at is None and self._failures >= self.policy.threshold):
                if self._opened_at is None:
                    self._opened_total += 1
                self._opened_at = self._clock()

    def allow_trial(self) -> None:
        """End the cooldown now, so the next call is the trial: an operator who retries an
        operation has usually just repaired the controller, and should not wait for it."""
        with self._lock:
            if self._opened_at is not None and not self._trial_running:
                self._opened_at = self._clock() - self.policy.cooldown_s

    def status(self) -> BreakerStatus:
        with self._lock:
            if self._opened_at is None:
                return BreakerStatus(
                    self.controller, BreakerState.CLOSED, self._failures, self._opened_total, 0.0
                )
            remaining = self._opened_at + self.policy.cooldown_s - self._clock()
            # Half-open: the cooldown is over (the next call is the trial) or a trial runs.
            half_open = remaining <= 0 or self._trial_running
            state = BreakerState.HALF_OPEN if half_open else BreakerState.OPEN
            return BreakerStatus(
                self.controller, state, self._failures, self._opened_total, max(remaining, 0.0)
            )
