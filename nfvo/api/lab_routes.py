"""/api/v1/lab: switch faults on the emulated controllers at run time (only under `nfvo lab`;
operators and admins)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, ConfigDict, Field

from nfvo.api.auth import access
from nfvo.domain import Domain, InputError, NotFoundError
from nfvo.domain.access import Role
from simulator.lab.faults import Fault, FaultKind, Op
from simulator.lab.lab import Lab


class FaultSpec(BaseModel):
    """What the controller should do wrong, on which operation, how often."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["reject", "delay", "drop", "timeout", "partial"]
    on: Literal["open", "read", "edit", "commit", "cancel", "lock", "any"] | None = Field(
        None, description="the operation it hits; default: where it hurts a push most"
    )
    delay_ms: float = Field(0.0, ge=0, le=600_000)
    times: int = Field(1, ge=0, le=1_000_000, description="how many operations; 0 = until cleared")
    status: str | None = Field(
        None, max_length=100, description="NETCONF error-tag or gRPC status name for reject"
    )
    message: str = Field("injected fault", max_length=500)

    def to_fault(self) -> Fault:
        return Fault(
            kind=FaultKind(self.kind),
            on=Op(self.on) if self.on else None,
            delay_ms=self.delay_ms,
            times=self.times,
            status=self.status,
            message=self.message,
        )


class ControllerFaults(BaseModel):
    domain: str
    controller: str
    address: str
    pending: list[dict[str, object]]
    hits: int


def lab_router(lab: Lab) -> APIRouter:
    router = APIRouter(prefix="/api/v1/lab", tags=["lab"])

    def domain_of(name: str) -> Domain:
        try:
            domain = Domain(name)
        except ValueError as exc:
            raise NotFoundError(f"no domain {name!r}", hint="one of: ran, transport, core") from exc
        return domain

    def view(domain: Domain) -> ControllerFaults:
        ctl = lab.substrate.controller_for(domain)
        box = lab.faults(domain)
        pending: list[dict[str, object]] = [
            {"kind": f.kind.value, "on": f.target.value, "delay_ms": f.delay_ms, "times": f.times}
            for f in box.pending
        ]
        return ControllerFaults(
            domain=domain.value, controller=ctl.name, address=ctl.address, pending=pending, hits=len(box.hits)
        )

    @router.get("/controllers", **access(Role.OPERATOR))
    def controllers() -> list[ControllerFaults]:
        return [view(ctl.domain) for ctl in lab.substrate.controllers]

    @router.post("/controllers/{domain}/faults", status_code=status.HTTP_201_CREATED, **access(Role.OPERATOR))
    def inject(domain: str, spec: FaultSpec) -> ControllerFaults:
        target = domain_of(domain)
        try:
            lab.inject(target, spec.to_fault())
        except ValueError as exc:  # e.g. a status name the protocol does not know
            raise InputError(str(exc), hint="see GET /api/v1/lab/controllers and docs/southbound.md") from exc
        return view(target)

    @router.delete(
        "/controllers/{domain}/faults", status_code=status.HTTP_204_NO_CONTENT, **access(Role.OPERATOR)
    )
    def clear(domain: str) -> Response:
        lab.clear_faults(domain_of(domain))
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    return router
