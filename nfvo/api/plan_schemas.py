"""The answer of POST /api/v1/plans (a dry run): the placement, the per-domain diff of the
configuration that would be pushed, and the twin's verdict. The request body is the one of
POST /api/v1/slices (schemas.SliceCreate)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from nfvo.api.schemas import PlacementView
from nfvo.domain import Leaf
from nfvo.lifecycle.dryrun import DomainDiff, DryRun


class LeafChangeView(BaseModel):
    before: Leaf | None = Field(description="what the store says is configured; null: nothing")
    after: Leaf | None = Field(description="what would be pushed; null: removed")


class EditView(BaseModel):
    change: str = Field(description="add | change | unchanged | delete")
    path: str
    leaves: dict[str, LeafChangeView] = Field(description="the leaves that differ, by name")


class DomainPlanView(BaseModel):
    changeset: str
    domain: str
    controller: str
    protocol: str
    address: str
    slices_configured: int = Field(description="live slices the store says this controller holds")
    edits: list[EditView]

    @classmethod
    def of(cls, diff: DomainDiff) -> DomainPlanView:
        return cls(
            changeset=diff.changeset,
            domain=diff.domain,
            controller=diff.controller,
            protocol=diff.protocol,
            address=diff.address,
            slices_configured=diff.slices_configured,
            edits=[
                EditView(
                    change=e.change,
                    path=e.path,
                    leaves={c.leaf: LeafChangeView(before=c.before, after=c.after) for c in e.leaves},
                )
                for e in diff.edits
            ],
        )


class TwinVerdictView(BaseModel):
    mode: str = Field(description="off | ledger | live: what the twin validated against")
    ok: bool
    failed_step: str | None
    reason: str
    simulated_duration_s: float
    note: str
    steps: list[dict[str, Any]]


class PlanView(BaseModel):
    feasible: bool = Field(description="a placement exists against what is held now")
    would_deploy: bool = Field(description="feasible and passed by the twin: POST /slices would push it")
    slice_key: str = Field(description="the key the plan's paths use; a created slice gets its own id")
    name: str
    tenant: str
    template: str
    slice_type: str
    placement: PlacementView | None
    infeasible: dict[str, Any] | None = Field(description="why it cannot be placed: the blocking constraint")
    plan: list[DomainPlanView] = Field(description="per domain, in push order: the edits as a diff")
    twin_verdict: TwinVerdictView | None
    warnings: list[str]

    @classmethod
    def of(cls, run: DryRun, tenant: str) -> PlanView:
        return cls(
            feasible=run.feasible,
            would_deploy=run.would_deploy,
            slice_key=run.slice_key,
            name=run.name,
            tenant=tenant,
            template=run.template,
            slice_type=run.request.sla.slice_type.value,
            placement=PlacementView.of(run.placement) if run.placement else None,
            infeasible=_infeasible(run),
            plan=[DomainPlanView.of(d) for d in run.diff],
            twin_verdict=_verdict(run),
            warnings=list(run.warnings),
        )


def _infeasible(run: DryRun) -> dict[str, Any] | None:
    if run.infeasible is None:
        return None
    exc, b = run.infeasible, run.infeasible.blocking
    return {
        "code": exc.code,
        "detail": exc.detail,
        "hint": exc.hint,
        # The same shape as the `blocking` member of POST /slices' 422 problem.
        "blocking": {
            "kind": b.kind,
            "subject": b.subject,
            "required": None if b.required is None else round(b.required, 6),
            "best_achievable": None if b.best_achievable is None else round(b.best_achievable, 6),
            "unit": b.unit,
            **b.details,
        },
    }


def _verdict(run: DryRun) -> TwinVerdictView | None:
    v = run.verdict
    if v is None:
        return None
    return TwinVerdictView(
        mode=run.twin_mode,
        ok=v.ok,
        failed_step=v.failed_step,
        reason=v.reason,
        simulated_duration_s=v.simulated_duration_s,
        note=run.twin_note,
        steps=[{"changeset": s.changeset, "start_s": s.start_s, "end_s": s.end_s} for s in v.steps],
    )
