"""What operators do to operations: approve or reject a held one; retry, roll back or
give up a FAILED_TEMP one; cancel a running one."""

from __future__ import annotations

from nfvo.domain import (
    ConflictError,
    Operation,
    OperationCancelled,
    OperationKind,
    OperationState,
    SliceState,
)
from nfvo.lifecycle.journal import Journal
from nfvo.lifecycle.modify import roll_back_modification
from nfvo.lifecycle.recovery import roll_back_everything
from nfvo.lifecycle.runner import OperationRunner


class Interventions(OperationRunner):
    def approve(self, operation_id: str) -> Operation:
        """Let a held instantiation proceed (its capacity was reserved when it was held)."""
        operation = self.store.release_hold(operation_id)
        instance = self.store.get_slice(operation.slice_id)
        self._start(operation, self._run_instantiate, instance, operation)
        return operation

    def reject(self, operation_id: str) -> Operation:
        """Refuse a held instantiation: nothing was pushed; its capacity is freed."""
        operation = self.store.release_hold(operation_id)
        self.store.update_slice(operation.slice_id, state=SliceState.NOT_INSTANTIATED, release=True)
        Journal(self.store, operation.id, operation.steps).set_state(
            OperationState.ROLLED_BACK, ConflictError("rejected by an operator", hint="nothing was deployed")
        )
        return self.store.get_operation(operation_id)

    # --- retry and rollback of FAILED_TEMP ------------------------------------------------

    def retry(self, operation_id: str) -> Operation:
        """Run a FAILED_TEMP operation again from the start: pushes and deletes are
        idempotent, so what already succeeded is simply confirmed."""
        operation = self.store.transition_operation(
            operation_id, (OperationState.FAILED_TEMP,), OperationState.PROCESSING
        )
        self._guard.allow_trials()  # the operator retries: try the controllers now
        instance = self.store.get_slice(operation.slice_id)
        if operation.kind is OperationKind.INSTANTIATE:
            self.store.update_slice(instance.id, state=SliceState.INSTANTIATING)
            self._start(operation, self._run_instantiate, instance, operation)
        elif operation.kind is OperationKind.MODIFY:
            self.store.update_slice(instance.id, state=SliceState.MODIFYING)
            self._start(operation, self._run_modify, instance, operation)
        else:
            self.store.update_slice(instance.id, state=SliceState.TERMINATING)
            self._start(operation, self._run_terminate, instance, operation)
        return self.store.get_operation(operation_id)

    def rollback(self, operation_id: str) -> Operation:
        """Undo a FAILED_TEMP instantiation in every domain and free its capacity, or
        switch a FAILED_TEMP modification back to the old slice everywhere."""
        kind = self.store.get_operation(operation_id).kind
        if kind is OperationKind.TERMINATE:
            raise ConflictError("a termination cannot be rolled back", hint="retry the termination instead")
        operation = self.store.transition_operation(
            operation_id, (OperationState.FAILED_TEMP,), OperationState.ROLLING_BACK
        )
        self._guard.allow_trials()

        def run() -> None:
            journal = Journal(self.store, operation.id, operation.steps)
            undo = roll_back_modification if kind is OperationKind.MODIFY else roll_back_everything
            undo(self.store, self.substrate, self.connect, self.confirm_timeout_s, journal, operation, None)

        self._start(operation, run)
        return self.store.get_operation(operation_id)

    def cancel(self, operation_id: str) -> Operation:
        """Stop an instantiation or a modification. Held for approval: as a rejection. Running: it stops at
        the next step boundary and undoes what it did (ROLLED_BACK, code cancelled), from
        whichever orchestrator process runs it. FAILED_TEMP: give up (FAILED), keeping the
        capacity, since configuration may remain; terminate the slice (with force if a
        domain does not answer) to remove it. A termination cannot be cancelled."""
        operation = self.store.get_operation(operation_id)
        if operation.held_for:
            return self.reject(operation_id)
        if operation.kind is OperationKind.TERMINATE:
            raise ConflictError(
                "a termination cannot be cancelled: stopping half-way would leave the slice half removed",
                hint="retry it, or terminate with force",
            )
        if operation.state is OperationState.FAILED_TEMP:
            operation = self.store.transition_operation(
                operation_id, (OperationState.FAILED_TEMP,), OperationState.FAILED
            )
            Journal(self.store, operation.id, operation.steps).set_state(
                OperationState.FAILED,
                OperationCancelled(
                    "given up by an operator; configuration may remain and the capacity stays reserved",
                    hint=f"terminate slice {operation.slice_id} (force=true if a domain does not answer)",
                ),
            )
            return self.store.get_operation(operation_id)
        self.store.transition_operation(
            operation_id, (OperationState.STARTING, OperationState.PROCESSING), OperationState.ROLLING_BACK
        )
        return self.store.get_operation(operation_id)

    def _close_failed_temp(self, slice_id: str) -> None:
        open_ops = self.store.list_operations(slice_id=slice_id, open_only=True)
        running = [op for op in open_ops if op.state is not OperationState.FAILED_TEMP]
        if running:
            raise ConflictError(
                f"operation {running[0].id} on slice {slice_id} is {running[0].state}",
                hint="wait for it to end (or cancel it), then terminate with force",
            )
        for op in open_ops:
            self.store.transition_operation(op.id, (OperationState.FAILED_TEMP,), OperationState.FAILED)
            Journal(self.store, op.id, op.steps).set_state(
                OperationState.FAILED,
                OperationCancelled("superseded by a forced termination of the slice"),
            )
