"""Request and response bodies of /api/v1 (separate from domain types and table rows)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from nfvo.domain import (
    Diagnostic,
    InputError,
    Operation,
    Placement,
    SharedInstance,
    SliceInstance,
    Substrate,
    TemplateVersion,
    Usage,
)
from nfvo.lifecycle import Drift


class SliceCreate(BaseModel):
    """Submit a slice: name an example template or send the template's YAML inline."""

    model_config = ConfigDict(extra="forbid")

    template: str | None = Field(None, description="name of a catalog template, e.g. 'urllc'", max_length=200)
    template_version: int | None = Field(None, ge=1, description="a catalog version; default the latest")
    template_yaml: str | None = Field(
        None, description="a TOSCA template in our profile, inline", max_length=1_000_000
    )
    inputs: dict[str, Any] = Field(default_factory=dict, description="values for the template's inputs")
    name: str | None = Field(None, max_length=200, description="display name; defaults to the template's")
    tenant: str = Field(
        "default",
        min_length=1,
        max_length=100,
        pattern=r"^[A-Za-z0-9_.-]+$",
        description="whose slice it is; a tenant's key may leave it out (it is the key's tenant)",
    )
    expires_at: AwareDatetime | None = Field(
        None, description="tear the slice down automatically at this time (with a time zone)"
    )
    ttl_s: int | None = Field(
        None, ge=1, le=366 * 24 * 3600, description="tear the slice down this many seconds after creation"
    )

    @model_validator(mode="after")
    def _exactly_one_template(self) -> SliceCreate:
        if self.expires_at is not None and self.ttl_s is not None:
            raise ValueError("give at most one of 'expires_at' and 'ttl_s'")
        if (self.template is None) == (self.template_yaml is None):
            raise ValueError(
                "give exactly one of 'template' (a catalog name) or 'template_yaml' (inline YAML)"
            )
        if self.template_version is not None and self.template is None:
            raise ValueError("'template_version' needs 'template' (a catalog name)")
        return self

    def expiry(self, now: datetime) -> datetime | None:
        """When the slice expires, or None; a time already past is refused."""
        if self.ttl_s is not None:
            return now + timedelta(seconds=self.ttl_s)
        if self.expires_at is not None and self.expires_at <= now:
            raise InputError(
                f"expires_at {self.expires_at.isoformat()} has already passed (now {now.isoformat()})",
                [Diagnostic("invalid-field", "must be in the future", path="body.expires_at")],
                hint="give a future time, or ttl_s in seconds",
            )
        return self.expires_at


class TemplateUpload(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_.-]+$")
    content: str = Field(min_length=1, max_length=1_000_000, description="the TOSCA template (YAML)")


class TemplateCheck(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content: str = Field(min_length=1, max_length=1_000_000)
    inputs: dict[str, Any] = Field(default_factory=dict)


class TemplateView(BaseModel):
    name: str
    version: int
    sha256: str
    created_at: datetime
    location: str

    @classmethod
    def of(cls, info: TemplateVersion) -> TemplateView:
        return cls(
            name=info.name,
            version=info.version,
            sha256=info.sha256,
            created_at=info.created_at,
            location=f"/api/v1/templates/{info.name}/versions/{info.version}",
        )


class BudgetView(BaseModel):
    name: str
    source: str
    target: str
    max_ms: float
    achieved_ms: float
    met: bool


class RouteView(BaseModel):
    vlink: str
    path: list[str]
    latency_ms: float
    bandwidth_mbps: float


class PlacementView(BaseModel):
    engine: str
    engine_version: str
    seed: int
    cost: float
    functions: dict[str, str]
    routes: list[RouteView]
    budgets: list[BudgetView]

    @classmethod
    def of(cls, placement: Placement) -> PlacementView:
        return cls(
            engine=placement.engine,
            engine_version=placement.engine_version,
            seed=placement.seed,
            cost=round(placement.cost, 3),
            functions=dict(placement.assignments),
            routes=[
                RouteView(
                    vlink=r.vlink,
                    path=list(r.sites),
                    latency_ms=r.latency_ms,
                    bandwidth_mbps=r.bandwidth_mbps,
                )
                for r in placement.routes
            ],
            budgets=[
                BudgetView(
                    name=b.budget.name,
                    source=b.budget.source,
                    target=b.budget.target,
                    max_ms=b.budget.max_ms,
                    achieved_ms=round(b.achieved_ms, 4),
                    met=b.met,
                )
                for b in placement.budgets
            ],
        )


class ChangeSetView(BaseModel):
    id: str
    domain: str
    controller: str
    edits: list[str]


class SliceView(BaseModel):
    id: str
    name: str
    tenant: str
    template: str
    state: str
    created_at: datetime
    slice_type: str
    placement: PlacementView | None
    plan: list[ChangeSetView]
    twin_verdict: dict[str, Any] | None
    expires_at: datetime | None = None

    @classmethod
    def of(cls, instance: SliceInstance) -> SliceView:
        from nfvo.domain import format_path

        plan = [
            ChangeSetView(
                id=cs.id,
                domain=cs.domain.value,
                controller=cs.controller,
                edits=[f"{e.op} {format_path(e.path)}" for e in cs.edits],
            )
            for cs in (instance.plan.changesets if instance.plan else ())
        ]
        verdict = None
        if instance.verdict is not None:
            v = instance.verdict
            verdict = {
                "ok": v.ok,
                "failed_step": v.failed_step,
                "reason": v.reason,
                "simulated_duration_s": v.simulated_duration_s,
            }
        return cls(
            id=instance.id,
            name=instance.name,
            tenant=instance.tenant,
            template=instance.template,
            state=instance.state.value,
            created_at=instance.created_at,
            slice_type=instance.request.sla.slice_type.value,
            placement=PlacementView.of(instance.placement) if instance.placement else None,
            plan=plan,
            twin_verdict=verdict,
            expires_at=instance.expires_at,
        )


class StepView(BaseModel):
    name: str
    state: str
    started_at: datetime
    finished_at: datetime | None
    detail: str


class OperationView(BaseModel):
    id: str
    slice_id: str
    kind: str
    state: str
    started_at: datetime
    finished_at: datetime | None
    steps: list[StepView]
    error: dict[str, Any] | None
    first_time_right: bool | None
    held_for: str

    @classmethod
    def of(cls, op: Operation) -> OperationView:
        error = None
        if op.error is not None:
            error = {
                "code": op.error.code,
                "title": op.error.title,
                "detail": op.error.detail,
                "hint": op.error.hint,
                **dict(op.error.extra),
            }
        return cls(
            id=op.id,
            slice_id=op.slice_id,
            kind=op.kind.value,
            state=op.state.value,
            started_at=op.started_at,
            finished_at=op.finished_at,
            steps=[
                StepView(
                    name=s.name,
                    state=s.state.value,
                    started_at=s.started_at,
                    finished_at=s.finished_at,
                    detail=s.detail,
                )
                for s in op.steps
            ],
            error=error,
            first_time_right=op.first_time_right,
            held_for=op.held_for,
        )


class SliceAccepted(BaseModel):
    slice: SliceView
    operation: OperationView


class SubstrateView(BaseModel):
    name: str
    sites: list[dict[str, Any]]
    links: list[dict[str, Any]]
    controllers: list[dict[str, Any]]
    # Function instances several slices share: each holds its capacity once (in cpu_used).
    shared_functions: list[dict[str, Any]] = []

    @classmethod
    def of(cls, substrate: Substrate, usage: Usage, shared: Sequence[SharedInstance] = ()) -> SubstrateView:
        sites = []
        for site in substrate.sites:
            used = usage.sites.get(site.name)
            sites.append(
                {
                    "name": site.name,
                    "role": site.role.value,
                    "cpu": site.capacity.cpu,
                    "memory_gb": site.capacity.memory_gb,
                    "cpu_used": round(used.cpu, 6) if used else 0.0,
                    "memory_gb_used": round(used.memory_gb, 6) if used else 0.0,
                }
            )
        links = [
            {
                "key": link.key,
                "a": link.a,
                "b": link.b,
                "latency_ms": link.latency_ms,
                "capacity_mbps": link.capacity_mbps,
                "used_mbps": round(usage.links_mbps.get(link.key, 0.0), 6),
            }
            for link in substrate.links
        ]
        # Credentials are never part of a response.
        controllers = [
            {"name": c.name, "domain": c.domain.value, "protocol": c.protocol.value, "address": c.address}
            for c in substrate.controllers
        ]
        functions = [
            {
                "name": s.name,
                "kind": s.kind,
                "site": s.site,
                "cpu": s.demand.cpu,
                "memory_gb": s.demand.memory_gb,
                "created_by": s.created_by,
                "slices": [u.slice_id for u in s.users],
            }
            for s in shared
        ]
        return cls(
            name=substrate.name, sites=sites, links=links, controllers=controllers, shared_functions=functions
        )


class DriftView(BaseModel):
    controller: str
    domain: str
    slice_id: str
    kind: str
    detail: str
    repaired: bool

    @classmethod
    def of(cls, drift: Drift) -> DriftView:
        return cls(
            controller=drift.controller,
            domain=drift.domain,
            slice_id=drift.slice_id,
            kind=drift.kind,
            detail=drift.detail,
            repaired=drift.repaired,
        )
