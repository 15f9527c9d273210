"""Placement as admission uses it: the engine's answer, re-verified by the independent
checker before anything is recorded or pushed (new slices and modifications alike)."""

from __future__ import annotations

from nfvo.domain import Placement, Placer, PlanError, SliceRequest, Substrate, Usage
from nfvo.placement import check_placement


def checked_placement(placer: Placer, request: SliceRequest, substrate: Substrate, held: Usage) -> Placement:
    """Place `request` against `held`; raises InfeasibleError (from the engine) when it
    cannot be placed, PlanError when the checker disagrees with the engine (a bug: never
    push that)."""
    placement = placer(request, substrate, held)
    violations = check_placement(request, substrate, held, placement)
    if violations:
        raise PlanError(
            "the placement engine produced a placement that breaks constraints: " + "; ".join(violations),
            hint="report this as a bug in the placement engine",
        )
    return placement
