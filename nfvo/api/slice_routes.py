"""/api/v1/slices and /api/v1/operations. A tenant's key sees and touches only its own
slices and their operations (another tenant's answer 404); operators and admins see all."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import JSONResponse

from nfvo.api import quotas
from nfvo.api.auth import Principal, PrincipalDep, access, visible_operation, visible_slice
from nfvo.api.gate import note
from nfvo.api.idempotency import IdempotencyKey, fingerprint, run_once
from nfvo.api.reads import read
from nfvo.api.schemas import OperationView, SliceAccepted, SliceCreate, SliceView
from nfvo.domain import Operation, SliceState
from nfvo.domain.access import Forbidden, Role, StoredResponse
from nfvo.lifecycle import Orchestrator
from nfvo.store import utcnow

PREFIX = "/api/v1"


async def get_orchestrator(request: Request) -> Orchestrator:  # async: no thread hop (see auth.py)
    orchestrator: Orchestrator = request.app.state.orchestrator
    return orchestrator


OrchestratorDep = Annotated[Orchestrator, Depends(get_orchestrator)]
router = APIRouter(prefix=PREFIX)


def _tenant_of(principal: Principal, body: SliceCreate) -> str:
    if principal.role is not Role.TENANT:
        return body.tenant
    assert principal.tenant is not None
    if "tenant" in body.model_fields_set and body.tenant != principal.tenant:
        raise Forbidden(
            f"key {principal.key_id} belongs to tenant {principal.tenant!r}, not {body.tenant!r}",
            hint="leave 'tenant' out: a tenant's slices are its own",
        )
    return principal.tenant


@router.post(
    "/slices",
    status_code=status.HTTP_202_ACCEPTED,
    tags=["slices"],
    response_model=SliceAccepted,
    **access(Role.TENANT),
)
def create_slice(
    body: SliceCreate,
    request: Request,
    orchestrator: OrchestratorDep,
    principal: PrincipalDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Admit a slice and start deploying it (202 + the operation's location). Over the
    tenant's quota it is refused (403 quota-exceeded) or held for approval."""
    tenant = _tenant_of(principal, body)
    expires_at = body.expiry(utcnow())

    def run() -> StoredResponse:
        with quotas.admitting(orchestrator, tenant):
            instance, operation = orchestrator.instantiate(
                body.template,
                body.inputs,
                version=body.template_version,
                template_yaml=body.template_yaml,
                name=body.name,
                tenant=tenant,
                expires_at=expires_at,
            )
        note(request.scope["state"], slice_id=instance.id, operation_id=operation.id)
        accepted = SliceAccepted(slice=SliceView.of(instance), operation=OperationView.of(operation))
        return StoredResponse(202, accepted.model_dump(mode="json"), f"{PREFIX}/operations/{operation.id}")

    request_body = {**body.model_dump(mode="json"), "tenant": tenant}
    return run_once(
        orchestrator.store, principal, idempotency_key, fingerprint("POST", "/slices", request_body), run
    )


@router.get("/slices", tags=["slices"], **access(Role.TENANT))
async def list_slices(
    orchestrator: OrchestratorDep,
    principal: PrincipalDep,
    tenant: Annotated[str | None, Query(max_length=100)] = None,
    state: Annotated[SliceState | None, Query()] = None,
) -> list[SliceView]:
    """Slices, oldest first (a tenant's key: its own only)."""
    if principal.role is Role.TENANT:
        if tenant is not None and tenant != principal.tenant:
            return []
        tenant = principal.tenant
    store, owner = orchestrator.store, tenant
    found = await read(store, lambda: store.list_slices(tenant=owner, state=state))
    return [SliceView.of(s) for s in found]


@router.get("/slices/{slice_id}", tags=["slices"], **access(Role.TENANT))
async def get_slice(slice_id: str, orchestrator: OrchestratorDep, principal: PrincipalDep) -> SliceView:
    store = orchestrator.store
    return SliceView.of(await read(store, lambda: visible_slice(store, principal, slice_id)))


@router.delete(
    "/slices/{slice_id}", status_code=status.HTTP_202_ACCEPTED, tags=["slices"], **access(Role.TENANT)
)
def delete_slice(
    slice_id: str,
    request: Request,
    response: Response,
    orchestrator: OrchestratorDep,
    principal: PrincipalDep,
    force: Annotated[
        bool,
        Query(description="operators: for domains that no longer answer; frees the slice whatever is left"),
    ] = False,
) -> OperationView:
    """Start tearing the slice down (again: the same operation). With force=true (operator
    or admin), each domain is tried once and the slice ends TERMINATED, its capacity freed,
    the operation recording what may be left where (code left-behind)."""
    visible_slice(orchestrator.store, principal, slice_id)
    if force and not (principal.role is not None and principal.role.at_least(Role.OPERATOR)):
        raise Forbidden(
            "terminating with force needs the operator role",
            hint="terminate without force, or ask an operator",
        )
    operation = orchestrator.terminate(slice_id, force=force)
    note(request.scope["state"], slice_id=slice_id, operation_id=operation.id)
    response.headers["Location"] = f"{PREFIX}/operations/{operation.id}"
    return OperationView.of(operation)


@router.get("/slices/{slice_id}/operations", tags=["operations"], **access(Role.TENANT))
async def slice_operations(
    slice_id: str, orchestrator: OrchestratorDep, principal: PrincipalDep
) -> list[OperationView]:
    store = orchestrator.store

    def operations() -> list[Operation]:
        visible_slice(store, principal, slice_id)  # 404, not an empty list
        return store.list_operations(slice_id=slice_id)

    return [OperationView.of(op) for op in await read(store, operations)]


@router.get("/operations", tags=["operations"], **access(Role.TENANT))
async def list_operations(
    orchestrator: OrchestratorDep,
    principal: PrincipalDep,
    slice_id: Annotated[str | None, Query(max_length=40)] = None,
) -> list[OperationView]:
    store = orchestrator.store

    def operations() -> list[Operation]:
        found = store.list_operations(slice_id=slice_id)
        if principal.role is Role.TENANT:
            own = {s.id for s in store.list_slices(tenant=principal.tenant)}
            found = [op for op in found if op.slice_id in own]
        return found

    return [OperationView.of(op) for op in await read(store, operations)]


@router.get("/operations/{operation_id}", tags=["operations"], **access(Role.TENANT))
async def get_operation(
    operation_id: str, orchestrator: OrchestratorDep, principal: PrincipalDep
) -> OperationView:
    store = orchestrator.store
    return OperationView.of(await read(store, lambda: visible_operation(store, principal, operation_id)))


@router.post(
    "/operations/{operation_id}/retry",
    status_code=status.HTTP_202_ACCEPTED,
    tags=["operations"],
    **access(Role.OPERATOR),
)
def retry_operation(operation_id: str, orchestrator: OrchestratorDep) -> OperationView:
    """Run a FAILED_TEMP operation again (409 in any other state)."""
    return OperationView.of(orchestrator.retry(operation_id))


@router.post(
    "/operations/{operation_id}/rollback",
    status_code=status.HTTP_202_ACCEPTED,
    tags=["operations"],
    **access(Role.OPERATOR),
)
def rollback_operation(operation_id: str, orchestrator: OrchestratorDep) -> OperationView:
    """Undo a FAILED_TEMP instantiation in every domain (409 otherwise)."""
    return OperationView.of(orchestrator.rollback(operation_id))


@router.post(
    "/operations/{operation_id}/approve",
    status_code=status.HTTP_202_ACCEPTED,
    tags=["operations"],
    **access(Role.OPERATOR),
)
def approve_operation(operation_id: str, orchestrator: OrchestratorDep) -> OperationView:
    """Let an operation held for approval proceed (409 if it is not held)."""
    return OperationView.of(orchestrator.approve(operation_id))


@router.post("/operations/{operation_id}/reject", tags=["operations"], **access(Role.OPERATOR))
def reject_operation(operation_id: str, orchestrator: OrchestratorDep) -> OperationView:
    """Refuse an operation held for approval: it ends ROLLED_BACK, its capacity freed."""
    return OperationView.of(orchestrator.reject(operation_id))
