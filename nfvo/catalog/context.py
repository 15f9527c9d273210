"""State shared by the steps that turn a checked template into a request (mapping.py,
sla.py, budgets.py, policies.py): the template, the sink, and what is known to be broken."""

from __future__ import annotations

from dataclasses import dataclass, field

from nfvo.catalog.diagnostics import DiagnosticSink, did_you_mean
from nfvo.catalog.schema import TypeRegistry
from nfvo.catalog.values import Entity, Shape
from nfvo.catalog.yamlpos import YPath


@dataclass
class MapContext:
    shape: Shape
    registry: TypeRegistry
    sink: DiagnosticSink
    complete: bool = True  # False when a value the request needs is missing or wrong
    # Nodes already reported as broken (unknown or abstract type): references to them are
    # not reported again, which would bury the one real mistake under its echoes.
    broken: set[str] = field(default_factory=set)

    def policies(self, type_name: str) -> list[Entity]:
        """The policies whose type is `type_name` or derives from it."""
        return [p for p in self.shape.policies if type_name in self.registry.chain("policy_types", p.type)]

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

    def function_names(
        self, names: object, path: YPath, functions: set[str], what: str
    ) -> tuple[str, ...] | None:
        """`names` (a policy's targets or chain) checked to be functions of the slice;
        None when one is not (reported)."""
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            self.complete = False  # wrong shape: tosca-parser reports it
            return None
        ok = True
        for i, name in enumerate(names):
            if name in functions or name in self.broken:
                ok = ok and name in functions
                continue
            ok = False
            self.sink.add(
                "unknown-function",
                f"{what} names {name!r}, not a network function of this slice",
                (*path, i),
                at_value=True,
                hint=did_you_mean(name, functions),
            )
        if not ok:
            self.complete = False
            return None
        return tuple(names)
