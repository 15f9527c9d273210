"""Injected faults (simulator.lab.faults) against every adapter and emulator pair: each
fault comes out as the right project error, temporary or permanent, and the orchestrator's
push (nfvo.lifecycle.push.apply_changeset) leaves the domain exactly as before or exactly
as planned. And no ncclient, paramiko or grpc exception escapes any method, whatever fault."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from changesets import SLICES, transport_changeset
from pairs import Pair

from adapters.base import DomainAdapter
from nfvo.domain import (
    AdapterError,
    ConfigRejected,
    ControllerUnavailable,
    NfvoError,
    PermanentError,
    TemporaryError,
    VerificationFailed,
)
from nfvo.lifecycle.push import apply_changeset, verify
from simulator.lab.faults import Fault, FaultKind, Op

# Short, so that a TIMEOUT costs little; the emulators answer in milliseconds otherwise.
TIMEOUT_S = 1.0


def push_once(pair: Pair, *, attempts: int = 1) -> None:
    cs = transport_changeset("s1")
    apply_changeset(
        lambda _ctl: pair.make(timeout_s=TIMEOUT_S),
        pair.controller,
        cs,
        confirm_timeout_s=30,
        attempts=attempts,
    )


def seeded(pair: Pair) -> object:
    """Put something in the domain first, so that "as before" is not merely "empty"."""
    pair.opened.stage(transport_changeset("base"))
    pair.opened.commit()
    return pair.state()


@pytest.mark.parametrize(
    ("kind", "op", "error", "temporary"),
    [
        (FaultKind.REJECT, Op.COMMIT, ConfigRejected, False),
        (FaultKind.REJECT, Op.READ, ConfigRejected, False),
        (FaultKind.DROP, Op.COMMIT, ControllerUnavailable, True),
        (FaultKind.DROP, Op.READ, ControllerUnavailable, True),
        (FaultKind.TIMEOUT, Op.COMMIT, ControllerUnavailable, True),
        (FaultKind.TIMEOUT, Op.READ, ControllerUnavailable, True),
        (FaultKind.PARTIAL, Op.COMMIT, VerificationFailed, False),
    ],
)
def test_a_fault_gives_the_right_error_and_leaves_the_domain_as_before(
    emulated: Pair, kind: FaultKind, op: Op, error: type[AdapterError], temporary: bool
) -> None:
    before = seeded(emulated)
    emulated.inject(Fault(kind, op))
    with pytest.raises(error) as caught:
        push_once(emulated)
    assert isinstance(caught.value, TemporaryError) is temporary
    assert isinstance(caught.value, PermanentError) is not temporary
    assert caught.value.controller == emulated.controller.name
    assert emulated.state() == before


def test_a_reject_with_a_busy_status_is_temporary(emulated: Pair) -> None:
    before = seeded(emulated)
    adapter = emulated.opened
    emulated.inject(Fault(FaultKind.REJECT, Op.COMMIT, status=emulated.temporary_status))
    adapter.stage(transport_changeset("s1"))
    with pytest.raises(ControllerUnavailable):  # (NETCONF's lock-denied: ControllerBusy)
        adapter.commit(confirm_timeout=30)
    adapter.rollback()
    assert emulated.state() == before
    # The push retries a temporary refusal; once it passes, the domain is as planned.
    emulated.inject(Fault(FaultKind.REJECT, Op.COMMIT, status=emulated.temporary_status))
    push_once(emulated, attempts=3)
    verify(emulated.opened, transport_changeset("s1"))


@pytest.mark.parametrize("kind", [FaultKind.DROP, FaultKind.TIMEOUT, FaultKind.DELAY])
def test_a_passing_fault_is_retried_and_the_domain_ends_as_planned(emulated: Pair, kind: FaultKind) -> None:
    seeded(emulated)
    emulated.inject(Fault(kind, Op.COMMIT, delay_ms=200 if kind is FaultKind.DELAY else 0))
    push_once(emulated, attempts=3)
    verify(emulated.opened, transport_changeset("s1"))
    verify(emulated.opened, transport_changeset("base"))


def test_faults_can_be_cleared_while_a_call_hangs(emulated: Pair) -> None:
    emulated.inject(Fault(FaultKind.DELAY, Op.READ, delay_ms=60_000))
    adapter = emulated.make(timeout_s=30)
    adapter.open()
    try:
        assert emulated.faults is not None
        timer = threading.Timer(0.2, emulated.faults.clear)
        timer.start()
        assert adapter.read([SLICES])  # answered once the fault is cleared, not after 60 s
        timer.join()
    finally:
        adapter.close()


def every_method(adapter: DomainAdapter) -> dict[str, Callable[[], object]]:
    return {
        "open": adapter.open,
        "capabilities": adapter.capabilities,
        "stage": lambda: adapter.stage(transport_changeset("leak")),
        "diff": adapter.diff,
        "validate": adapter.validate,
        "commit": lambda: adapter.commit(confirm_timeout=30),
        "read": lambda: adapter.read([SLICES]),
        "confirm": adapter.confirm,
        "rollback": adapter.rollback,
        "discard": adapter.discard,
        "stage again": lambda: adapter.stage(transport_changeset("leak2")),
        "plain commit": adapter.commit,
        "close": adapter.close,
    }


@pytest.mark.parametrize("kind", list(FaultKind))
def test_no_library_exception_escapes_under_any_fault(emulated: Pair, kind: FaultKind) -> None:
    # Every operation of every session is hit, from the first one on (times=0: until cleared).
    emulated.inject(Fault(kind, Op.ANY, delay_ms=50 if kind is FaultKind.DELAY else 0, times=0))
    adapter = emulated.make(timeout_s=0.5)
    leaked = []
    for name, call in every_method(adapter).items():
        try:
            call()
        except NfvoError as exc:
            assert isinstance(exc, AdapterError), f"{name}: {exc!r}"
        except BaseException as exc:
            leaked.append(f"{name}: {type(exc).__module__}.{type(exc).__name__}: {exc}")
    adapter.close()
    assert not leaked
