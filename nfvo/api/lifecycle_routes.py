"""Operations on live slices beyond create and delete: modify a slice, cancel an operation,
heal after a site or link failure, and the circuit breakers of the controllers."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from nfvo.api import quotas
from nfvo.api.auth import PrincipalDep, access, visible_operation, visible_slice
from nfvo.api.gate import note
from nfvo.api.schemas import OperationView
from nfvo.api.slice_routes import PREFIX, OrchestratorDep
from nfvo.domain import InfeasibleError, NfvoError, Operation
from nfvo.domain.access import Role
from nfvo.lifecycle import Orchestrator

router = APIRouter(prefix=PREFIX)


class SliceModify(BaseModel):
    model_config = ConfigDict(extra="forbid")

    inputs: dict[str, Any] = Field(
        ..., min_length=1, description="template inputs to change, e.g. {'throughput_mbps': 400}"
    )
    reason: str = Field("", max_length=400, description="why, for the operation's journal")


class HealRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sites: list[str] = Field(default_factory=list, max_length=1000, description="sites out of service")
    links: list[tuple[str, str]] = Field(
        default_factory=list, max_length=1000, description="links out of service, as [site, site] pairs"
    )


class HealOutcome(BaseModel):
    slice_id: str
    operation: OperationView | None = None
    error: dict[str, Any] | None = None  # why the slice could not be re-placed


class HealReport(BaseModel):
    failed_sites: list[str]
    failed_links: list[str]
    slices: list[HealOutcome]


class BreakerView(BaseModel):
    controller: str
    state: str
    consecutive_failures: int
    opened_total: int
    retry_after_s: float


@router.patch(
    "/slices/{slice_id}", status_code=status.HTTP_202_ACCEPTED, tags=["slices"], **access(Role.TENANT)
)
def modify_slice(
    slice_id: str,
    body: SliceModify,
    request: Request,
    response: Response,
    orchestrator: OrchestratorDep,
    principal: PrincipalDep,
) -> OperationView:
    """Change some of a live slice's template inputs: it is re-placed and every changed
    domain switched to the new configuration, the old one restored on any failure (202 +
    the MODIFY operation). 422 with the blocking constraint when it cannot be placed, 409
    when the slice is not ACTIVE."""
    instance = visible_slice(orchestrator.store, principal, slice_id)
    with quotas.admitting(orchestrator, instance.tenant):
        operation = orchestrator.modify(slice_id, body.inputs, reason=body.reason)
    note(request.scope["state"], slice_id=slice_id, operation_id=operation.id)
    response.headers["Location"] = f"{PREFIX}/operations/{operation.id}"
    return OperationView.of(operation)


@router.post(
    "/operations/{operation_id}/cancel",
    status_code=status.HTTP_202_ACCEPTED,
    tags=["operations"],
    **access(Role.TENANT),
)
def cancel_operation(
    operation_id: str, orchestrator: OrchestratorDep, principal: PrincipalDep
) -> OperationView:
    """Cancel an instantiation or a modification: held → rejected; running → stops at the
    next step and undoes what it did; FAILED_TEMP → given up (FAILED). 409 for a
    termination or an operation that has ended."""
    visible_operation(orchestrator.store, principal, operation_id)
    return OperationView.of(orchestrator.cancel(operation_id))


@router.post("/substrate/heal", tags=["substrate"], **access(Role.OPERATOR))
def heal(body: HealRequest, orchestrator: OrchestratorDep) -> HealReport:
    """Take sites and links out of service and re-place every live slice that uses them
    (one MODIFY operation each; a slice that cannot be re-placed says why)."""
    results = orchestrator.heal(sites=body.sites, links=body.links)
    return _report(orchestrator, results)


@router.post("/substrate/restore", tags=["substrate"], **access(Role.OPERATOR))
def restore(body: HealRequest, orchestrator: OrchestratorDep) -> HealReport:
    """Put sites and links back in service for placement (slices are not moved back)."""
    orchestrator.restore(sites=body.sites, links=body.links)
    return _report(orchestrator, {})


@router.get("/controllers/breakers", tags=["substrate"], **access(Role.OPERATOR))
def breakers(orchestrator: OrchestratorDep) -> list[BreakerView]:
    """The circuit breaker of every controller this process has called."""
    return [
        BreakerView(
            controller=b.controller,
            state=b.state.value,
            consecutive_failures=b.consecutive_failures,
            opened_total=b.opened_total,
            retry_after_s=round(b.retry_after_s, 3),
        )
        for b in orchestrator.breakers()
    ]


def _report(orchestrator: Orchestrator, results: dict[str, Operation | NfvoError]) -> HealReport:
    outcomes = []
    for slice_id, result in sorted(results.items()):
        if isinstance(result, Operation):
            outcomes.append(HealOutcome(slice_id=slice_id, operation=OperationView.of(result)))
            continue
        error: dict[str, Any] = {"code": result.code, "detail": result.detail, "hint": result.hint}
        if isinstance(result, InfeasibleError):
            error["blocking"] = result.blocking.kind
        outcomes.append(HealOutcome(slice_id=slice_id, error=error))
    failed_sites, failed_links = orchestrator.out_of_service()
    return HealReport(failed_sites=sorted(failed_sites), failed_links=sorted(failed_links), slices=outcomes)
