"""/api/v1/plans: a dry run of POST /api/v1/slices. Same body, same refusals for a bad
template (422 problem+json); the answer is 200 with the placement, the per-domain diff and
the twin's verdict, or feasible=false with the blocking constraint. Nothing is stored or
pushed, and no quota is consumed."""

from __future__ import annotations

from fastapi import APIRouter

from nfvo.api.auth import PrincipalDep, access
from nfvo.api.plan_schemas import PlanView
from nfvo.api.schemas import SliceCreate
from nfvo.api.slice_routes import PREFIX, OrchestratorDep
from nfvo.api.slice_routes import _tenant_of as tenant_of  # the same rule as POST /slices
from nfvo.domain.access import Role
from nfvo.lifecycle.dryrun import dry_run
from nfvo.store import utcnow

router = APIRouter(prefix=PREFIX)


@router.post("/plans", tags=["slices"], **access(Role.TENANT))
def plan_slice(body: SliceCreate, orchestrator: OrchestratorDep, principal: PrincipalDep) -> PlanView:
    """Place, plan and simulate a slice without deploying it: where each function would go,
    each virtual link's path and latency against its budget, the configuration each domain
    controller would receive (as a diff against what the store says it holds), and the
    digital twin's verdict. An unplaceable slice answers 200 with feasible=false and why."""
    tenant = tenant_of(principal, body)
    body.expiry(utcnow())  # refuse what POST /slices refuses (an expiry already past)
    run = dry_run(
        orchestrator,
        body.template,
        body.inputs,
        version=body.template_version,
        template_yaml=body.template_yaml,
        name=body.name,
    )
    return PlanView.of(run, tenant)
