"""Apply one change set through its domain's adapter, transactionally, and verify it.

stage → commit (confirmed, with a revert timer where the protocol has one) → read back
every edited path → confirm. If anything after staging fails, the adapter's rollback()
reverts the unconfirmed commit, so a change set is either fully applied or not at all.
Temporary errors (controller unreachable, timeouts) are retried with backoff.
"""

from __future__ import annotations

import contextlib
import random
import time
from collections.abc import Callable, Mapping

from adapters.base import DomainAdapter
from nfvo.domain import (
    ChangeSet,
    Controller,
    ControllerBusy,
    EditOp,
    Leaf,
    NfvoError,
    TemporaryError,
    VerificationFailed,
    format_path,
)

Connect = Callable[[Controller], DomainAdapter]


def apply_changeset(
    connect: Connect,
    controller: Controller,
    changeset: ChangeSet,
    *,
    confirm_timeout_s: float,
    attempts: int = 5,
    backoff_s: float = 0.2,
) -> int:
    """Apply with retries: up to `attempts` for a controller that does not answer, and for
    one that is busy (another session holds its lock) for as long as its timeout allows.
    Returns how many attempts it took."""
    busy_deadline = time.monotonic() + controller.timeout_s
    failures = 0
    tries = 0
    while True:
        tries += 1
        try:
            _apply_once(connect, controller, changeset, confirm_timeout_s)
            return tries
        except ControllerBusy:
            if time.monotonic() >= busy_deadline:
                raise
            delay = min(1.0, backoff_s * 2 ** min(failures, 5))
        except TemporaryError as exc:
            failures += 1
            if failures >= attempts:
                raise
            if exc.retry_after_s is not None:
                # An open circuit breaker says when its trial call is allowed: wait for it
                # if that is within the controller's timeout, else fail now, not later.
                if exc.retry_after_s > controller.timeout_s:
                    raise
                time.sleep(exc.retry_after_s + random.uniform(0, backoff_s))
                continue
            delay = backoff_s * 2 ** (failures - 1)
        # Full jitter, so that retries from many slices spread out instead of colliding.
        time.sleep(random.uniform(0, delay))


def _apply_once(
    connect: Connect, controller: Controller, changeset: ChangeSet, confirm_timeout_s: float
) -> None:
    adapter = connect(controller)
    adapter.open()
    try:
        adapter.stage(changeset)
        try:
            adapter.commit(confirm_timeout=confirm_timeout_s)
            verify(adapter, changeset)
            adapter.confirm()
        except NfvoError:
            quietly(adapter.rollback)
            raise
    finally:
        quietly(adapter.close)


def quietly(action: Callable[[], None]) -> None:
    """Run a clean-up (close, rollback) whose failure must not hide the error being
    reported or the result being returned."""
    with contextlib.suppress(NfvoError):
        action()


def verify(adapter: DomainAdapter, changeset: ChangeSet) -> None:
    """Read back every edited path: merged leaves hold what was sent, deleted paths are gone."""
    paths = [edit.path for edit in changeset.edits]
    found = adapter.read(paths)
    problems = []
    for index, edit in enumerate(changeset.edits):
        key = format_path(edit.path)
        actual = found.get(key)
        if edit.op is EditOp.DELETE:
            # A delete followed by merges under the same path replaces the entry (a switch
            # to a new placement): what must hold then is what the merges wrote.
            recreated = any(
                later.path[: len(edit.path)] == edit.path for later in changeset.edits[index + 1 :]
            )
            if actual is not None and not recreated:
                problems.append(f"{key} is still present after delete")
            continue
        if not isinstance(actual, Mapping):
            problems.append(f"{key} is missing after commit")
            continue
        for leaf, expected in edit.leaves.items():
            if not same_leaf(expected, actual.get(leaf)):
                problems.append(f"{key}/{leaf} is {actual.get(leaf)!r}, expected {expected!r}")
    if problems:
        raise VerificationFailed(
            f"controller {adapter.controller.name} holds other values than were committed: "
            + "; ".join(problems),
            controller=adapter.controller.name,
        )


def same_leaf(expected: Leaf, actual: object) -> bool:
    """Compare a sent leaf with what a server returned (NETCONF gives strings, gNMI JSON)."""
    if isinstance(expected, tuple):
        items = actual if isinstance(actual, list | tuple) else [actual] if actual is not None else []
        return len(items) == len(expected) and all(
            same_leaf(e, a) for e, a in zip(expected, items, strict=True)
        )
    if isinstance(expected, bool):
        return str(actual).lower() == str(expected).lower()
    if isinstance(expected, int | float):
        try:
            return abs(float(str(actual)) - float(expected)) < 1e-6
        except ValueError:
            return False
    return str(actual) == expected
