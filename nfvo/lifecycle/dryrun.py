"""A dry run of an instantiation: parse, place against what is held now, build the plan,
and ask the digital twin — then stop. Nothing is stored (no slice, operation, reservation
or template version) and nothing is pushed; the twin in "live" mode only reads.

The plan is shown per domain as a diff against what the store says each controller is
configured with (the plans of its live slices): a new slice's entries are all additions,
but an entry the store already records for that controller would show as changed or
unchanged, leaf by leaf.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from nfvo import catalog
from nfvo.domain import (
    ChangeSet,
    ConfigEdit,
    DeploymentPlan,
    EditOp,
    InfeasibleError,
    InputError,
    Leaf,
    Placement,
    SliceInstance,
    SliceRequest,
    SliceState,
    Verdict,
    format_path,
)
from nfvo.lifecycle.admission import checked_placement
from nfvo.lifecycle.observe import twin_verdict
from nfvo.lifecycle.orchestrator import Orchestrator, new_id
from nfvo.plan import build_plan

# The slices whose configuration the store says is on the controllers (as reconcile counts them).
CONFIGURED = (
    SliceState.ACTIVE,
    SliceState.INSTANTIATING,
    SliceState.MODIFYING,
    SliceState.TERMINATING,
    SliceState.FAILED,
)


@dataclass(frozen=True)
class LeafChange:
    leaf: str
    before: Leaf | None  # None: not configured
    after: Leaf | None  # None: removed


@dataclass(frozen=True)
class EditDiff:
    change: str  # "add" | "change" | "unchanged" | "delete"
    path: str
    leaves: tuple[LeafChange, ...] = ()


@dataclass(frozen=True)
class DomainDiff:
    changeset: str
    domain: str
    controller: str
    protocol: str
    address: str
    slices_configured: int  # live slices the store says this controller holds
    edits: tuple[EditDiff, ...]


@dataclass(frozen=True)
class DryRun:
    slice_key: str  # the key the plan was built with; a real creation gets its own
    name: str
    template: str
    request: SliceRequest
    placement: Placement | None = None
    infeasible: InfeasibleError | None = None  # why it cannot be placed now
    plan: DeploymentPlan | None = None
    diff: tuple[DomainDiff, ...] = ()
    verdict: Verdict | None = None
    twin_mode: str = ""
    twin_note: str = ""
    warnings: tuple[str, ...] = ()

    @property
    def feasible(self) -> bool:
        return self.placement is not None

    @property
    def would_deploy(self) -> bool:
        """Placed and passed by the twin: what POST /slices would start pushing."""
        return self.placement is not None and self.verdict is not None and self.verdict.ok


def dry_run(
    orchestrator: Orchestrator,
    template: str | None = None,
    inputs: Mapping[str, object] | None = None,
    *,
    version: int | None = None,
    template_yaml: str | None = None,
    name: str | None = None,
) -> DryRun:
    """What `orchestrator.instantiate` would do with the same arguments, without doing it.

    A bad template raises (TemplateError, like instantiate); a slice that cannot be placed
    does not: the result says so (`infeasible`, with the blocking constraint)."""
    if template_yaml is not None:
        request = catalog.load_template(template_yaml, inputs)
        origin = f"{request.template} (inline)"
    elif template is not None:
        info, content = orchestrator.store.get_template(template, version)
        request = catalog.load_template(content, inputs, name=template)
        origin = info.ref
    else:
        raise InputError("no template given", hint="give a catalog template name or template_yaml")
    slice_key = new_id("slice")
    display_name = name or request.template
    base = DryRun(slice_key=slice_key, name=display_name, template=origin, request=request)
    held = orchestrator.store.usage()
    try:
        placement = checked_placement(orchestrator.placer, request, orchestrator.live_substrate(), held)
    except InfeasibleError as exc:
        return replace(base, infeasible=exc)
    plan = build_plan(slice_key, display_name, request, placement, orchestrator.substrate)
    verdict, note = twin_verdict(
        orchestrator.twin, plan, orchestrator.substrate, held, orchestrator.connect, (request, placement)
    )
    configured = [s for state in CONFIGURED for s in orchestrator.store.list_slices(state=state)]
    return replace(
        base,
        placement=placement,
        plan=plan,
        diff=tuple(_domain_diff(orchestrator, cs, configured) for cs in plan.changesets),
        verdict=verdict,
        twin_mode=orchestrator.twin,
        twin_note=note,
        warnings=_warnings(orchestrator),
    )


def _warnings(orchestrator: Orchestrator) -> tuple[str, ...]:
    out = []
    failed_sites, failed_links = orchestrator.out_of_service()
    if failed_sites or failed_links:
        down = ", ".join(sorted(failed_sites | failed_links))
        out.append(f"placed around what is out of service: {down}")
    if orchestrator.twin == "off":
        out.append("twin validation is off: the verdict passes every plan")
    return tuple(out)


def _domain_diff(
    orchestrator: Orchestrator, changeset: ChangeSet, live: Iterable[SliceInstance]
) -> DomainDiff:
    controller = orchestrator.substrate.controller_for(changeset.domain)
    holders = [
        cs
        for instance in live
        for cs in (instance.plan.changesets if instance.plan else ())
        if cs.controller == changeset.controller
    ]
    return DomainDiff(
        changeset=changeset.id,
        domain=changeset.domain.value,
        controller=controller.name,
        protocol=controller.protocol.value,
        address=controller.address,
        slices_configured=len(holders),
        edits=diff_edits(changeset.edits, configured_tree(e for cs in holders for e in cs.edits)),
    )


def configured_tree(edits: Iterable[ConfigEdit]) -> dict[str, dict[str, Leaf]]:
    """Path → leaves, as the given edits leave a controller (merges accumulate, a delete
    removes the entry and everything below it)."""
    tree: dict[str, dict[str, Leaf]] = {}
    for edit in edits:
        path = format_path(edit.path)
        if edit.op is EditOp.DELETE:
            for known in [p for p in tree if p == path or p.startswith(path + "/")]:
                del tree[known]
        else:
            tree[path] = {**tree.get(path, {}), **edit.leaves}
    return tree


def diff_edits(
    edits: Iterable[ConfigEdit], configured: Mapping[str, Mapping[str, Leaf]]
) -> tuple[EditDiff, ...]:
    """Each edit against `configured` (see configured_tree)."""
    out = []
    for edit in edits:
        path = format_path(edit.path)
        before = configured.get(path)
        if edit.op is EditOp.DELETE:
            if before is not None:
                out.append(EditDiff("delete", path, tuple(LeafChange(k, v, None) for k, v in before.items())))
            continue
        if before is None:
            out.append(EditDiff("add", path, tuple(LeafChange(k, None, v) for k, v in edit.leaves.items())))
            continue
        changed = tuple(LeafChange(k, before.get(k), v) for k, v in edit.leaves.items() if before.get(k) != v)
        out.append(EditDiff("change" if changed else "unchanged", path, changed))
    return tuple(out)
