"""An operation's step journal, written to the store before and after every step."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from nfvo.domain import (
    ErrorInfo,
    NfvoError,
    OperationCancelled,
    OperationState,
    StepRecord,
    StepState,
    TemporaryError,
)
from nfvo.lifecycle import crashpoints
from nfvo.store import Store, utcnow


def error_info(exc: NfvoError) -> ErrorInfo:
    extra: dict[str, object] = {}
    blocking = getattr(exc, "blocking", None)
    if blocking is not None:
        extra["blocking"] = {
            "kind": blocking.kind,
            "subject": blocking.subject,
            "required": blocking.required,
            "best_achievable": blocking.best_achievable,
            "unit": blocking.unit,
        }
    controller = getattr(exc, "controller", "")
    if controller:
        extra["controller"] = controller
    extra["temporary"] = isinstance(exc, TemporaryError)
    return ErrorInfo(code=exc.code, title=exc.title, detail=exc.detail, hint=exc.hint, extra=extra)


class Journal:
    """Keeps an operation's steps and state in the store as they change."""

    def __init__(self, store: Store, operation_id: str, steps: tuple[StepRecord, ...] = ()) -> None:
        self.store = store
        self.operation_id = operation_id
        self.steps = list(steps)
        self.retried = False  # some step needed more than one attempt

    def set_state(self, state: OperationState, error: NfvoError | None = None) -> None:
        """Persist the state; a final one also records whether the operation went right
        the first time: completed, with no step failed and none retried."""
        first_time_right = None
        if state.is_final:
            first_time_right = (
                state is OperationState.COMPLETED
                and not self.retried
                and all(step.state is StepState.DONE for step in self.steps)
            )
        self.store.update_operation(
            self.operation_id,
            state=state,
            error=error_info(error) if error is not None else None,
            first_time_right=first_time_right,
        )

    def attempts(self, count: int) -> None:
        """Note how many attempts the running step took."""
        if count > 1:
            self.retried = True
            last = self.steps[-1]
            self.steps[-1] = replace(last, detail=f"{last.detail}; {count} attempts".lstrip("; "))

    def check_cancelled(self) -> None:
        """Raise OperationCancelled if an operator cancelled this operation. Cancelling
        moves a running operation to ROLLING_BACK in the store, so this works from any
        process sharing it; the saga asks before each forward step (never while undoing)."""
        if self.store.get_operation(self.operation_id).state is OperationState.ROLLING_BACK:
            raise OperationCancelled(
                "cancelled by an operator; what this operation had configured was undone",
                hint="submit the slice again when wanted",
            )

    def note(self, text: str) -> None:
        """Add `text` to the running step's detail (e.g. what a check measured)."""
        last = self.steps[-1]
        self.steps[-1] = replace(last, detail=f"{last.detail}; {text}".lstrip("; "))

    @contextmanager
    def step(self, name: str, detail: str = "") -> Iterator[None]:
        """Record `name` as RUNNING before the body runs, DONE or FAILED after."""
        index = len(self.steps)
        self.steps.append(StepRecord(name=name, state=StepState.RUNNING, started_at=utcnow(), detail=detail))
        self._save()
        crashpoints.reached(f"before:{name}")
        try:
            yield
        except Exception as exc:
            self._finish(index, StepState.FAILED, str(exc))
            raise
        crashpoints.reached(f"after:{name}")
        self._finish(index, StepState.DONE, self.steps[index].detail)

    def record(self, name: str, state: StepState, detail: str) -> None:
        """A step that ran no code of its own (a marker, or a summary of others)."""
        now = utcnow()
        self.steps.append(StepRecord(name=name, state=state, started_at=now, finished_at=now, detail=detail))
        self._save()

    def close_interrupted(self) -> None:
        """Steps a crashed process left RUNNING are recorded as FAILED (interrupted)."""
        for index, step in enumerate(self.steps):
            if step.state is StepState.RUNNING:
                self._finish(index, StepState.FAILED, "interrupted: the orchestrator process stopped")

    def _finish(self, index: int, state: StepState, detail: str) -> None:
        self.steps[index] = replace(self.steps[index], state=state, finished_at=utcnow(), detail=detail)
        self._save()

    def _save(self) -> None:
        self.store.update_operation(self.operation_id, steps=tuple(self.steps))
