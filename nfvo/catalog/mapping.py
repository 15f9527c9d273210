"""From a checked template in the nfvo profile to a SliceRequest (and its SliceProfile),
with the checks TOSCA cannot express.

TOSCA validates types and fields; it cannot say that a latency budget names two functions
of the slice joined by virtual links, or that a slice needs a RAN and a core. Those checks
live here and in sla.py, budgets.py and policies.py, next to the mapping that relies on them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from nfvo.catalog import budgets, policies
from nfvo.catalog.context import MapContext
from nfvo.catalog.diagnostics import did_you_mean
from nfvo.catalog.profile import LinkQoS, LoadedTemplate, ServiceLevel, SliceProfile
from nfvo.catalog.sla import check_budgets_within_e2e, find_sla, service_level
from nfvo.catalog.values import TOPOLOGY, Entity
from nfvo.domain import (
    SLA,
    Domain,
    Isolation,
    NetworkFunction,
    Resources,
    SiteRole,
    SliceRequest,
    VirtualLink,
)

FUNCTION_TYPE = "nfvo.nodes.NetworkFunction"
VLINK_TYPE = "nfvo.nodes.transport.VirtualLink"

_CELL, _EDGE, _REGIONAL, _CORE = SiteRole.CELL, SiteRole.EDGE, SiteRole.REGIONAL, SiteRole.CORE
_CONTROL = frozenset({_REGIONAL, _CORE})


@dataclass(frozen=True)
class _Kind:
    name: str
    domain: Domain
    roles: frozenset[SiteRole]
    pinned: bool = False  # runs at the cell site named by its cell_site property


# Where each kind of function may run. RU, DU and gNB drive radios, so they sit at their
# cell; a CU tolerates the few hundred microseconds to an edge; the user plane can go
# anywhere from the edge inwards, the control plane needs no more than a regional centre.
KINDS = {
    "nfvo.nodes.ran.gNB": _Kind("gNB", Domain.RAN, frozenset({_CELL}), pinned=True),
    "nfvo.nodes.ran.RU": _Kind("RU", Domain.RAN, frozenset({_CELL}), pinned=True),
    "nfvo.nodes.ran.DU": _Kind("DU", Domain.RAN, frozenset({_CELL}), pinned=True),
    "nfvo.nodes.ran.CU": _Kind("CU", Domain.RAN, frozenset({_CELL, _EDGE})),
    "nfvo.nodes.core.UPF": _Kind("UPF", Domain.CORE, frozenset({_EDGE, _REGIONAL, _CORE})),
    **{
        f"nfvo.nodes.core.{cp}": _Kind(cp, Domain.CORE, _CONTROL)
        for cp in ("AMF", "SMF", "NRF", "PCF", "UDM", "AUSF", "NSSF")
    },
}
# A tenant's own function types derive from a family; they get the family's sites.
_FAMILIES = {
    "nfvo.nodes.ran.RanFunction": (Domain.RAN, frozenset({_CELL, _EDGE})),
    "nfvo.nodes.core.CoreFunction": (Domain.CORE, frozenset({_EDGE, _REGIONAL, _CORE})),
}


def _kind_of(node: Entity, chain: list[str]) -> _Kind | None:
    for type_name in chain:
        if type_name in KINDS:
            return KINDS[type_name]
    for type_name in chain[1:]:  # the family itself is abstract: a node needs a concrete type
        if type_name in _FAMILIES:
            domain, roles = _FAMILIES[type_name]
            return _Kind(node.type.rsplit(".", 1)[-1], domain, roles)
    return None


def _demand(ctx: MapContext, node: Entity, level: ServiceLevel | None) -> Resources:
    """Base demand plus what scales with the SLA (the rule in the profile's header)."""
    cpu, mem = ctx.number(node, "cpu"), ctx.number(node, "memory_gb")
    if level is not None:
        gbps, kues = level.throughput_mbps / 1000.0, level.active_ues / 1000.0
        cpu += float(node.props.get("cpu_per_gbps", 0.0)) * gbps
        cpu += float(node.props.get("cpu_per_1000_ues", 0.0)) * kues
        mem += float(node.props.get("memory_gb_per_gbps", 0.0)) * gbps
        mem += float(node.props.get("memory_gb_per_1000_ues", 0.0)) * kues
    return Resources(round(cpu, 6), round(mem, 6))


def _functions(
    ctx: MapContext, level: ServiceLevel | None
) -> tuple[list[NetworkFunction], dict[str, Entity]]:
    functions: list[NetworkFunction] = []
    vlinks: dict[str, Entity] = {}
    for node in ctx.shape.nodes:
        chain = ctx.registry.chain("node_types", node.type)
        if VLINK_TYPE in chain:
            vlinks[node.name] = node
            continue
        if FUNCTION_TYPE not in chain:
            # An unknown type is reported by tosca-parser; a known one that is not ours
            # (e.g. tosca.nodes.Compute) cannot be placed.
            ctx.broken.add(node.name)
            ctx.complete = False
            if ctx.registry.knows("node_types", node.type) or node.type.startswith("tosca."):
                ctx.sink.add(
                    "unsupported-node-type",
                    f"node template {node.name!r} ({node.type}) is neither a network function nor a "
                    "virtual link",
                    (*node.path, "type"),
                    at_value=True,
                    hint=f"use a type derived from {FUNCTION_TYPE} or {VLINK_TYPE}",
                )
            continue
        kind = _kind_of(node, chain)
        if kind is None:
            ctx.broken.add(node.name)
            ctx.sink.add(
                "abstract-function-type",
                f"{node.name!r} has the abstract type {node.type}",
                (*node.path, "type"),
                at_value=True,
                hint="use nfvo.nodes.ran.gNB/RU/DU/CU, nfvo.nodes.core.UPF/AMF/SMF/NRF/PCF/..., or a "
                "type derived from nfvo.nodes.ran.RanFunction or nfvo.nodes.core.CoreFunction",
            )
            continue
        pinned = None
        if kind.pinned:
            site = node.props.get("cell_site")
            if isinstance(site, str) and not site.strip():
                ctx.sink.add(
                    "empty-cell-site",
                    f"cell_site of {node.name!r} is empty",
                    (*node.path, "properties", "cell_site"),
                    at_value=True,
                    hint="name the cell site the function serves, e.g. cell-1",
                )
            pinned = site if isinstance(site, str) and site.strip() else None
            ctx.complete = ctx.complete and pinned is not None
        latency = ctx.number(node, "processing_latency_ms")
        functions.append(
            NetworkFunction(
                node.name, kind.name, kind.domain, _demand(ctx, node, level), kind.roles, pinned, latency
            )
        )
    return functions, vlinks


def _links(
    ctx: MapContext, vlinks: Mapping[str, Entity], functions: set[str]
) -> tuple[list[VirtualLink], list[LinkQoS]]:
    links: list[VirtualLink] = []
    qos: list[LinkQoS] = []
    for node in vlinks.values():
        ends: dict[str, str] = {}
        for i, req in enumerate(node.raw.get("requirements") or []):
            ((req_name, target),) = req.items()
            if isinstance(target, dict):
                target = target.get("node")
            if req_name not in ("endpoint_a", "endpoint_b") or not isinstance(target, str):
                continue  # other requirements and their shape are tosca-parser's to check
            path = (*node.path, "requirements", i, req_name)
            if target in ctx.broken:
                continue
            if target not in functions:
                what = "a virtual link" if target in vlinks else "no network function of this slice"
                ctx.sink.add(
                    "unknown-endpoint",
                    f"{req_name} of {node.name!r} is {target!r}, {what}",
                    path,
                    at_value=True,
                    hint=did_you_mean(target, functions),
                )
                continue
            ends[req_name] = target
        a, b = ends.get("endpoint_a"), ends.get("endpoint_b")
        if a is not None and a == b:
            ctx.sink.add(
                "self-link", f"virtual link {node.name!r} joins {a!r} to itself", (*node.path, "requirements")
            )
        bandwidth = ctx.number(node, "bandwidth_mbps")
        latency = node.props.get("max_latency_ms")
        isolation = Isolation(node.props.get("isolation", Isolation.SHARED.value))
        if latency is not None or isolation is not Isolation.SHARED:
            qos.append(LinkQoS(node.name, float(latency) if latency is not None else None, isolation))
        if a is None or b is None:
            ctx.complete = False
            continue
        links.append(VirtualLink(node.name, a, b, bandwidth))
    return links, qos


def build_request(ctx: MapContext, inputs: Mapping[str, Any], template: str) -> LoadedTemplate | None:
    """The loaded template, or None when something it needs is missing or wrong (reported)."""
    sla_policy = find_sla(ctx)
    level = service_level(ctx, sla_policy) if sla_policy is not None else None
    functions, vlinks = _functions(ctx, level)
    functions = policies.pin(ctx, functions)
    names = {f.name for f in functions}
    links, qos = _links(ctx, vlinks, names)
    adjacency: dict[str, set[str]] = {f: set() for f in names}
    for link in links:
        adjacency[link.a].add(link.b)
        adjacency[link.b].add(link.a)
    latency_budgets, chains, spans = budgets.all_budgets(ctx, names, adjacency)
    rules = policies.rules(ctx, functions)
    slice_isolation = level.isolation if level else Isolation.SHARED
    isolation, sharing = policies.isolation_and_sharing(ctx, functions, slice_isolation)
    if level is not None:
        check_budgets_within_e2e(ctx, level, spans)
    if not ctx.broken:
        for domain in (Domain.RAN, Domain.CORE):
            if not any(f.domain is domain for f in functions):
                ctx.sink.add(
                    f"missing-{domain.value}",
                    f"the slice has no {domain.value.upper()} function",
                    (*TOPOLOGY, "node_templates"),
                    hint="a slice needs at least one RAN function (gNB/RU/DU/CU) and one core function",
                )
    if level is None or not ctx.complete or ctx.sink:
        return None
    sla = SLA(level.slice_type, tuple(latency_budgets), level.throughput_mbps, level.max_ues, level.isolation)
    # Per-function isolation policies reach placement; the SLA's slice-wide level does not
    # (docs/placement.md, "Rules": it would make shared cell sites exclusive).
    levels = dict(isolation)
    functions = [replace(f, isolation=levels[f.name]) if f.name in levels else f for f in functions]
    # Sharing reaches the lifecycle through the functions: an instance named by the policy,
    # or by default one per template and function (every slice of the template shares it).
    shared = {name: share for share in sharing for name in share.functions}
    functions = [
        replace(
            f,
            shared_instance=shared[f.name].instance or f"{template.partition('@')[0]}.{f.name}",
            shared_with=shared[f.name].shared_with,
        )
        if f.name in shared
        else f
        for f in functions
    ]
    request = SliceRequest(template, sla, tuple(functions), tuple(links), dict(inputs), tuple(rules))
    profile = SliceProfile(level, tuple(chains), tuple(rules), tuple(sharing), tuple(isolation), tuple(qos))
    return LoadedTemplate(request, profile)
