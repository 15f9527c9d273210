"""Slice instances and the operations that change them (states after ETSI SOL003)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from nfvo.domain.placement import Placement
from nfvo.domain.plan import DeploymentPlan, Verdict
from nfvo.domain.slice import SliceRequest


class OperationKind(enum.StrEnum):
    INSTANTIATE = "INSTANTIATE"
    TERMINATE = "TERMINATE"
    MODIFY = "MODIFY"  # re-place and re-push a live slice (new inputs, or healing a failure)


class OperationState(enum.StrEnum):
    STARTING = "STARTING"
    PROCESSING = "PROCESSING"
    COMPLETED = "COMPLETED"
    FAILED_TEMP = "FAILED_TEMP"
    ROLLING_BACK = "ROLLING_BACK"
    ROLLED_BACK = "ROLLED_BACK"
    FAILED = "FAILED"

    @property
    def is_final(self) -> bool:
        return self in (OperationState.COMPLETED, OperationState.ROLLED_BACK, OperationState.FAILED)


class SliceState(enum.StrEnum):
    INSTANTIATING = "INSTANTIATING"
    ACTIVE = "ACTIVE"
    TERMINATING = "TERMINATING"
    MODIFYING = "MODIFYING"  # a MODIFY operation runs; the slice keeps serving meanwhile
    TERMINATED = "TERMINATED"
    NOT_INSTANTIATED = "NOT_INSTANTIATED"  # instantiation rolled back: nothing deployed
    FAILED = "FAILED"  # an operation ended FAILED: the slice needs an operator


class StepState(enum.StrEnum):
    RUNNING = "RUNNING"
    DONE = "DONE"
    FAILED = "FAILED"
    UNDONE = "UNDONE"


@dataclass(frozen=True)
class StepRecord:
    name: str  # e.g. "place", "twin-validate", "push:transport", "undo:transport"
    state: StepState
    started_at: datetime
    finished_at: datetime | None = None
    detail: str = ""


@dataclass(frozen=True)
class ErrorInfo:
    code: str
    title: str
    detail: str
    hint: str = ""
    extra: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Operation:
    id: str
    slice_id: str
    kind: OperationKind
    state: OperationState
    started_at: datetime
    finished_at: datetime | None = None
    steps: tuple[StepRecord, ...] = ()
    error: ErrorInfo | None = None
    # Set when the operation ends: completed with no step failed or retried. The
    # first-time-right rate is the share of True among ended operations.
    first_time_right: bool | None = None
    # Why the operation waits for an operator's approval (it stays STARTING meanwhile,
    # with its capacity reserved); empty when it does not wait.
    held_for: str = ""


@dataclass(frozen=True)
class SliceInstance:
    id: str
    name: str
    tenant: str
    template: str
    state: SliceState
    request: SliceRequest
    created_at: datetime
    placement: Placement | None = None
    plan: DeploymentPlan | None = None
    verdict: Verdict | None = None
    expires_at: datetime | None = None  # torn down automatically once this passes


@dataclass(frozen=True)
class Modification:
    """A re-placement in flight: what the slice becomes if its MODIFY operation completes.
    `plan` switches each changed domain from the old configuration to the new one in one
    transaction; each change set's undo switches it back, so compensation restores the old
    slice exactly."""

    operation_id: str
    reason: str
    request: SliceRequest
    placement: Placement
    plan: DeploymentPlan


@dataclass(frozen=True)
class ApprovalPolicy:
    """Which requests an operator must approve before anything is pushed."""

    slice_types: frozenset[str] = frozenset()  # e.g. {"URLLC"}: slice types needing sign-off
    dedicated_isolation: bool = False  # dedicated slices take resources from everyone

    def reasons(self, request: SliceRequest) -> list[str]:
        found = []
        if request.sla.slice_type.value in self.slice_types:
            found.append(f"slice type {request.sla.slice_type.value} needs an operator's sign-off")
        if self.dedicated_isolation and request.sla.isolation.value == "dedicated":
            found.append("dedicated isolation needs an operator's sign-off")
        return found

    def check_change(self, old: SliceRequest, new: SliceRequest) -> None:
        """Raise to refuse changing a live slice from `old` to `new` (a modification);
        called inside the modification's transaction. Accepts every change by default."""
