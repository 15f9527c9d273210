"""Templates in tosca-parser's NFV profile (tosca.nodes.nfv.VNF, VDU, CP, VL, FP) as slices.

The mapping (docs/catalog.md has the table):

* each VDU becomes a network function. Its demand is the `nfv_compute` (Tacker) or `host`
  capability's `num_cpus` and `mem_size`; failing those, a known OpenStack flavor name
  (m1.tiny ... m1.xlarge); failing that, 1 vCPU and 1 GB (noted). A VDU named after a 5G
  function (upf, amf, cu, ...) gets that kind's domain and sites; any other VDU is a core-
  domain function that may run on an edge, regional or core site;
* a CP binds its VDU (virtualBinding / binding) to a VL (virtualLink / link); each VL
  becomes a virtual link between every pair of VDUs bound to it (a multipoint network as
  a mesh), of 10 Mbit/s unless the VL has a `bandwidth_mbps` property (noted);
* a forwarding path (FP: `forwarder` requirements naming CPs, or Tacker's `path` property)
  becomes the ordered list of the VDUs it passes, kept in the SliceProfile;
* placement policies (tosca.policies.Placement and types derived from it) whose `policy`
  property is affinity or anti-affinity become placement rules; other policies are noted;
* VNF nodes group VDUs and carry no demand: they are noted, not placed;
* an NFV template carries no SLA: the slice is eMBB, shared, without budgets (noted).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from typing import Any

from nfvo.catalog.context import MapContext
from nfvo.catalog.mapping import KINDS
from nfvo.catalog.profile import LoadedTemplate, PlacementRule, RuleKind, SliceProfile, SourceFormat
from nfvo.catalog.values import TOPOLOGY, Entity
from nfvo.domain import (
    SLA,
    Domain,
    NetworkFunction,
    Resources,
    SiteRole,
    SliceRequest,
    SliceType,
    VirtualLink,
)

VDU, CP, VL, FP, VNF = (f"tosca.nodes.nfv.{t}" for t in ("VDU", "CP", "VL", "FP", "VNF"))
DEFAULT_BANDWIDTH_MBPS = 10.0
_FLAVORS = {"m1.tiny": (1, 0.5), "m1.small": (1, 2.0), "m1.medium": (2, 4.0), "m1.large": (4, 8.0)}
_FLAVORS["m1.xlarge"] = (8, 16.0)
_UNITS = {"b": 1e-9, "kb": 1e-6, "kib": 2**10 / 1e9, "mb": 1e-3, "mib": 2**20 / 1e9, "gb": 1.0}
_UNITS |= {"gib": 2**30 / 1e9, "tb": 1e3, "tib": 2**40 / 1e9}
_GENERIC_ROLES = frozenset({SiteRole.EDGE, SiteRole.REGIONAL, SiteRole.CORE})


def is_nfv(ctx: MapContext) -> bool:
    """Whether the template is written in the NFV profile (and not in ours)."""
    chains = [ctx.registry.chain("node_types", n.type) for n in ctx.shape.nodes]
    ours = any(any(t.startswith("nfvo.") for t in chain) for chain in chains)
    return not ours and any(any(t.startswith("tosca.nodes.nfv.") for t in chain) for chain in chains)


def _is(ctx: MapContext, node: Entity, base: str) -> bool:
    return any(t == base or t.startswith(base + ".") for t in ctx.registry.chain("node_types", node.type))


def _resolve(value: Any, inputs: Mapping[str, Any]) -> Any:
    if isinstance(value, dict) and len(value) == 1 and "get_input" in value:
        return inputs.get(str(value["get_input"]))
    return value


def gigabytes(text: object) -> float | None:
    """A TOSCA scalar-unit.size ("512 MB", "2 GiB") in GB; None when it is not one."""
    m = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]+)\s*", str(text))
    if not m or m[2].lower() not in _UNITS:
        return None
    return float(m[1]) * _UNITS[m[2].lower()]


def _requirement(node: Entity, *names: str) -> list[str]:
    found: list[str] = []
    for req in node.raw.get("requirements") or []:
        ((name, target),) = req.items()
        target = target.get("node") if isinstance(target, dict) else target
        if name in names and isinstance(target, str):
            found.append(target)
    return found


def _demand(node: Entity, inputs: Mapping[str, Any], notes: list[str]) -> Resources:
    caps = node.raw.get("capabilities") or {}
    for cap in ("nfv_compute", "host"):
        props = (caps.get(cap) or {}).get("properties") if isinstance(caps.get(cap), dict) else None
        if isinstance(props, dict) and ("num_cpus" in props or "mem_size" in props):
            cpus = _resolve(props.get("num_cpus", 1), inputs)
            mem = gigabytes(_resolve(props.get("mem_size", "1 GB"), inputs))
            if isinstance(cpus, int | float) and not isinstance(cpus, bool) and mem is not None:
                return Resources(float(cpus), round(mem, 6))
    flavor = _resolve((node.raw.get("properties") or {}).get("flavor"), inputs)
    if isinstance(flavor, str) and flavor in _FLAVORS:
        cpus, mem = _FLAVORS[flavor]
        return Resources(float(cpus), mem)
    notes.append(f"{node.name}: no num_cpus/mem_size nor known flavor; assumed 1 vCPU and 1 GB")
    return Resources(1.0, 1.0)


def _function(node: Entity, demand: Resources) -> NetworkFunction:
    words = set(re.split(r"[^a-z0-9]+", node.name.lower()))
    for kind in KINDS.values():
        if kind.name.lower() in words and not kind.pinned:
            return NetworkFunction(node.name, kind.name, kind.domain, demand, kind.roles)
    return NetworkFunction(node.name, "VDU", Domain.CORE, demand, _GENERIC_ROLES)


def _report_sol001(ctx: MapContext) -> bool:
    """Report nodes of ETSI SOL001 types (tosca.nodes.nfv.Vdu.Compute, VduCp, VnfVirtualLink,
    ...) that nothing defines; True when there were some. Such a VNFD is not "without VDUs": it
    is in a profile tosca-parser does not ship and the catalog does not map yet."""
    found = False
    for node in ctx.shape.nodes:
        old_profile = any(node.type == t or node.type.startswith(t + ".") for t in (VDU, CP, VL, FP, VNF))
        if old_profile or ctx.registry.knows("node_types", node.type):
            continue
        if node.type.startswith("tosca.nodes.nfv.") and node.name not in ctx.broken:
            found = True
            ctx.broken.add(node.name)
            ctx.sink.add(
                "sol001-type",
                f"node template {node.name!r} has the ETSI NFV SOL001 type {node.type}, which neither "
                "tosca-parser (it ships the older NFV profile) nor the catalog defines",
                (*node.path, "type"),
                at_value=True,
                hint="the catalog maps tosca.nodes.nfv.VDU / CP / VL (docs/catalog.md) and the nfvo "
                "profile; rewrite the VNF's functions in one of them",
            )
    return found


def build_nfv(ctx: MapContext, inputs: Mapping[str, Any], template: str) -> LoadedTemplate | None:
    notes: list[str] = []
    nodes = ctx.shape.nodes
    vdus = {n.name: _function(n, _demand(n, inputs, notes)) for n in nodes if _is(ctx, n, VDU)}
    if not vdus and _report_sol001(ctx):
        return None
    if not vdus:
        ctx.sink.add(
            "no-functions",
            "the NFV template has no VDU: nothing to place",
            (*TOPOLOGY, "node_templates"),
            hint="a slice needs at least one tosca.nodes.nfv.VDU",
        )
        return None
    binding: dict[str, str] = {}  # CP → VDU
    members: dict[str, list[str]] = {n.name: [] for n in nodes if _is(ctx, n, VL)}
    for node in (n for n in nodes if _is(ctx, n, CP)):
        bound = [v for v in _requirement(node, "virtualBinding", "binding") if v in vdus]
        if bound:
            binding[node.name] = bound[0]
            for vl in dict.fromkeys(_requirement(node, "virtualLink", "link")):
                if vl in members and bound[0] not in members[vl]:
                    members[vl].append(bound[0])
    links: list[VirtualLink] = []
    for vl, vdu_names in members.items():
        node = next(n for n in nodes if n.name == vl)
        bandwidth = _resolve((node.raw.get("properties") or {}).get("bandwidth_mbps"), inputs)
        if not isinstance(bandwidth, int | float) or isinstance(bandwidth, bool) or bandwidth <= 0:
            bandwidth = DEFAULT_BANDWIDTH_MBPS
            if len(vdu_names) > 1:
                notes.append(f"{vl}: no bandwidth_mbps; assumed {DEFAULT_BANDWIDTH_MBPS:g} Mbit/s")
        for a, b in itertools.combinations(vdu_names, 2):
            name = vl if len(vdu_names) == 2 else f"{vl}:{a}-{b}"
            links.append(VirtualLink(name, a, b, float(bandwidth)))
    paths = [(n.name, _forwarding_path(ctx, n, binding, vdus)) for n in nodes if _is(ctx, n, FP)]
    for vnf in (n for n in nodes if _is(ctx, n, VNF)):
        notes.append(f"{vnf.name}: a VNF node groups VDUs and is not placed itself")
    rules = _rules(ctx, set(vdus), notes)
    notes.append("an NFV template has no SLA: the slice is eMBB, shared, without latency budgets")
    if not ctx.complete or ctx.sink:
        return None
    request = SliceRequest(
        template, SLA(SliceType.EMBB), tuple(vdus.values()), tuple(links), dict(inputs), tuple(rules)
    )
    profile = SliceProfile(rules=tuple(rules), forwarding_paths=tuple((n, p) for n, p in paths if p))
    return LoadedTemplate(request, profile, tuple(notes), SourceFormat.NFV)


def _forwarding_path(
    ctx: MapContext, node: Entity, binding: Mapping[str, str], vdus: Mapping[str, object]
) -> tuple[str, ...]:
    hops = _requirement(node, "forwarder")
    for i, req in enumerate(node.raw.get("requirements") or []):
        target = next(iter(req.values()))
        target = target.get("node") if isinstance(target, dict) else target
        if "forwarder" in req and target not in binding and target not in vdus:
            ctx.sink.add(
                "unknown-forwarder",
                f"forwarder {target!r} of {node.name!r} is neither a CP bound to a VDU nor a VDU",
                (*node.path, "requirements", i, "forwarder"),
                at_value=True,
            )
    path = (node.raw.get("properties") or {}).get("path")
    if not hops and isinstance(path, list):
        hops = [str(h.get("capability", h.get("forwarder"))) for h in path if isinstance(h, dict)]
    order = [binding.get(h, h) for h in hops]
    return tuple(dict.fromkeys(h for h in order if h in vdus))


def _rules(ctx: MapContext, vdus: set[str], notes: list[str]) -> list[PlacementRule]:
    rules: list[PlacementRule] = []
    for policy in ctx.shape.policies:
        chain = ctx.registry.chain("policy_types", policy.type)
        kind = str((policy.raw.get("properties") or {}).get("policy", "")).lower()
        targets = [t for t in policy.raw.get("targets") or [] if t in vdus]
        placement = any("Placement" in t for t in chain)
        if placement and kind in (RuleKind.AFFINITY.value, RuleKind.ANTI_AFFINITY.value) and len(targets) > 1:
            rules.append(PlacementRule(policy.name, RuleKind(kind), tuple(targets)))
        else:
            notes.append(f"policy {policy.name} ({policy.type}) has no meaning for placement; ignored")
    return rules
