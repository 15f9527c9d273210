"""The northbound API (/api/v1): a thin face over the orchestrator."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response, status

from nfvo import catalog
from nfvo.api import problems
from nfvo.api.schemas import OperationView, SliceAccepted, SliceCreate, SliceView, SubstrateView
from nfvo.domain import NotFoundError, SliceState
from nfvo.lifecycle import Orchestrator
from nfvo.resources import example_template

PREFIX = "/api/v1"


def get_orchestrator(request: Request) -> Orchestrator:
    orchestrator: Orchestrator = request.app.state.orchestrator
    return orchestrator


OrchestratorDep = Annotated[Orchestrator, Depends(get_orchestrator)]
router = APIRouter(prefix=PREFIX)


@router.get("/health", tags=["meta"])
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/templates", tags=["catalog"])
def list_templates() -> list[dict[str, str]]:
    return [{"name": name, "location": f"{PREFIX}/templates/{name}"} for name in catalog.example_names()]


@router.get(
    "/templates/{name}",
    tags=["catalog"],
    response_class=Response,
    responses={200: {"content": {"application/yaml": {}}}},
)
def get_template(name: str) -> Response:
    return Response(_template_path(name).read_text(encoding="utf-8"), media_type="application/yaml")


def _template_path(name: str) -> Path:
    if name not in catalog.example_names():
        raise NotFoundError(
            f"no template named {name!r} in the catalog",
            hint="available: " + ", ".join(catalog.example_names()) + "; or send template_yaml inline",
        )
    return example_template(name)


@router.post("/slices", status_code=status.HTTP_202_ACCEPTED, tags=["slices"], response_model=SliceAccepted)
def create_slice(body: SliceCreate, response: Response, orchestrator: OrchestratorDep) -> SliceAccepted:
    source: Path | str = (
        _template_path(body.template) if body.template is not None else str(body.template_yaml)
    )
    instance, operation = orchestrator.instantiate(source, body.inputs, name=body.name, tenant=body.tenant)
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


@router.get("/substrate", tags=["substrate"])
def get_substrate(orchestrator: OrchestratorDep) -> SubstrateView:
    return SubstrateView.of(orchestrator.substrate, orchestrator.store.usage())


def create_app(orchestrator: Orchestrator) -> FastAPI:
    app = FastAPI(
        title="nfvo-slices",
        version="0.1.0",
        description="Network-slice orchestrator: submit TOSCA slices, watch operations, tear slices down.",
    )
    app.state.orchestrator = orchestrator
    problems.install(app)
    app.include_router(router)
    return app
