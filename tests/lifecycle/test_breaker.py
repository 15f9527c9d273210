"""The circuit breaker's state machine (nfvo/lifecycle/breaker.py), on a hand-driven clock;
its use against a real controller that goes down is in tests/e2e/test_faults.py."""

from __future__ import annotations

import pytest

from nfvo.domain import CircuitOpen, ConfigRejected, ControllerBusy, ControllerUnavailable
from nfvo.lifecycle import BreakerPolicy, BreakerState
from nfvo.lifecycle.breaker import CircuitBreaker


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def down() -> ControllerUnavailable:
    return ControllerUnavailable("connection refused", controller="ctl")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def breaker(clock: Clock) -> CircuitBreaker:
    return CircuitBreaker("ctl", BreakerPolicy(threshold=3, cooldown_s=10), clock)


def fail(breaker: CircuitBreaker, times: int) -> None:
    for _ in range(times):
        breaker.before_call()
        breaker.record(down())


def test_opens_after_threshold_consecutive_failures_and_fails_fast(
    breaker: CircuitBreaker, clock: Clock
) -> None:
    fail(breaker, 2)
    assert breaker.status().state is BreakerState.CLOSED and breaker.status().consecutive_failures == 2
    fail(breaker, 1)
    status = breaker.status()
    assert status.state is BreakerState.OPEN and status.opened_total == 1
    assert status.retry_after_s == pytest.approx(10)
    clock.now += 4
    with pytest.raises(CircuitOpen) as caught:
        breaker.before_call()
    assert caught.value.retry_after_s == pytest.approx(6)
    assert caught.value.code == "circuit-open" and isinstance(caught.value, ControllerUnavailable)
    assert "3 consecutive failures" in caught.value.detail


def test_a_success_or_an_answer_resets_the_count(breaker: CircuitBreaker) -> None:
    fail(breaker, 2)
    breaker.before_call()
    breaker.record(None)
    fail(breaker, 2)
    assert breaker.status().state is BreakerState.CLOSED
    breaker.before_call()
    breaker.record(ConfigRejected("bad leaf", controller="ctl"))  # it answered: it is up
    assert breaker.status().consecutive_failures == 0


def test_busy_is_not_a_failure(breaker: CircuitBreaker) -> None:
    for _ in range(5):
        breaker.before_call()
        breaker.record(ControllerBusy("candidate locked", controller="ctl"))
    assert breaker.status().state is BreakerState.CLOSED


def test_half_open_lets_one_trial_through(breaker: CircuitBreaker, clock: Clock) -> None:
    fail(breaker, 3)
    clock.now += 10
    assert breaker.status().state is BreakerState.HALF_OPEN
    breaker.before_call()  # the trial
    with pytest.raises(CircuitOpen) as caught:
        breaker.before_call()  # a second caller waits for the trial's outcome
    assert 0 < (caught.value.retry_after_s or 0) <= 1
    breaker.record(None)
    assert breaker.status().state is BreakerState.CLOSED
    breaker.before_call()


def test_a_failed_trial_opens_it_for_another_cooldown(breaker: CircuitBreaker, clock: Clock) -> None:
    fail(breaker, 3)
    clock.now += 10
    breaker.before_call()
    breaker.record(down())
    status = breaker.status()
    assert status.state is BreakerState.OPEN and status.retry_after_s == pytest.approx(10)
    assert status.opened_total == 1  # reopened, not a new opening
    with pytest.raises(CircuitOpen):
        breaker.before_call()


def test_policy_is_checked() -> None:
    with pytest.raises(ValueError):
        BreakerPolicy(threshold=0)


def test_allow_trial_ends_the_cooldown(breaker: CircuitBreaker) -> None:
    fail(breaker, 3)
    breaker.allow_trial()
    assert breaker.status().state is BreakerState.HALF_OPEN
    breaker.before_call()
    breaker.record(None)
    assert breaker.status().state is BreakerState.CLOSED
