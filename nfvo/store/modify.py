"""Modifications in flight: a live slice being re-placed (new inputs, or healing a failure).

One row per slice while its MODIFY operation runs, holding what the slice becomes if the
operation completes. The slice row keeps what it is now, so a rollback (or a crash) never
has to reconstruct the old slice. The capacity ledger holds, for the slice, the larger of
old and new on every site and link while both may be configured: each domain switches
atomically, so old and new never coexist inside one domain, and the per-resource maximum
covers either without oversubscribing anything.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from nfvo.domain import (
    ConflictError,
    DeploymentPlan,
    Modification,
    NotFoundError,
    Operation,
    Placement,
    SliceInstance,
    SliceRequest,
    SliceState,
    Usage,
)
from nfvo.store import codec, events
from nfvo.store.repository import Store
from nfvo.store.rows import operation_row, reservation_rows, slice_from_row
from nfvo.store.tables import Base, ReservationRow, SliceRow


class ModificationRow(Base):
    __tablename__ = "modifications"

    slice_id: Mapped[str] = mapped_column(ForeignKey("slices.id"), primary_key=True)
    operation_id: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(String(500))
    request: Mapped[dict[str, Any]] = mapped_column(JSON)
    placement: Mapped[dict[str, Any]] = mapped_column(JSON)
    plan: Mapped[dict[str, Any]] = mapped_column(JSON)


Decide = Callable[[Usage, SliceInstance], tuple[Modification, Operation]]


def begin(store: Store, slice_id: str, decide: Decide) -> tuple[Modification, Operation]:
    """In one transaction: ACTIVE → MODIFYING, `decide(held by the others, the slice)`,
    record the modification and its operation, and reserve the cover of old and new."""
    with store._tx() as session:
        store._serialise(session)
        row = session.get(SliceRow, slice_id)
        if row is None:
            raise NotFoundError(f"no slice with id {slice_id!r}")
        if row.state != SliceState.ACTIVE.value:
            raise ConflictError(
                f"slice {slice_id} is {row.state}; only an ACTIVE slice can be modified",
                hint="wait for its running operation to end",
            )
        instance = slice_from_row(row)
        assert instance.placement is not None
        old = instance.placement.usage(instance.request)
        held_by_others = store._usage(session) - old
        modification, operation = decide(held_by_others, instance)
        new = modification.placement.usage(modification.request)
        row.state = SliceState.MODIFYING.value
        events.slice_state_changed(session, row, SliceState.ACTIVE.value)
        session.add(
            ModificationRow(
                slice_id=slice_id,
                operation_id=operation.id,
                reason=modification.reason,
                request=codec.dump(modification.request),
                placement=codec.dump(modification.placement),
                plan=codec.dump(modification.plan),
            )
        )
        new_row = operation_row(operation)
        session.add(new_row)
        events.operation_state_changed(session, new_row, None)
        session.execute(delete(ReservationRow).where(ReservationRow.slice_id == slice_id))
        session.add_all(reservation_rows(slice_id, old.cover(new)))
    return modification, operation


def pending(store: Store, slice_id: str) -> Modification | None:
    with store._tx() as session:
        row = session.get(ModificationRow, slice_id)
        return _from_row(row) if row is not None else None


def finish(store: Store, slice_id: str, *, applied: bool, steady_plan: DeploymentPlan | None = None) -> None:
    """End a modification. Applied: the slice becomes the new one (with `steady_plan`, the
    plan whose undo removes it) and holds only the new capacity. Not applied: it stays the
    old one and holds only the old capacity. Either way it is ACTIVE again."""
    with store._tx() as session:
        mod_row = session.get(ModificationRow, slice_id)
        row = session.get(SliceRow, slice_id)
        if mod_row is None or row is None:
            raise NotFoundError(f"slice {slice_id!r} has no modification in flight")
        modification = _from_row(mod_row)
        if applied:
            assert steady_plan is not None
            row.request = codec.dump(modification.request)
            row.placement = codec.dump(modification.placement)
            row.plan = codec.dump(steady_plan)
            usage = modification.placement.usage(modification.request)
        else:
            instance = slice_from_row(row)
            assert instance.placement is not None
            usage = instance.placement.usage(instance.request)
        previous, row.state = row.state, SliceState.ACTIVE.value
        events.slice_state_changed(session, row, previous)
        session.delete(mod_row)
        session.execute(delete(ReservationRow).where(ReservationRow.slice_id == slice_id))
        session.add_all(reservation_rows(slice_id, usage))


def fail(store: Store, slice_id: str) -> None:
    """The switch could not be undone everywhere: the slice needs an operator (FAILED),
    keeping the cover of old and new reserved, and the modification for a retry."""
    with store._tx() as session:
        row = session.get(SliceRow, slice_id)
        if row is not None:
            previous, row.state = row.state, SliceState.FAILED.value
            events.slice_state_changed(session, row, previous)


def in_flight(store: Store) -> list[Modification]:
    with store._tx() as session:
        return [_from_row(row) for row in session.scalars(select(ModificationRow))]


def _from_row(row: ModificationRow) -> Modification:
    return Modification(
        operation_id=row.operation_id,
        reason=row.reason,
        request=codec.load(SliceRequest, row.request),
        placement=codec.load(Placement, row.placement),
        plan=codec.load(DeploymentPlan, row.plan),
    )
