"""The northbound API (/api/v1): a thin face over the orchestrator.

Every route but /health needs an API key (see auth.py and docs/api.md); the gate
(gate.py) authenticates, rate-limits and audits each request before the routes run.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, FastAPI, Path, Response, status
from prometheus_client import CONTENT_TYPE_LATEST

from nfvo import catalog
from nfvo.api import metrics as prometheus
from nfvo.api import problems, quotas, template_routes
from nfvo.api.access_log import AccessLog
from nfvo.api.admin_routes import router as admin_router
from nfvo.api.auth import KeyCache, PrincipalDep, access
from nfvo.api.event_routes import router as event_router
from nfvo.api.expiry import Sweeper
from nfvo.api.gate import Gate
from nfvo.api.idempotency import IdempotencyKey, fingerprint, run_once
from nfvo.api.lifecycle_routes import router as lifecycle_router
from nfvo.api.plan_routes import router as plan_router
from nfvo.api.ratelimit import TokenBuckets
from nfvo.api.schemas import DriftView, SubstrateView, TemplateCheck, TemplateUpload, TemplateView
from nfvo.api.settings import Security
from nfvo.api.slice_routes import OrchestratorDep
from nfvo.api.slice_routes import router as slice_router
from nfvo.api.study_jobs import StudyJobs
from nfvo.api.study_routes import router as study_router
from nfvo.api.webhooks import Dispatcher, SecretBox
from nfvo.domain import TemplateError, TemplateVersion
from nfvo.domain.access import Role, StoredResponse
from nfvo.lifecycle import Orchestrator
from simulator.lab.lab import Lab

PREFIX = "/api/v1"
YAML: dict[int | str, dict[str, object]] = {200: {"content": {"application/yaml": {}}}}

router = APIRouter(prefix=PREFIX)


@router.get("/health", tags=["meta"], **access(None))
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/templates", tags=["catalog"], **access(Role.TENANT))
def list_templates(orchestrator: OrchestratorDep) -> list[TemplateView]:
    """The latest version of every template in the catalog."""
    return [TemplateView.of(t) for t in orchestrator.store.list_templates()]


@router.post(
    "/templates",
    status_code=status.HTTP_201_CREATED,
    tags=["catalog"],
    response_model=TemplateView,
    responses=template_routes.ACCEPTED,
    **access(Role.OPERATOR),
)
def upload_template(
    body: TemplateUpload,
    orchestrator: OrchestratorDep,
    principal: PrincipalDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Add a template (a new version when `name` exists with other content). It is
    validated first: an invalid template is refused with every problem found."""

    def run() -> StoredResponse:
        if (deferred := template_routes.defer_upload(orchestrator, body)) is not None:
            return deferred  # large: 202, validated by a worker
        _refuse_if_invalid(body.content, {})
        view = TemplateView.of(orchestrator.store.add_template(body.name, body.content))
        return StoredResponse(201, view.model_dump(mode="json"), view.location)

    request_body = body.model_dump(mode="json")
    return run_once(
        orchestrator.store, principal, idempotency_key, fingerprint("POST", "/templates", request_body), run
    )


@router.post(
    "/templates/validate",
    tags=["catalog"],
    response_model=dict[str, object],
    responses=template_routes.ACCEPTED,
    **access(Role.TENANT),
)
def validate_template(body: TemplateCheck) -> dict[str, object] | Response:
    """Check a template (and inputs) without storing it: 200 when valid, else 422 with
    one diagnostic per problem; 202 + Location for a large one."""
    if (deferred := template_routes.defer_check(body)) is not None:
        return deferred
    _refuse_if_invalid(body.content, body.inputs)
    return {"valid": True, "diagnostics": []}


def _refuse_if_invalid(content: str, inputs: dict[str, object]) -> None:
    diagnostics = catalog.validate_template(content, inputs)
    if diagnostics:
        raise TemplateError(f"{len(diagnostics)} problem(s) in the slice template", diagnostics)


@router.get(
    "/templates/{name}", tags=["catalog"], response_class=Response, responses=YAML, **access(Role.TENANT)
)
def get_template(name: str, orchestrator: OrchestratorDep) -> Response:
    """The latest version's YAML."""
    info, content = orchestrator.store.get_template(name)
    return _yaml(info, content)


@router.get("/templates/{name}/versions", tags=["catalog"], **access(Role.TENANT))
def template_versions(name: str, orchestrator: OrchestratorDep) -> list[TemplateView]:
    return [TemplateView.of(t) for t in orchestrator.store.template_versions(name)]


@router.get(
    "/templates/{name}/versions/{version}",
    tags=["catalog"],
    response_class=Response,
    responses=YAML,
    **access(Role.TENANT),
)
def get_template_version(
    name: str,
    version: Annotated[int, Path(ge=1, le=2**31 - 1)],  # beyond: the database's integer overflows
    orchestrator: OrchestratorDep,
) -> Response:
    info, content = orchestrator.store.get_template(name, version)
    return _yaml(info, content)


def _yaml(info: TemplateVersion, content: str) -> Response:
    headers = {"X-Template-Version": str(info.version), "ETag": f'"{info.sha256}"'}
    return Response(content, media_type="application/yaml", headers=headers)


@router.get("/substrate", tags=["substrate"], **access(Role.OPERATOR))
def get_substrate(orchestrator: OrchestratorDep) -> SubstrateView:
    return SubstrateView.of(
        orchestrator.substrate, orchestrator.store.usage(), orchestrator.shared_instances()
    )


@router.get("/reconciliation", tags=["operations"], **access(Role.OPERATOR))
def drift_report(orchestrator: OrchestratorDep) -> list[DriftView]:
    """Compare every controller's configuration with the store; change nothing."""
    return [DriftView.of(d) for d in orchestrator.reconcile(repair=False)]


@router.post("/reconciliation", tags=["operations"], **access(Role.OPERATOR))
def repair_drift(orchestrator: OrchestratorDep) -> list[DriftView]:
    """Delete orphan configuration and push missing or differing configuration again."""
    return [DriftView.of(d) for d in orchestrator.reconcile(repair=True)]


@router.get("/metrics", tags=["meta"], response_class=Response, **access(Role.OPERATOR))
def metrics(orchestrator: OrchestratorDep) -> Response:
    """Prometheus exposition format."""
    return Response(prometheus.render(orchestrator), media_type=CONTENT_TYPE_LATEST)


def create_app(
    orchestrator: Orchestrator, lab: Lab | None = None, *, security: Security | None = None
) -> FastAPI:
    """The API; with a `lab`, also /api/v1/lab to switch faults on its emulated controllers.

    API keys are always required (an admin makes them: see nfvo.store.keys and
    `nfvo lab`, which prints a bootstrap admin key); `security` tunes the rate limit,
    the audit and the expiry sweeper.
    """
    settings = security or Security()
    sweeper = Sweeper(orchestrator, settings.expiry_sweep_s, settings.idempotency_ttl_s)
    studies = StudyJobs(orchestrator.store, orchestrator.substrate)  # capacity studies, in processes
    secret_box = SecretBox.from_settings(settings.webhooks)
    dispatcher = Dispatcher(orchestrator.store, settings.webhooks, secret_box)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        sweeper.start()
        dispatcher.start()
        try:
            yield
        finally:
            studies.close()
            dispatcher.stop()
            sweeper.stop()

    app = FastAPI(
        title="nfvo-slices",
        version="0.1.0",
        description="Network-slice orchestrator: submit TOSCA slices, watch operations, tear slices down. "
        "Every endpoint but /api/v1/health needs an API key: `Authorization: Bearer <key>` or "
        "`X-API-Key: <key>`; `x-required-role` says which role (tenant < operator < admin).",
        lifespan=lifespan,
    )
    app.state.orchestrator = orchestrator
    app.state.key_cache = KeyCache(orchestrator.store, settings.key_cache_s)
    app.state.sweeper = sweeper
    app.state.studies = studies
    app.state.secret_box, app.state.webhook_settings = secret_box, settings.webhooks
    quotas.install(orchestrator)
    problems.install(app)
    app.include_router(router)
    app.include_router(slice_router)
    app.include_router(admin_router)
    app.include_router(lifecycle_router)
    app.include_router(template_routes.router)
    app.include_router(event_router)
    app.include_router(plan_router)
    app.include_router(study_router)
    if lab is not None:
        from nfvo.api.lab_routes import lab_router

        app.include_router(lab_router(lab))
    app.add_middleware(
        Gate,
        store=orchestrator.store,
        keys=app.state.key_cache,
        buckets=TokenBuckets(settings.rate_limit) if settings.rate_limit else None,
        audit_reads=settings.audit_reads,
    )
    app.add_middleware(AccessLog)  # outermost: the request id is set before the gate runs
    return app
