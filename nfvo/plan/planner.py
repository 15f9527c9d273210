"""Placement → DeploymentPlan: one change set per domain, each with its undo and demand.

What each domain holds for a slice (our own data model, see models/yang/):
- transport: ``/slices/slice[name=K]`` with one ``vlink[id=..]`` per virtual link: its
  end sites, bandwidth, routed latency and hop list (the path the controller must steer);
- core and ran: ``/slices/slice[name=K]`` with the slice's S-NSSAI and SLA, and one
  ``function[name=..]`` per network function hosted in that domain, with its site and
  resources.

Order: transport first (the pipes exist before anything sends on them), then core (user
plane and control plane ready), then RAN last, so that no UE can attach to a slice whose
core is not there yet. Teardown is the reverse.
"""

from __future__ import annotations

from nfvo.domain import (
    ChangeSet,
    ConfigEdit,
    ConfigPath,
    DeploymentPlan,
    Domain,
    EditOp,
    Leaf,
    PathElem,
    Placement,
    PlanError,
    Resources,
    SliceRequest,
    SliceType,
    Substrate,
    Usage,
)

# Standardised Slice/Service Types of 3GPP TS 23.501 (5.15.2.2).
SST = {SliceType.EMBB: 1, SliceType.URLLC: 2, SliceType.MMTC: 3, SliceType.V2X: 4}

ORDER = (Domain.TRANSPORT, Domain.CORE, Domain.RAN)


def slice_path(slice_key: str) -> ConfigPath:
    return (PathElem("slices"), PathElem("slice", (("name", slice_key),)))


def _num(value: float) -> float:
    # Three decimals is what the YANG decimal64 leaves hold; rounding here keeps the
    # read-back comparison exact.
    return round(value, 3)


def build_plan(
    slice_key: str, description: str, request: SliceRequest, placement: Placement, substrate: Substrate
) -> DeploymentPlan:
    """The change sets that configure `placement` of `request` on every domain."""
    builders = {
        Domain.TRANSPORT: _transport_edits,
        Domain.CORE: _functions_edits,
        Domain.RAN: _functions_edits,
    }
    changesets = []
    for domain in ORDER:
        try:
            controller = substrate.controller_for(domain)
        except KeyError as exc:
            raise PlanError(
                f"the substrate {substrate.name!r} has no controller for the {domain} domain",
                hint="add one under substrate.controllers",
            ) from exc
        edits, demand = builders[domain](slice_key, description, request, placement, domain)
        if not edits:
            continue
        changesets.append(
            ChangeSet(
                id=domain.value,
                domain=domain,
                controller=controller.name,
                description=f"{domain} configuration of slice {slice_key} ({description})",
                edits=edits,
                # Every entry we write lives under the slice's own node, created by this
                # change set, so removing that node restores the domain exactly.
                undo=(ConfigEdit(EditOp.DELETE, slice_path(slice_key)),),
                demand=demand,
            )
        )
    return DeploymentPlan(slice_name=slice_key, changesets=tuple(changesets))


def _transport_edits(
    slice_key: str, description: str, request: SliceRequest, placement: Placement, _domain: Domain
) -> tuple[tuple[ConfigEdit, ...], Usage]:
    if not request.links:
        return (), Usage()
    root = slice_path(slice_key)
    edits = [
        ConfigEdit(
            EditOp.MERGE,
            root,
            {"slice-type": request.sla.slice_type.value, "description": description},
        )
    ]
    links: dict[str, float] = {}
    for vlink in request.links:
        route = placement.route(vlink.name)
        leaves: dict[str, Leaf] = {
            "src-site": placement.assignments[vlink.a],
            "dst-site": placement.assignments[vlink.b],
            "bandwidth-mbps": _num(vlink.bandwidth_mbps),
            "latency-ms": _num(route.latency_ms),
            "hop": route.sites,
        }
        edits.append(ConfigEdit(EditOp.MERGE, (*root, PathElem("vlink", (("id", vlink.name),))), leaves))
        for key in route.link_keys:
            links[key] = links.get(key, 0.0) + route.bandwidth_mbps
    return tuple(edits), Usage({}, links)


def _functions_edits(
    slice_key: str, description: str, request: SliceRequest, placement: Placement, domain: Domain
) -> tuple[tuple[ConfigEdit, ...], Usage]:
    functions = [nf for nf in request.functions if nf.domain is domain]
    if not functions:
        return (), Usage()
    root = slice_path(slice_key)
    sla = request.sla
    edits = [
        ConfigEdit(
            EditOp.MERGE,
            root,
            {
                "description": description,
                "slice-type": sla.slice_type.value,
                "sst": SST[sla.slice_type],
                "max-ues": sla.max_ues,
                "throughput-mbps": _num(sla.throughput_mbps),
                "isolation": sla.isolation.value,
            },
        )
    ]
    sites: dict[str, Resources] = {}
    for nf in functions:
        site = placement.assignments[nf.name]
        edits.append(
            ConfigEdit(
                EditOp.MERGE,
                (*root, PathElem("function", (("name", nf.name),))),
                {
                    "kind": nf.kind,
                    "site": site,
                    "cpu": _num(nf.demand.cpu),
                    "memory-gb": _num(nf.demand.memory_gb),
                },
            )
        )
        sites[site] = sites.get(site, Resources()) + nf.demand
    return tuple(edits), Usage(sites, {})
