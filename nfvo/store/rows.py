"""Rows ↔ domain objects for slices, operations and reservations (the ORM rows, or plain
Core rows of the same columns: reads skip the ORM, see Store._rows)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row

from nfvo.domain import (
    DeploymentPlan,
    ErrorInfo,
    Operation,
    OperationKind,
    OperationState,
    Placement,
    Resources,
    SliceInstance,
    SliceRequest,
    SliceState,
    StepRecord,
    Usage,
    Verdict,
)
from nfvo.store import codec
from nfvo.store.tables import OperationRow, ReservationRow, SliceRow


def slice_row(instance: SliceInstance) -> SliceRow:
    return SliceRow(
        id=instance.id,
        name=instance.name,
        tenant=instance.tenant,
        template=instance.template,
        state=instance.state.value,
        created_at=instance.created_at,
        request=codec.dump(instance.request),
        placement=codec.dump(instance.placement) if instance.placement else None,
        plan=codec.dump(instance.plan) if instance.plan else None,
        verdict=codec.dump(instance.verdict) if instance.verdict else None,
        expires_at=instance.expires_at,
    )


def slice_from_row(row: SliceRow | Row[Any]) -> SliceInstance:
    return SliceInstance(
        id=row.id,
        name=row.name,
        tenant=row.tenant,
        template=row.template,
        state=SliceState(row.state),
        request=codec.load(SliceRequest, row.request),
        created_at=row.created_at,
        placement=codec.load(Placement, row.placement) if row.placement else None,
        plan=codec.load(DeploymentPlan, row.plan) if row.plan else None,
        verdict=codec.load(Verdict, row.verdict) if row.verdict else None,
        expires_at=row.expires_at,
    )


def operation_row(operation: Operation) -> OperationRow:
    return OperationRow(
        id=operation.id,
        slice_id=operation.slice_id,
        kind=operation.kind.value,
        state=operation.state.value,
        started_at=operation.started_at,
        finished_at=operation.finished_at,
        steps=[codec.dump(step) for step in operation.steps],
        error=codec.dump(operation.error) if operation.error else None,
        held_for=operation.held_for,
    )


def operation_from_row(row: OperationRow | Row[Any]) -> Operation:
    return Operation(
        id=row.id,
        slice_id=row.slice_id,
        kind=OperationKind(row.kind),
        state=OperationState(row.state),
        started_at=row.started_at,
        finished_at=row.finished_at,
        steps=tuple(codec.load(StepRecord, step) for step in row.steps or ()),
        error=codec.load(ErrorInfo, row.error) if row.error else None,
        first_time_right=row.first_time_right,
        held_for=row.held_for or "",
    )


def reservation_rows(slice_id: str, usage: Usage) -> list[ReservationRow]:
    rows = [
        ReservationRow(
            slice_id=slice_id,
            resource_kind="site",
            resource=site,
            cpu=usage.sites.get(site, Resources()).cpu,
            memory_gb=usage.sites.get(site, Resources()).memory_gb,
            functions=usage.hosted.get(site, 0),
            exclusive=site in usage.exclusive,
        )
        for site in sorted({*usage.sites, *usage.hosted, *usage.exclusive})
    ]
    rows += [
        ReservationRow(slice_id=slice_id, resource_kind="link", resource=key, bandwidth_mbps=bw)
        for key, bw in usage.links_mbps.items()
    ]
    return rows
