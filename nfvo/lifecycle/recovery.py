"""Crash recovery: bring every operation a dead process left open to a final state.

Each step is journalled before it runs, but a crash can land between a controller
applying a change and the journal recording it, so the journal cannot say exactly what a
domain holds. Recovery therefore does not trust it. It applies operations that are safe
whatever happened:

- an interrupted **instantiate** is rolled back by applying the inverse of *every* change
  set in its plan, newest first. Each inverse deletes the slice's own subtree, and
  deleting what is not there is harmless. A NETCONF confirmed commit that was never
  confirmed has reverted by itself already.
- an interrupted **terminate** is finished by running the whole teardown again, for the
  same reason.

The outcome is ROLLED_BACK or COMPLETED. If a controller cannot be reached, it is
FAILED_TEMP, with the capacity still reserved so nothing is over-committed meanwhile.
"""

from __future__ import annotations

from nfvo.domain import (
    DeploymentPlan,
    LeftBehind,
    NfvoError,
    Operation,
    OperationKind,
    OperationState,
    SliceState,
    StepState,
    Substrate,
)
from nfvo.lifecycle.journal import Journal
from nfvo.lifecycle.modify import roll_back_modification
from nfvo.lifecycle.push import Connect
from nfvo.lifecycle.saga import compensate, teardown
from nfvo.store import Store


def recover_open_operations(
    store: Store, substrate: Substrate, connect: Connect, confirm_timeout_s: float
) -> list[Operation]:
    """Finish every operation not in a final state; returns them as they ended."""
    ended = []
    for operation in store.list_operations(open_only=True):
        if operation.state is OperationState.FAILED_TEMP or operation.held_for:
            continue  # waiting for an operator (retry or rollback; approve or reject)
        journal = Journal(store, operation.id, operation.steps)
        journal.close_interrupted()
        if operation.kind is OperationKind.INSTANTIATE:
            roll_back_everything(
                store, substrate, connect, confirm_timeout_s, journal, operation, _interrupted()
            )
        elif operation.kind is OperationKind.MODIFY:
            roll_back_modification(
                store, substrate, connect, confirm_timeout_s, journal, operation, _interrupted()
            )
        else:
            finish_teardown(store, substrate, connect, confirm_timeout_s, journal, operation)
        ended.append(store.get_operation(operation.id))
    return ended


def roll_back_everything(
    store: Store,
    substrate: Substrate,
    connect: Connect,
    confirm_timeout_s: float,
    journal: Journal,
    operation: Operation,
    reason: NfvoError | None,
) -> None:
    """Undo every change set of an instantiation, whatever its journal says was done.
    ROLLED_BACK when all domains are clean, else FAILED_TEMP (capacity kept reserved)."""
    instance = store.get_slice(operation.slice_id)
    plan = instance.plan or DeploymentPlan(instance.id, ())
    journal.set_state(OperationState.ROLLING_BACK)
    if compensate(journal, substrate, list(plan.changesets), connect, confirm_timeout_s):
        store.update_slice(instance.id, state=SliceState.NOT_INSTANTIATED, release=True)
        journal.set_state(OperationState.ROLLED_BACK, reason)
    else:
        store.update_slice(instance.id, state=SliceState.FAILED)
        journal.set_state(OperationState.FAILED_TEMP, reason)


FORCED_STEP = "forced"  # first step of a forced termination, so recovery finishes it forced too


def finish_teardown(
    store: Store,
    substrate: Substrate,
    connect: Connect,
    confirm_timeout_s: float,
    journal: Journal,
    operation: Operation,
) -> None:
    """Remove a slice from every domain (again: deleting what is gone is harmless).
    COMPLETED frees the capacity; FAILED_TEMP keeps it until a retry succeeds.

    A forced termination (its journal starts with a `forced` step) tries each domain once
    and ends COMPLETED whatever happens: the slice is TERMINATED and its capacity freed,
    and what could not be removed is recorded in a failed `left-behind` step and in the
    operation's error (code left-behind), for reconciliation to clean up later."""
    instance = store.get_slice(operation.slice_id)
    plan = instance.plan or DeploymentPlan(instance.id, ())
    forced = any(step.name == FORCED_STEP for step in journal.steps)
    journal.set_state(OperationState.PROCESSING)
    failed = teardown(journal, substrate, plan, connect, confirm_timeout_s, attempts=1 if forced else 5)
    if not failed:
        store.update_slice(instance.id, state=SliceState.TERMINATED, release=True)
        journal.set_state(OperationState.COMPLETED)
    elif forced:
        left = "; ".join(
            f"/slices/slice[name={instance.id}] on {cs.controller} ({cs.domain}): {exc.detail}"
            for cs, exc in failed
        )
        journal.record("left-behind", StepState.FAILED, left)
        store.update_slice(instance.id, state=SliceState.TERMINATED, release=True)
        journal.set_state(
            OperationState.COMPLETED,
            LeftBehind(
                f"slice {instance.id} was terminated by force; configuration may remain: {left}",
                hint="run `nfvo reconcile --repair` once those controllers answer, to remove it",
            ),
        )
    else:
        store.update_slice(instance.id, state=SliceState.FAILED)
        journal.set_state(OperationState.FAILED_TEMP, failed[0][1])


def _interrupted() -> NfvoError:
    return NfvoError(
        "the orchestrator stopped while this operation ran; it was rolled back on restart",
        hint="submit the slice again",
    )
