"""Shared function instances at admission and modification (see nfvo/domain/sharing.py).

Admission, inside its transaction:

1. `joining`: every shared function whose instance runs already is pinned to the
   instance's site and asks for nothing (the instance holds its demand); a slice the
   instance's users do not accept (or of another kind) is refused, storing nothing.
2. The engine places that request; a function of a new instance is placed like any other,
   with its demand checked against what is free.
3. `settle`: the slice keeps a request in which every shared function is pinned where it
   runs and asks for nothing, so the slice's own reservation, its plan's demand and any
   later modification never count an instance twice; `attach` records the slice as a user
   (creating new instances with the demand placement checked).

The store drops the slice from its instances when its capacity is released (terminated,
rolled back), and an instance with no users left with it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from nfvo.domain import (
    NetworkFunction,
    Placement,
    Resources,
    SharedInstance,
    SharedUser,
    SharingRefused,
    SliceRequest,
)
from nfvo.store import Store
from nfvo.store import sharing as ledger


def running(store: Store) -> dict[str, SharedInstance]:
    """The shared instances now; inside a store transaction, read in it."""
    with store.transaction() as session:
        return ledger.instances(session)


def user_of(slice_id: str, name: str, request: SliceRequest, nf: NetworkFunction) -> SharedUser:
    return SharedUser(slice_id, name, request.template.partition("@")[0], nf.shared_with)


def joining(
    request: SliceRequest, slice_id: str, name: str, instances: Mapping[str, SharedInstance]
) -> SliceRequest:
    """`request` with each function of a running instance pinned there, asking nothing."""
    functions = []
    for nf in request.functions:
        instance = instances.get(nf.shared_instance) if nf.shared_instance else None
        if instance is None:
            functions.append(nf)
            continue
        if all(user.slice_id != slice_id for user in instance.users):
            why = instance.refusal(nf.kind, user_of(slice_id, name, request, nf))
            if why is not None:
                raise SharingRefused(
                    f"{nf.name}: {why}",
                    hint="change the templates' nfvo.policies.Sharing (shared_with or instance), "
                    "or terminate the slices that refuse it",
                )
        functions.append(_held_by_instance(nf, instance.site))
    return dataclasses.replace(request, functions=tuple(functions))


def settle(
    placed: SliceRequest, placement: Placement, slice_id: str, name: str
) -> tuple[SliceRequest, list[tuple[SharedInstance, SharedUser]]]:
    """The request the slice keeps (every shared function pinned and asking nothing) and
    the shared instances it uses, new ones with the demand placement gave them."""
    functions, used = [], []
    for nf in placed.functions:
        if nf.shared_instance is None:
            functions.append(nf)
            continue
        site = placement.assignments[nf.name]
        instance = SharedInstance(nf.shared_instance, nf.kind, site, nf.demand, slice_id, ())
        used.append((instance, user_of(slice_id, name, placed, nf)))
        functions.append(_held_by_instance(nf, site))
    return dataclasses.replace(placed, functions=tuple(functions)), used


def attach(store: Store, used: list[tuple[SharedInstance, SharedUser]]) -> None:
    """Record the slice as a user of each instance (inside the admission transaction)."""
    with store.transaction() as session:
        for instance, user in used:
            ledger.attach(session, instance, user)


def _held_by_instance(nf: NetworkFunction, site: str) -> NetworkFunction:
    return dataclasses.replace(nf, pinned_site=site, demand=Resources())
