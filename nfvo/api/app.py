"""The northbound API (/api/v1): a thin face over the orchestrator."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response, status
from prometheus_client import CONTENT_TYPE_LATEST

from nfvo import catalog
from nfvo.api import metrics as prometheus
from nfvo.api import problems
from nfvo.api.schemas import (
    DriftView,
    OperationView,
    SliceAccepted,
    SliceCreate,
    SliceView,
    SubstrateView,
    TemplateCheck,
    TemplateUpload,
    TemplateView,
)
from nfvo.domain import SliceState, TemplateError, TemplateVersion
from nfvo.lifecycle import Orchestrator
from simulator.lab.lab import Lab

PREFIX = "/api/v1"
YAML: dict[int | str, dict[str, object]] = {200: {"content": {"application/yaml": {}}}}


def get_orchestrator(request: Request) -> Orchestrator:
    orchestrator: Orchestrator = request.app.state.orchestrator
    return orchestrator


OrchestratorDep = Annotated[Orchestrator, Depends(get_orchestrator)]
router = APIRouter(prefix=PREFIX)


@router.get("/health", tags=["meta"])
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/templates", tags=["catalog"])
def list_templates(orchestrator: OrchestratorDep) -> list[TemplateView]:
    """The latest version of every template in the catalog."""
    return [TemplateView.of(t) for t in orchestrator.store.list_templates()]


@router.post("/templates", status_code=status.HTTP_201_CREATED, tags=["catalog"])
def upload_template(body: TemplateUpload, response: Response, orchestrator: OrchestratorDep) -> TemplateView:
    """Add a template (a new version when `name` exists with other content). It is
    validated first: an invalid template is refused with every problem found."""
    _refuse_if_invalid(body.content, {})
    info = orchestrator.store.add_template(body.name, body.content)
    response.headers["Location"] = TemplateView.of(info).location
    return TemplateView.of(info)


@router.post("/templates/validate", tags=["catalog"])
def validate_template(body: TemplateCheck) -> dict[str, object]:
    """Check a template (and inputs) without storing it: 200 when valid, else 422 with
    one diagnostic per problem."""
    _refuse_if_invalid(body.content, body.inputs)
    return {"valid": True, "diagnostics": []}


def _refuse_if_invalid(content: str, inputs: dict[str, object]) -> None:
    diagnostics = catalog.validate_template(content, inputs)
    if diagnostics:
        raise TemplateError(f"{len(diagnostics)} problem(s) in the slice template", diagnostics)


@router.get("/templates/{name}", tags=["catalog"], response_class=Response, responses=YAML)
def get_template(name: str, orchestrator: OrchestratorDep) -> Response:
    """The latest version's YAML."""
    info, content = orchestrator.store.get_template(name)
    return _yaml(info, content)


@router.get("/templates/{name}/versions", tags=["catalog"])
def template_versions(name: str, orchestrator: OrchestratorDep) -> list[TemplateView]:
    return [TemplateView.of(t) for t in orchestrator.store.template_versions(name)]


@router.get("/templates/{name}/versions/{version}", tags=["catalog"], response_class=Response, responses=YAML)
def get_template_version(name: str, version: int, orchestrator: OrchestratorDep) -> Response:
    info, content = orchestrator.store.get_template(name, version)
    return _yaml(info, content)


def _yaml(info: TemplateVersion, content: str) -> Response:
    headers = {"X-Template-Version": str(info.version), "ETag": f'"{info.sha256}"'}
    return Response(content, media_type="application/yaml", headers=headers)


@router.post("/slices", status_code=status.HTTP_202_ACCEPTED, tags=["slices"], response_model=SliceAccepted)
def create_slice(body: SliceCreate, response: Response, orchestrator: OrchestratorDep) -> SliceAccepted:
    instance, operation = orchestrator.instantiate(
        body.template,
        body.inputs,
        version=body.template_version,
        template_yaml=body.template_yaml,
        name=body.name,
        tenant=body.tenant,
    )
    response.headers["Location"] = f"{PREFIX}/operations/{operation.id}"
    return SliceAccepted(slice=SliceView.of(instance), operation=OperationView.of(operation))


@router.get("/slices", tags=["slices"])
def list_slices(
    orchestrator: OrchestratorDep,
    tenant: str | None = None,
    state: Annotated[SliceState | None, Query()] = None,
) -> list[SliceView]:
    return [SliceView.of(s) for s in orchestrator.store.list_slices(tenant=tenant, state=state)]


@router.get("/slices/{slice_id}", tags=["slices"])
def get_slice(slice_id: str, orchestrator: OrchestratorDep) -> SliceView:
    return SliceView.of(orchestrator.store.get_slice(slice_id))


@router.delete("/slices/{slice_id}", status_code=status.HTTP_202_ACCEPTED, tags=["slices"])
def delete_slice(slice_id: str, response: Response, orchestrator: OrchestratorDep) -> OperationView:
    operation = orchestrator.terminate(slice_id)
    response.headers["Location"] = f"{PREFIX}/operations/{operation.id}"
    return OperationView.of(operation)


@router.get("/slices/{slice_id}/operations", tags=["operations"])
def slice_operations(slice_id: str, orchestrator: OrchestratorDep) -> list[OperationView]:
    orchestrator.store.get_slice(slice_id)  # 404 for an unknown slice, not an empty list
    return [OperationView.of(op) for op in orchestrator.store.list_operations(slice_id=slice_id)]


@router.get("/operations", tags=["operations"])
def list_operations(orchestrator: OrchestratorDep, slice_id: str | None = None) -> list[OperationView]:
    return [OperationView.of(op) for op in orchestrator.store.list_operations(slice_id=slice_id)]


@router.get("/operations/{operation_id}", tags=["operations"])
def get_operation(operation_id: str, orchestrator: OrchestratorDep) -> OperationView:
    return OperationView.of(orchestrator.store.get_operation(operation_id))


@router.post("/operations/{operation_id}/retry", status_code=status.HTTP_202_ACCEPTED, tags=["operations"])
def retry_operation(operation_id: str, orchestrator: OrchestratorDep) -> OperationView:
    """Run a FAILED_TEMP operation again (409 in any other state)."""
    return OperationView.of(orchestrator.retry(operation_id))


@router.post("/operations/{operation_id}/rollback", status_code=status.HTTP_202_ACCEPTED, tags=["operations"])
def rollback_operation(operation_id: str, orchestrator: OrchestratorDep) -> OperationView:
    """Undo a FAILED_TEMP instantiation in every domain (409 otherwise)."""
    return OperationView.of(orchestrator.rollback(operation_id))


@router.post("/operations/{operation_id}/approve", status_code=status.HTTP_202_ACCEPTED, tags=["operations"])
def approve_operation(operation_id: str, orchestrator: OrchestratorDep) -> OperationView:
    """Let an operation held for approval proceed (409 if it is not held)."""
    return OperationView.of(orchestrator.approve(operation_id))


@router.post("/operations/{operation_id}/reject", tags=["operations"])
def reject_operation(operation_id: str, orchestrator: OrchestratorDep) -> OperationView:
    """Refuse an operation held for approval: it ends ROLLED_BACK, its capacity freed."""
    return OperationView.of(orchestrator.reject(operation_id))


@router.get("/substrate", tags=["substrate"])
def get_substrate(orchestrator: OrchestratorDep) -> SubstrateView:
    return SubstrateView.of(orchestrator.substrate, orchestrator.store.usage())


@router.get("/reconciliation", tags=["operations"])
def drift_report(orchestrator: OrchestratorDep) -> list[DriftView]:
    """Compare every controller's configuration with the store; change nothing."""
    return [DriftView.of(d) for d in orchestrator.reconcile(repair=False)]


@router.post("/reconciliation", tags=["operations"])
def repair_drift(orchestrator: OrchestratorDep) -> list[DriftView]:
    """Delete orphan configuration and push missing or differing configuration again."""
    return [DriftView.of(d) for d in orchestrator.reconcile(repair=True)]


@router.get("/metrics", tags=["meta"], response_class=Response)
def metrics(orchestrator: OrchestratorDep) -> Response:
    """Prometheus exposition format."""
    return Response(prometheus.render(orchestrator), media_type=CONTENT_TYPE_LATEST)


def create_app(orchestrator: Orchestrator, lab: Lab | None = None) -> FastAPI:
    """The API; with a `lab`, also /api/v1/lab to switch faults on its emulated controllers."""
    app = FastAPI(
        title="nfvo-slices",
        version="0.1.0",
        description="Network-slice orchestrator: submit TOSCA slices, watch operations, tear slices down.",
    )
    app.state.orchestrator = orchestrator
    problems.install(app)
    app.include_router(router)
    if lab is not None:
        from nfvo.api.lab_routes import lab_router

        app.include_router(lab_router(lab))
    return app
