"""The template's shape, its inputs, and its property values, checked before tosca-parser runs.

Works on the *working copy* of the template (the dict later handed to tosca-parser): values
are coerced in place (int → float) and rejected ones replaced (see schema.py), while the
effective value of every property — default applied, `get_input` resolved — is recorded for
the mapping to a SliceRequest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from nfvo.catalog.diagnostics import DiagnosticSink, describe, did_you_mean
from nfvo.catalog.schema import PropertyDef, TypeRegistry, coerce, placeholder, violated
from nfvo.catalog.yamlpos import YPath

TOPOLOGY: YPath = ("topology_template",)


@dataclass
class Entity:
    """A node template or a policy, as far as the catalog needs it."""

    name: str
    type: str
    path: YPath  # to the entity's own mapping
    raw: dict[str, Any]  # that mapping, in the working copy
    props: dict[str, Any] = field(default_factory=dict)  # effective values that passed checks


@dataclass
class Shape:
    nodes: list[Entity] = field(default_factory=list)
    policies: list[Entity] = field(default_factory=list)
    input_defs: dict[str, dict[str, Any]] = field(default_factory=dict)
    ok: bool = True  # False: too malformed for tosca-parser (it would crash on it)


def check_shape(work: dict[str, Any], sink: DiagnosticSink) -> Shape:
    """Check the structure tosca-parser assumes without checking (it raises bare
    AttributeErrors on, e.g., a node template that is a string)."""
    shape = Shape()
    before = len(sink)
    topo = work.get("topology_template")
    if not isinstance(topo, dict):
        what = "lacks" if topo is None else "has a malformed"
        sink.add("missing-field", f"the template {what} 'topology_template' mapping", TOPOLOGY)
        shape.ok = False
        return shape
    inputs = topo.get("inputs") or {}
    if not isinstance(inputs, dict):
        sink.add("wrong-type", "inputs must be a mapping", (*TOPOLOGY, "inputs"), at_value=True)
    else:
        for name, definition in inputs.items():
            if isinstance(definition, dict) and isinstance(definition.get("type", "string"), str):
                shape.input_defs[str(name)] = definition
            else:
                sink.add(
                    "wrong-type",
                    f"input {name!r} must be a mapping with a type",
                    (*TOPOLOGY, "inputs", str(name)),
                )
    nodes = topo.get("node_templates")
    if not isinstance(nodes, dict) or not nodes:
        sink.add(
            "missing-field", "the topology_template has no node_templates", (*TOPOLOGY, "node_templates")
        )
    else:
        for name, body in nodes.items():
            entity = _entity(str(name), body, (*TOPOLOGY, "node_templates", str(name)), sink, "node template")
            if entity is not None:
                _check_requirements(entity, sink)
                shape.nodes.append(entity)
    policies = topo.get("policies") or []
    if not isinstance(policies, list):
        sink.add(
            "wrong-type",
            "policies must be a list of {name: definition}",
            (*TOPOLOGY, "policies"),
            at_value=True,
        )
    else:
        for i, item in enumerate(policies):
            path = (*TOPOLOGY, "policies", i)
            if not isinstance(item, dict) or len(item) != 1:
                sink.add(
                    "wrong-type", "each policy must be a single {name: definition} entry", path, at_value=True
                )
                continue
            ((name, body),) = item.items()
            entity = _entity(str(name), body, (*path, str(name)), sink, "policy")
            if entity is not None:
                shape.policies.append(entity)
    shape.ok = len(sink) == before
    return shape


def _entity(name: str, body: object, path: YPath, sink: DiagnosticSink, what: str) -> Entity | None:
    if not isinstance(body, dict):
        sink.add(
            "wrong-type", f"{what} {name!r} must be a mapping, got {describe(body)}", path, at_value=True
        )
        return None
    kind = body.get("type")
    if not isinstance(kind, str):
        sink.add("missing-field", f"{what} {name!r} lacks its type", path)
        return None
    props = body.get("properties")
    if props is None and "properties" in body:
        body["properties"] = props = {}  # `properties:` left empty means none
    if props is not None and not isinstance(props, dict):
        sink.add(
            "wrong-type", f"properties of {name!r} must be a mapping", (*path, "properties"), at_value=True
        )
        return None
    return Entity(name, kind, path, body)


def _check_requirements(entity: Entity, sink: DiagnosticSink) -> None:
    reqs = entity.raw.get("requirements")
    if reqs is None:
        return
    path = (*entity.path, "requirements")
    if not isinstance(reqs, list) or not all(isinstance(r, dict) and len(r) == 1 for r in reqs):
        sink.add(
            "wrong-type",
            f"requirements of {entity.name!r} must be a list of {{name: target}}",
            path,
            at_value=True,
        )


# --- inputs -----------------------------------------------------------------------------


def resolve_inputs(
    shape: Shape, given: Mapping[str, object], sink: DiagnosticSink
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(every input's value, the caller's valid inputs for tosca-parser's parsed_params)."""
    resolved: dict[str, Any] = {}
    params: dict[str, Any] = {}
    for name in given:
        if name not in shape.input_defs:
            sink.add(
                "unknown-input",
                f"the template has no input named {name!r}",
                ("inputs", name),
                placed=False,
                hint=did_you_mean(name, shape.input_defs),
            )
    for name, definition in shape.input_defs.items():
        type_name = str(definition.get("type", "string"))
        constraints = tuple(c for c in definition.get("constraints") or () if isinstance(c, Mapping))
        path = (*TOPOLOGY, "inputs", name)
        if name in given:
            # Values typed on a command line arrive as text: parse them for numeric inputs.
            value, error = coerce(given[name], type_name, from_text=True)
            error = error or violated(value, constraints)
            if error:
                sink.add(
                    "invalid-input",
                    f"input {name!r} {error}, got {describe(given[name])}",
                    ("inputs", name),
                    placed=False,
                )
                continue
            resolved[name] = params[name] = value
        elif "default" in definition:
            value, error = coerce(definition["default"], type_name)
            error = error or violated(value, constraints)
            if error:
                sink.add(
                    "invalid-value",
                    f"default of input {name!r} {error}, got {describe(definition['default'])}",
                    (*path, "default"),
                    at_value=True,
                )
                continue
            definition["default"] = resolved[name] = value
        elif definition.get("required", True) is not False:
            sink.add(
                "missing-input",
                f"input {name!r} has no default and was not given",
                path,
                hint=f"pass a value for {name!r}",
            )
    return resolved, params


# --- properties -------------------------------------------------------------------------


def check_properties(
    entity: Entity, defs: Mapping[str, PropertyDef], inputs: Mapping[str, Any], sink: DiagnosticSink
) -> None:
    """Check `entity`'s property values against `defs`; fill `entity.props`."""
    props: dict[str, Any] = entity.raw.get("properties") or {}
    for pname, pdef in defs.items():
        if pname not in props:
            if pdef.has_default:
                value, error = coerce(pdef.default, pdef.type)
                if error is None:
                    entity.props[pname] = value
            continue  # a missing required property is reported by tosca-parser
        path = (*entity.path, "properties", pname)
        written = props[pname]
        origin = ""
        actual = written
        if isinstance(written, dict):
            if pdef.type not in ("string", "integer", "float", "boolean"):
                continue  # a structured value (map, list, data type): tosca-parser's job
            fn = written.get("get_input") if len(written) == 1 else None
            if not isinstance(fn, str):
                sink.add(
                    "unsupported-function",
                    f"property {pname!r} of {entity.name!r}: only {{get_input: <name>}} is supported here",
                    path,
                    at_value=True,
                )
                _replace(props, pdef)
                continue
            if fn not in inputs:
                continue  # unknown input (tosca-parser reports it) or missing (reported already)
            actual = inputs[fn]
            origin = f" (from input {fn!r})"
        value, error = coerce(actual, pdef.type)
        code = "wrong-type"
        if error is None and (broken := violated(value, pdef.constraints)):
            code, error = "constraint-violated", broken
        if error:
            sink.add(
                code,
                f"{pname} of {entity.name!r} {error}, got {describe(actual)}{origin}",
                path,
                at_value=True,
            )
            _replace(props, pdef)
            continue
        if not origin:
            props[pname] = value  # e.g. 4 → 4.0 for a float, so that tosca-parser accepts it
        entity.props[pname] = value


def _replace(props: dict[str, Any], pdef: PropertyDef) -> None:
    found, value = placeholder(pdef)
    if found:
        props[pdef.name] = value
    else:
        del props[pdef.name]


def check_all_properties(
    shape: Shape, registry: TypeRegistry, inputs: Mapping[str, Any], sink: DiagnosticSink
) -> None:
    for node in shape.nodes:
        check_properties(node, registry.properties("node_types", node.type), inputs, sink)
    for policy in shape.policies:
        check_properties(policy, registry.properties("policy_types", policy.type), inputs, sink)
