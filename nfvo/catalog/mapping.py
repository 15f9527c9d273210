"""From a checked template to a SliceRequest, with the checks TOSCA cannot express.

TOSCA validates types and fields; it cannot say that a latency budget names two functions
of the slice joined by virtual links, or that a slice needs a RAN and a core. Those checks
live here, next to the mapping that relies on them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from nfvo.catalog.diagnostics import DiagnosticSink, did_you_mean
from nfvo.catalog.schema import TypeRegistry
from nfvo.catalog.values import TOPOLOGY, Entity, Shape
from nfvo.domain import (
    SLA,
    Domain,
    Isolation,
    LatencyBudget,
    NetworkFunction,
    Resources,
    SiteRole,
    SliceRequest,
    SliceType,
    VirtualLink,
)

FUNCTION_TYPE = "nfvo.nodes.NetworkFunction"
VLINK_TYPE = "nfvo.nodes.transport.VirtualLink"
SLA_TYPE = "nfvo.policies.SLA"
BUDGET_TYPE = "nfvo.policies.LatencyBudget"

_CELL, _EDGE, _REGIONAL, _CORE = SiteRole.CELL, SiteRole.EDGE, SiteRole.REGIONAL, SiteRole.CORE


@dataclass(frozen=True)
class _Kind:
    name: str
    domain: Domain
    roles: frozenset[SiteRole]
    pinned: bool = False  # runs at the cell site named by its cell_site property


# Where each kind of function may run. gNB and DU drive radios, so they sit at their cell;
# a CU tolerates the few hundred microseconds to an edge; the user plane can go anywhere
# from the edge inwards, the control plane needs no more than a regional data centre.
_KINDS = {
    "nfvo.nodes.ran.gNB": _Kind("gNB", Domain.RAN, frozenset({_CELL}), pinned=True),
    "nfvo.nodes.ran.DU": _Kind("DU", Domain.RAN, frozenset({_CELL}), pinned=True),
    "nfvo.nodes.ran.CU": _Kind("CU", Domain.RAN, frozenset({_CELL, _EDGE})),
    "nfvo.nodes.core.UPF": _Kind("UPF", Domain.CORE, frozenset({_EDGE, _REGIONAL, _CORE})),
    "nfvo.nodes.core.AMF": _Kind("AMF", Domain.CORE, frozenset({_REGIONAL, _CORE})),
    "nfvo.nodes.core.SMF": _Kind("SMF", Domain.CORE, frozenset({_REGIONAL, _CORE})),
}
# A tenant's own function types derive from a family; they get the family's sites.
_FAMILIES = {
    "nfvo.nodes.ran.RanFunction": (Domain.RAN, frozenset({_CELL, _EDGE})),
    "nfvo.nodes.core.CoreFunction": (Domain.CORE, frozenset({_EDGE, _REGIONAL, _CORE})),
}


def _kind_of(node: Entity, chain: list[str]) -> _Kind | None:
    for type_name in chain:
        if type_name in _KINDS:
            return _KINDS[type_name]
    for type_name in chain[1:]:  # the family itself is abstract: a node needs a concrete type
        if type_name in _FAMILIES:
            domain, roles = _FAMILIES[type_name]
            return _Kind(node.type.rsplit(".", 1)[-1], domain, roles)
    return None


class _Builder:
    def __init__(self, shape: Shape, registry: TypeRegistry, sink: DiagnosticSink) -> None:
        self.shape = shape
        self.registry = registry
        self.sink = sink
        self.complete = True  # False when a value needed for the request is missing
        # Nodes already reported as broken (unknown or abstract type): references to them
        # are not reported again, which would bury the one real mistake under its echoes.
        self.broken: set[str] = set()

    def number(self, entity: Entity, prop: str) -> float:
        value = entity.props.get(prop)
        if not isinstance(value, int | float):
            self.complete = False  # missing or rejected: already reported
            return 0.0
        if value < 0:
            self.sink.add(
                "negative-value",
                f"{prop} of {entity.name!r} must not be negative, got {value!r}",
                (*entity.path, "properties", prop),
                at_value=True,
            )
        return float(value)

    def functions(self) -> tuple[list[NetworkFunction], dict[str, Entity]]:
        functions: list[NetworkFunction] = []
        vlinks: dict[str, Entity] = {}
        for node in self.shape.nodes:
            chain = self.registry.chain("node_types", node.type)
            if VLINK_TYPE in chain:
                vlinks[node.name] = node
                continue
            if FUNCTION_TYPE not in chain:
                # An unknown type is reported by tosca-parser; a known one that is not ours
                # (e.g. tosca.nodes.Compute) cannot be placed.
                self.broken.add(node.name)
                self.complete = False
                if self.registry.knows("node_types", node.type) or node.type.startswith("tosca."):
                    self.sink.add(
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
                self.broken.add(node.name)
                self.sink.add(
                    "abstract-function-type",
                    f"{node.name!r} has the abstract type {node.type}",
                    (*node.path, "type"),
                    at_value=True,
                    hint="use nfvo.nodes.ran.gNB/CU/DU, nfvo.nodes.core.UPF/AMF/SMF, or a type derived "
                    "from nfvo.nodes.ran.RanFunction or nfvo.nodes.core.CoreFunction",
                )
                continue
            pinned = None
            if kind.pinned:
                site = node.props.get("cell_site")
                if isinstance(site, str) and not site.strip():
                    self.sink.add(
                        "empty-cell-site",
                        f"cell_site of {node.name!r} is empty",
                        (*node.path, "properties", "cell_site"),
                        at_value=True,
                        hint="name the cell site the function serves, e.g. cell-1",
                    )
                pinned = site if isinstance(site, str) and site.strip() else None
                self.complete = self.complete and pinned is not None
            demand = Resources(self.number(node, "cpu"), self.number(node, "memory_gb"))
            latency = self.number(node, "processing_latency_ms")
            functions.append(
                NetworkFunction(node.name, kind.name, kind.domain, demand, kind.roles, pinned, latency)
            )
        return functions, vlinks

    def links(self, vlinks: Mapping[str, Entity], functions: set[str]) -> list[VirtualLink]:
        links: list[VirtualLink] = []
        for node in vlinks.values():
            ends: dict[str, str] = {}
            for i, req in enumerate(node.raw.get("requirements") or []):
                ((req_name, target),) = req.items()
                if isinstance(target, dict):
                    target = target.get("node")
                if req_name not in ("endpoint_a", "endpoint_b") or not isinstance(target, str):
                    continue  # other requirements and their shape are tosca-parser's to check
                path = (*node.path, "requirements", i, req_name)
                if target in self.broken:
                    continue
                if target not in functions:
                    what = "a virtual link" if target in vlinks else "no network function of this slice"
                    self.sink.add(
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
                self.sink.add(
                    "self-link",
                    f"virtual link {node.name!r} joins {a!r} to itself",
                    (*node.path, "requirements"),
                )
            bandwidth = self.number(node, "bandwidth_mbps")
            if a is None or b is None:
                self.complete = False
                continue
            links.append(VirtualLink(node.name, a, b, bandwidth))
        return links

    def sla(self, links: list[VirtualLink], functions: set[str]) -> SLA | None:
        slas = [p for p in self.shape.policies if SLA_TYPE in self.registry.chain("policy_types", p.type)]
        budgets = [
            p for p in self.shape.policies if BUDGET_TYPE in self.registry.chain("policy_types", p.type)
        ]
        # A policy of an unknown type may be the SLA with its type misspelt (reported as such).
        unknown = [
            p
            for p in self.shape.policies
            if not self.registry.knows("policy_types", p.type) and not p.type.startswith("tosca.")
        ]
        if not slas and not unknown:
            self.sink.add(
                "missing-sla",
                f"the template has no {SLA_TYPE} policy",
                (*TOPOLOGY, "policies"),
                hint="add one SLA policy with the slice_type",
            )
        for extra in slas[1:]:
            self.sink.add(
                "duplicate-sla", f"a second SLA policy {extra.name!r}; a slice has exactly one", extra.path
            )
        adjacency: dict[str, set[str]] = {f: set() for f in functions}
        for link in links:
            adjacency[link.a].add(link.b)
            adjacency[link.b].add(link.a)
        outcomes = [b for p in budgets if (b := self.budget(p, functions, adjacency)) is not None]
        if not slas:
            return None
        props = slas[0].props
        if not isinstance(props.get("slice_type"), str):
            self.complete = False
            return None
        return SLA(
            slice_type=SliceType(props["slice_type"]),
            latency_budgets=tuple(outcomes),
            throughput_mbps=float(props.get("throughput_mbps", 0.0)),
            max_ues=int(props.get("max_ues", 0)),
            isolation=Isolation(props.get("isolation", Isolation.SHARED.value)),
        )

    def budget(
        self, policy: Entity, functions: set[str], adjacency: Mapping[str, set[str]]
    ) -> LatencyBudget | None:
        ends: list[str] = []
        for prop in ("source", "target"):
            name = policy.props.get(prop)
            if not isinstance(name, str):
                self.complete = False
                return None
            if name not in functions and name not in self.broken:
                self.sink.add(
                    "unknown-function",
                    f"{prop} of budget {policy.name!r} is {name!r}, not a network function of this slice",
                    (*policy.path, "properties", prop),
                    at_value=True,
                    hint=did_you_mean(name, functions),
                )
            ends.append(name)
        if "max_ms" not in policy.props:
            self.complete = False  # missing or rejected: already reported
            return None
        max_ms = float(policy.props["max_ms"])
        if set(ends) - functions:
            return None
        source, target = ends
        if max_ms <= 0:
            self.sink.add(
                "invalid-budget",
                f"max_ms of {policy.name!r} must be greater than 0",
                (*policy.path, "properties", "max_ms"),
                at_value=True,
            )
        if source == target:
            self.sink.add(
                "invalid-budget",
                f"budget {policy.name!r} runs from {source!r} to itself",
                (*policy.path, "properties"),
                hint="a budget joins two different functions",
            )
        elif not _connected(adjacency, source, target):
            self.sink.add(
                "budget-unreachable",
                f"no chain of virtual links joins {source!r} to {target!r}, so "
                f"budget {policy.name!r} cannot be measured",
                (*policy.path, "properties"),
                hint="link the functions (directly or through others) with virtual links",
            )
        return LatencyBudget(policy.name, source, target, max_ms)


def _connected(adjacency: Mapping[str, set[str]], source: str, target: str) -> bool:
    seen, frontier = {source}, [source]
    while frontier:
        for nxt in adjacency.get(frontier.pop(), set()) - seen:
            if nxt == target:
                return True
            seen.add(nxt)
            frontier.append(nxt)
    return False


def build_request(
    shape: Shape, registry: TypeRegistry, inputs: Mapping[str, Any], template: str, sink: DiagnosticSink
) -> SliceRequest | None:
    """The SliceRequest, or None when something it needs is missing or wrong (reported)."""
    builder = _Builder(shape, registry, sink)
    functions, vlinks = builder.functions()
    names = {f.name for f in functions}
    links = builder.links(vlinks, names)
    sla = builder.sla(links, names)
    if not builder.broken:
        for domain in (Domain.RAN, Domain.CORE):
            if not any(f.domain is domain for f in functions):
                sink.add(
                    f"missing-{domain.value}",
                    f"the slice has no {domain.value.upper()} function",
                    (*TOPOLOGY, "node_templates"),
                    hint="a slice needs at least one RAN function (gNB/DU/CU) and one core function",
                )
    if sla is None or not builder.complete or sink:
        return None
    return SliceRequest(
        template=template, sla=sla, functions=tuple(functions), links=tuple(links), inputs=dict(inputs)
    )
