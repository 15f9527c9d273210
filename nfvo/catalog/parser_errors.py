"""Turning what tosca-parser collected into diagnostics that point at lines.

tosca-parser's exceptions name templates, properties and values but carry no positions, and
its ValidationError embeds stack traces. Each collected exception is read for the names it
quotes (its message formats are stable across 2.x) and matched against the template's data
to find the path, and so the line, it is about. Messages without a recognised shape keep
their text and get no line rather than a wrong one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from nfvo.catalog.diagnostics import DiagnosticSink, did_you_mean
from nfvo.catalog.schema import TypeRegistry
from nfvo.catalog.values import TOPOLOGY, Shape
from nfvo.catalog.yamlpos import YPath, format_path

_CODES = {
    "UnknownFieldError": "unknown-field",
    "MissingRequiredFieldError": "missing-field",
    "InvalidTypeError": "unknown-type",
    "TypeMismatchError": "type-mismatch",
    "UnknownInputError": "unknown-input",
    "InvalidTemplateVersion": "invalid-version",
    "InvalidGroupTargetException": "unknown-target",
    "KeyError": "unknown-node",
    "ValueError": "invalid-value",
    "ImportError": "invalid-import",
    "URLException": "invalid-import",
}


@dataclass
class _Context:
    data: dict[str, Any]  # the template as the user wrote it
    shape: Shape
    registry: TypeRegistry

    def entity(self, name: str) -> YPath | None:
        for entity in (*self.shape.nodes, *self.shape.policies):
            if entity.name == name:
                return entity.path
        return None

    def find(self, pred: Callable[[YPath, Any], bool]) -> list[YPath]:
        """Paths under topology_template whose (path, value) satisfy `pred`."""
        return [p for p, v in _walk(self.data.get("topology_template"), TOPOLOGY) if pred(p, v)]


def _walk(value: Any, path: YPath, done: set[int] | None = None) -> Iterator[tuple[YPath, Any]]:
    done = set() if done is None else done
    yield path, value
    if isinstance(value, dict | list):
        if id(value) in done:  # shared by YAML aliases: walk it once (see yamlpos._index)
            return
        done.add(id(value))
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _walk(v, (*path, str(k)), done)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _walk(v, (*path, i), done)


def _text(exc: BaseException) -> str:
    # KeyError's str() adds quotes around its argument; the argument is the message.
    text = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
    text = text.strip()
    if type(exc).__name__ == "InvalidGroupTargetException":
        text = text[1:-1]  # its format wraps the whole message in quotes
    # The catalog's hints are more specific than this boilerplate.
    return text.replace(" Refer to the definition to verify valid values.", "")


def _locate(ctx: _Context, message: str) -> tuple[list[YPath], str]:
    """Paths the message is about (possibly several), and a hint."""
    m = re.search(r'"properties" of template "([^"]+)" contains unknown field "([^"]+)"', message)
    if m:
        base = ctx.entity(m[1])
        if base is None:
            return [], ""
        kind = _type_of(ctx, m[1])
        section = "node_types" if "node_templates" in base else "policy_types"
        hint = did_you_mean(m[2], ctx.registry.properties(section, kind)) if kind else ""
        return [(*base, "properties", m[2])], hint
    m = re.search(r'"properties" of template "([^"]+)" is missing required field', message)
    if m and (base := ctx.entity(m[1])) is not None:
        return [(*base, "properties")], "add the property (it has no default)"
    m = re.search(
        r'(?:[Tt]emplate|[Pp]olicy) "([^"]+)" (?:contains unknown|is missing required) field "([^"]+)"',
        message,
    )
    if m and (base := ctx.entity(m[1])) is not None:
        return [(*base, m[2])] if "unknown" in message else [base], ""
    m = re.search(r'^Template contains unknown field "([^"]+)"', message)
    if m:
        return [(m[1],)], ""
    m = re.search(r'^Template is missing required field "([^"]+)"', message)
    if m:
        return [()], f"add {m[1]}: tosca_simple_yaml_1_3 as the first line"
    m = re.search(r'Type "([^"]+)" is not a valid type', message)
    if m:
        wanted = m[1]
        paths = ctx.find(lambda p, v: bool(p) and p[-1] == "type" and v == wanted)
        return paths, unknown_type_hint(wanted, ctx.registry)
    m = re.search(r'Node template "([^"]+)" was not found in "([^"]+)"', message)
    if m and (base := ctx.entity(m[2])) is not None:
        target = m[1]
        paths = [
            p
            for p, v in _walk(ctx.data, ())
            if p[: len(base)] == base and "requirements" in p and v == target
        ]
        return paths or [(*base, "requirements")], did_you_mean(target, (n.name for n in ctx.shape.nodes))
    m = re.search(r'Relationship "([^"]+)" in template "([^"]+)" has a wrong number of occurrences', message)
    if m and (base := ctx.entity(m[2])) is not None:
        return [(*base, "requirements")], f"give the requirement {m[1]!r} exactly as often as its type allows"
    m = re.search(r'Unknown input "([^"]+)"', message)
    if m:
        name = m[1]
        return ctx.find(lambda p, v: bool(p) and p[-1] == "get_input" and v == name), did_you_mean(
            name, ctx.shape.input_defs
        )
    m = re.search(r'Target member "([^"]+)" is not found', message)
    if m:
        member = m[1]
        return ctx.find(lambda p, v: "targets" in p and v == member), ""
    m = re.search(r'The value "([^"]*)" of property "([^"]+)"', message)
    if m:
        value, prop = m[1], m[2]
        return ctx.find(lambda p, v: bool(p) and p[-1] == prop and str(v) == value), ""
    m = re.search(r'^"?([^"]*)" is not an? \w+', message)
    if m:
        value = m[1]
        return ctx.find(lambda p, v: not isinstance(v, dict | list) and str(v) == value), ""
    if "template version" in message:
        return [("tosca_definitions_version",)], ""
    return [], ""


def unknown_type_hint(wanted: str, registry: TypeRegistry) -> str:
    known = registry.names("node_types") | registry.names("policy_types")
    if wanted.endswith(".Tacker") or ".tacker." in wanted:
        return (
            "a type of OpenStack Tacker, which Tacker defines itself: import a local copy of its "
            "definitions (tacker_defs.yaml, tacker_nfv_defs.yaml)"
        )
    if wanted.startswith("nfvo.") and not any(k.startswith("nfvo.") for k in known):
        return "the nfvo profile is not imported: add `imports: [../profile/nfvo-slice-types.yaml]`"
    return did_you_mean(wanted, known)


def _type_of(ctx: _Context, name: str) -> str:
    for entity in (*ctx.shape.nodes, *ctx.shape.policies):
        if entity.name == name:
            return entity.type
    return ""


def report(
    exceptions: list[BaseException],
    data: dict[str, Any],
    shape: Shape,
    registry: TypeRegistry,
    sink: DiagnosticSink,
) -> None:
    """Add a diagnostic for each exception tosca-parser collected, unless the catalog's own
    checks already reported a problem at the same place (theirs are more precise)."""
    ctx = _Context(data, shape, registry)
    ours = sink.paths()
    bad_types = {
        m[1] for e in exceptions if (m := re.search(r'Type "([^"]+)" is not a valid type', _text(e)))
    }
    # An unknown type makes the parser also call each of the template's properties unknown:
    # noise that hides the one real mistake.
    noisy = {e.name for e in (*shape.nodes, *shape.policies) if e.type in bad_types}
    # Without a valid version tosca-parser knows no optional section, so it calls them all
    # unknown: the version is the problem to report.
    bad_version = any(
        type(e).__name__ == "InvalidTemplateVersion" or "tosca_definitions_version" in _text(e)
        for e in exceptions
    )
    for exc in exceptions:
        message = _text(exc)
        m = re.search(r'"properties" of template "([^"]+)" contains unknown field', message)
        if m and m[1] in noisy:
            continue
        if bad_version and message.startswith("Template contains unknown field"):
            continue
        code = _CODES.get(type(exc).__name__, "tosca-" + _kebab(type(exc).__name__))
        paths, hint = _locate(ctx, message)
        for path in paths or [()]:
            if path and format_path(path) in ours:
                continue
            sink.add(
                code,
                message,
                path,
                hint=hint,
                at_value=code in ("invalid-value", "unknown-type", "unknown-node"),
            )


def _kebab(name: str) -> str:
    name = name.removesuffix("Error").removesuffix("Exception")
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower() or "error"
