"""Reconciliation: compare what each domain controller holds with what the store says.

Drift comes in three kinds:
- ``orphan``: a controller holds a slice no live slice instance owns (left by a crash
  outside any operation, by hand, or by another tool);
- ``missing``: a live slice's configuration is absent from a controller;
- ``differs``: it is there but some leaf differs from what was pushed.

With `repair`, orphans are deleted and missing or differing configuration is pushed again
(the same transactional push as an operation: confirmed commit, read-back, confirm).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from nfvo.domain import (
    ChangeSet,
    ConfigEdit,
    Controller,
    EditOp,
    NfvoError,
    PathElem,
    SliceState,
    Substrate,
    VerificationFailed,
)
from nfvo.lifecycle.push import Connect, apply_changeset, verify
from nfvo.plan import slice_path
from nfvo.store import Store

LIVE = (
    SliceState.ACTIVE,
    SliceState.TERMINATING,
    SliceState.FAILED,
    SliceState.INSTANTIATING,
    SliceState.MODIFYING,
)
# Being switched between two placements: what a controller holds may be either, so only
# orphans are reported for it, never missing or differing configuration.
IN_FLUX = (SliceState.MODIFYING,)


@dataclass(frozen=True)
class Drift:
    controller: str
    domain: str
    slice_id: str
    kind: str  # "orphan" | "missing" | "differs" | "unreachable"
    detail: str
    repaired: bool = False


def reconcile(
    store: Store,
    substrate: Substrate,
    connect: Connect,
    *,
    repair: bool = False,
    confirm_timeout_s: float = 30,
) -> list[Drift]:
    live = {s.id: s for state in LIVE for s in store.list_slices(state=state)}
    drifts: list[Drift] = []
    for controller in substrate.controllers:
        domain = controller.domain.value
        try:
            held = _slices_held(connect, controller)
        except NfvoError as exc:
            drifts.append(Drift(controller.name, domain, "", "unreachable", str(exc)))
            continue
        expected = {
            instance.id: changeset
            for instance in live.values()
            if instance.state not in IN_FLUX
            for changeset in (instance.plan.changesets if instance.plan else ())
            if changeset.controller == controller.name
        }
        found: list[tuple[Drift, ChangeSet]] = [
            (
                Drift(controller.name, domain, slice_id, "orphan", "no live slice owns it"),
                _removal(slice_id, controller),
            )
            for slice_id in sorted(held - expected.keys())
            if not (slice_id in live and live[slice_id].state in IN_FLUX)
        ]
        for slice_id, changeset in sorted(expected.items()):
            drift = _check(connect, controller, slice_id, changeset, present=slice_id in held)
            if drift is not None:
                found.append((drift, changeset))
        for drift, fix in found:
            drifts.append(_repaired(drift, connect, controller, fix, confirm_timeout_s) if repair else drift)
    return drifts


def _slices_held(connect: Connect, controller: Controller) -> set[str]:
    adapter = connect(controller)
    adapter.open()
    try:
        root = (PathElem("slices"),)
        found = adapter.read([root]).get("/slices")
    finally:
        adapter.close()
    entries = found.get("slice", []) if isinstance(found, dict) else []
    if isinstance(entries, dict):  # one entry read without a schema may come back unwrapped
        entries = [entries]
    return {str(entry.get("name")) for entry in entries if isinstance(entry, dict)}


def _check(
    connect: Connect, controller: Controller, slice_id: str, changeset: ChangeSet, *, present: bool
) -> Drift | None:
    if not present:
        return Drift(controller.name, controller.domain.value, slice_id, "missing", "no configuration found")
    adapter = connect(controller)
    adapter.open()
    try:
        verify(adapter, changeset)
    except VerificationFailed as exc:
        return Drift(controller.name, controller.domain.value, slice_id, "differs", exc.detail)
    finally:
        adapter.close()
    return None


def _removal(slice_id: str, controller: Controller) -> ChangeSet:
    delete = (ConfigEdit(EditOp.DELETE, slice_path(slice_id)),)
    return ChangeSet(
        id=f"reconcile:{controller.domain}",
        domain=controller.domain,
        controller=controller.name,
        description=f"remove orphan slice {slice_id}",
        edits=delete,
        undo=(),
    )


def _repaired(
    drift: Drift, connect: Connect, controller: Controller, changeset: ChangeSet, confirm_timeout_s: float
) -> Drift:
    try:
        apply_changeset(connect, controller, changeset, confirm_timeout_s=confirm_timeout_s)
    except NfvoError as exc:
        return replace(drift, detail=f"{drift.detail}; repair failed: {exc}")
    return replace(drift, repaired=True)
