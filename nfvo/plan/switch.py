"""A live slice moved from one placement to another: per domain, one change set that
replaces the slice's configuration in a single transaction, and whose undo puts the old
one back.

Each changed domain gets: delete the slice's node, then merge the new entries, staged
together and committed at once, so the controller goes from old to new atomically (never
a mix of both, never without the slice). The undo is the same with the old entries.
Domains whose configuration does not change get no change set at all.
"""

from __future__ import annotations

from nfvo.domain import (
    ChangeSet,
    ConfigEdit,
    DeploymentPlan,
    EditOp,
    Placement,
    SliceRequest,
    Substrate,
    Usage,
)
from nfvo.plan.planner import ORDER, build_plan, slice_path


def build_switch_plan(
    slice_key: str,
    description: str,
    old: tuple[SliceRequest, Placement],
    new: tuple[SliceRequest, Placement],
    substrate: Substrate,
) -> DeploymentPlan:
    before = {cs.domain: cs for cs in build_plan(slice_key, description, *old, substrate).changesets}
    after = {cs.domain: cs for cs in build_plan(slice_key, description, *new, substrate).changesets}
    remove = ConfigEdit(EditOp.DELETE, slice_path(slice_key))
    changesets = []
    for domain in ORDER:
        old_cs, new_cs = before.get(domain), after.get(domain)
        old_edits = old_cs.edits if old_cs else ()
        new_edits = new_cs.edits if new_cs else ()
        if old_edits == new_edits:  # unchanged, or in neither
            continue
        template = new_cs or old_cs
        assert template is not None
        changesets.append(
            ChangeSet(
                id=domain.value,
                domain=domain,
                controller=template.controller,
                description=f"move the {domain} configuration of slice {slice_key} ({description})",
                edits=(remove, *new_edits),
                undo=(remove, *old_edits),
                demand=new_cs.demand if new_cs else Usage(),
            )
        )
    return DeploymentPlan(slice_name=slice_key, changesets=tuple(changesets))
