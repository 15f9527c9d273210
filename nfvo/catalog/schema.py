"""The TOSCA types a template can see, and checks of property values against them.

tosca-parser validates values too, but (see NOTES.md) it rejects an integer where a float
is declared, crashes with a bare TypeError when a wrong-typed value meets a constraint, says
nothing about where the value is, and ignores `get_input` in policies. So the catalog checks
the properties of every type it knows (the imported profile and the template's own types)
itself, first: values are coerced (int → float), checked with their position, and a value
that fails is swapped for a valid placeholder in the copy handed to tosca-parser so that the
parser goes on to find the template's other problems instead of stopping at this one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# The sections of a TOSCA file that define types, as tosca-parser names them.
TYPE_SECTIONS = ("node_types", "policy_types", "capability_types", "relationship_types", "data_types")

_NO_DEFAULT = object()


@dataclass(frozen=True)
class PropertyDef:
    name: str
    type: str
    required: bool = True
    default: Any = _NO_DEFAULT
    constraints: tuple[Mapping[str, Any], ...] = ()

    @property
    def has_default(self) -> bool:
        return self.default is not _NO_DEFAULT


class TypeRegistry:
    """Type definitions by section and name, with derived_from chains resolved."""

    def __init__(self) -> None:
        self._defs: dict[str, dict[str, Mapping[str, Any]]] = {s: {} for s in TYPE_SECTIONS}

    def add_file(self, data: Mapping[str, Any]) -> None:
        for section in TYPE_SECTIONS:
            types = data.get(section)
            if isinstance(types, Mapping):
                for name, definition in types.items():
                    if isinstance(definition, Mapping):
                        self._defs[section][str(name)] = definition

    def names(self, section: str) -> set[str]:
        return set(self._defs[section])

    def knows(self, section: str, name: str) -> bool:
        return name in self._defs[section]

    def chain(self, section: str, name: str) -> list[str]:
        """`name` then its ancestors, as far as definitions are known (the normative
        tosca.* types are tosca-parser's business and end the chain)."""
        chain: list[str] = []
        current: object = name
        while isinstance(current, str) and current not in chain:
            chain.append(current)
            definition = self._defs[section].get(current)
            if definition is None:
                break
            current = definition.get("derived_from")
        return chain

    def properties(self, section: str, name: str) -> dict[str, PropertyDef]:
        """Property definitions of a type and its known ancestors (nearest wins)."""
        props: dict[str, PropertyDef] = {}
        for type_name in reversed(self.chain(section, name)):
            raw = (self._defs[section].get(type_name) or {}).get("properties")
            if not isinstance(raw, Mapping):
                continue
            for pname, pdef in raw.items():
                if isinstance(pdef, Mapping) and isinstance(pdef.get("type"), str):
                    constraints = pdef.get("constraints")
                    props[str(pname)] = PropertyDef(
                        name=str(pname),
                        type=pdef["type"],
                        required=pdef.get("required", True) is not False,
                        default=pdef.get("default", _NO_DEFAULT),
                        constraints=tuple(c for c in constraints or () if isinstance(c, Mapping)),
                    )
        return props


# --- values -----------------------------------------------------------------------------

_PRIMITIVES = {"string", "integer", "float", "boolean"}


def coerce(value: Any, type_name: str, *, from_text: bool = False) -> tuple[Any, str | None]:
    """`value` as `type_name` wants it, or an error message.

    Integers become floats where a float is declared (TOSCA's float rejects `1`). With
    `from_text`, numbers and booleans given as text are parsed: values typed on a command
    line arrive as strings. Types other than the primitives are left to tosca-parser.
    """
    if type_name not in _PRIMITIVES:
        return value, None
    if from_text and isinstance(value, str) and type_name != "string":
        value = _parse_text(value, type_name)
    ok = {
        "string": isinstance(value, str),
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "float": isinstance(value, int | float) and not isinstance(value, bool),
        "boolean": isinstance(value, bool),
    }[type_name]
    if not ok:
        article = "an" if type_name == "integer" else "a"
        return value, f"must be {article} {type_name}"
    return (float(value) if type_name == "float" else value), None


def _parse_text(text: str, type_name: str) -> Any:
    lowered = text.strip().lower()
    try:
        if type_name == "integer":
            return int(lowered)
        if type_name == "float":
            return float(lowered)
    except ValueError:
        return text
    return {"true": True, "false": False}.get(lowered, text)


def violated(value: Any, constraints: tuple[Mapping[str, Any], ...]) -> str | None:
    """The first TOSCA constraint `value` breaks, described; None when all hold."""
    for constraint in constraints:
        for op, arg in constraint.items():
            message = _check_one(value, str(op), arg)
            if message:
                return message
    return None


def _check_one(value: Any, op: str, arg: Any) -> str | None:
    try:
        if op == "valid_values" and isinstance(arg, list):
            return None if value in arg else "must be one of " + ", ".join(map(str, arg))
        if op == "equal":
            return None if value == arg else f"must equal {arg!r}"
        if op == "greater_than":
            return None if value > arg else f"must be greater than {arg!r}"
        if op == "greater_or_equal":
            return None if value >= arg else f"must be at least {arg!r}"
        if op == "less_than":
            return None if value < arg else f"must be less than {arg!r}"
        if op == "less_or_equal":
            return None if value <= arg else f"must be at most {arg!r}"
        if op == "in_range" and isinstance(arg, list) and len(arg) == 2:
            return None if arg[0] <= value <= arg[1] else f"must be between {arg[0]!r} and {arg[1]!r}"
        if op in ("length", "min_length", "max_length") and isinstance(value, str | list):
            size = len(value)
            ok = {"length": size == arg, "min_length": size >= arg, "max_length": size <= arg}[op]
            return None if ok else f"{op.replace('_', ' ')} must be {arg!r}"
        if op == "pattern" and isinstance(value, str) and isinstance(arg, str):
            return None if re.fullmatch(arg, value) else f"must match the pattern {arg!r}"
    except (TypeError, re.error):
        return None  # a malformed constraint in a type: tosca-parser reports the type itself
    return None


def placeholder(pdef: PropertyDef) -> tuple[bool, Any]:
    """A value that satisfies `pdef`, to stand in for a rejected one when the rest of the
    template is validated. (False, None) when none can be found (then the property is left
    out, and the parser may add a 'missing property' note)."""
    candidates: list[Any] = []
    if pdef.has_default:
        candidates.append(pdef.default)
    for constraint in pdef.constraints:
        for op, arg in constraint.items():
            if op == "valid_values" and isinstance(arg, list):
                candidates.extend(arg)
            elif op == "in_range" and isinstance(arg, list) and arg:
                candidates.append(arg[0])
            elif op in ("greater_or_equal", "less_or_equal", "equal"):
                candidates.append(arg)
            elif op == "greater_than" and isinstance(arg, int | float):
                candidates.append(arg + 1)
            elif op == "less_than" and isinstance(arg, int | float):
                candidates.append(arg - 1)
    fallbacks: dict[str, list[Any]] = {
        "string": ["x"],
        "integer": [0, 1],
        "float": [0.0, 1.0],
        "boolean": [False],
    }
    candidates += fallbacks.get(pdef.type, [])
    for candidate in candidates:
        value, error = coerce(candidate, pdef.type)
        if error is None and violated(value, pdef.constraints) is None:
            return True, value
    return False, None
