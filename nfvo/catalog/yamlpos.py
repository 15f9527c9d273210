"""YAML loading that remembers where every key and value came from.

tosca-parser reports problems by template and property name only; PyYAML's composed nodes
carry line and column marks. Loading through `parse_yaml` gives both the plain data and a
`Positions` index from a data path (``("topology_template", "node_templates", "upf")``)
to its place in the text, so every diagnostic can point at a line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from nfvo.domain import Diagnostic

# libyaml's parser builds the same marked nodes ~10x faster than the pure-Python one.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# A path into the loaded data: mapping keys (as text) and sequence indexes.
YPath = tuple[str | int, ...]


def format_path(path: YPath) -> str:
    """``("substrate", "links", 3, "latency_ms")`` → ``substrate.links[3].latency_ms``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


@dataclass(frozen=True)
class Mark:
    line: int  # 1-based, as editors count
    column: int  # 1-based


@dataclass
class Positions:
    """Where each path's key (for mapping entries) and value start in the text."""

    keys: dict[YPath, Mark] = field(default_factory=dict)
    values: dict[YPath, Mark] = field(default_factory=dict)

    def locate(self, path: YPath, *, value: bool = False) -> Mark | None:
        """The mark of `path` (its value's when `value`), else of its nearest ancestor.

        Falling back to an ancestor matters for missing fields: they have no position of
        their own, but the mapping that lacks them does.
        """
        probe = tuple(_norm(p) for p in path)
        while True:
            first, second = (self.values, self.keys) if value else (self.keys, self.values)
            mark = first.get(probe) or second.get(probe)
            if mark is not None or not probe:
                return mark
            probe = probe[:-1]


def _norm(part: str | int) -> str | int:
    return part if isinstance(part, int) else str(part)


def _mark(node: yaml.Node) -> Mark:
    return Mark(node.start_mark.line + 1, node.start_mark.column + 1)


def _index(
    node: yaml.Node, path: YPath, pos: Positions, dups: list[tuple[YPath, Mark]], done: set[int]
) -> None:
    pos.values.setdefault(path, _mark(node))
    if isinstance(node, yaml.CollectionNode):
        # An alias shares its anchor's node: index it once. Following every alias would let
        # a "billion laughs" upload (aliases of aliases) run exponentially long.
        if id(node) in done:
            return
        done.add(id(node))
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue  # complex keys never occur in our formats; tosca-parser rejects them
            key = str(key_node.value)
            child = (*path, key)
            if key in seen:
                # PyYAML silently keeps the last of duplicate keys; a typo'd copy-paste
                # would then lose data without a word, so it is reported.
                dups.append((child, _mark(key_node)))
            seen.add(key)
            pos.keys[child] = _mark(key_node)
            pos.values[child] = _mark(value_node)
            _index(value_node, child, pos, dups, done)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index(item, (*path, i), pos, dups, done)


def parse_yaml(text: str, file: str) -> tuple[Any, Positions, list[Diagnostic]]:
    """Load one YAML document. On a syntax error the data is None and the diagnostic says
    where; duplicate keys are reported but the data is still returned."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or "invalid YAML"
        context = f" ({exc.context})" if exc.context else ""
        return (
            None,
            Positions(),
            [
                Diagnostic(
                    code="yaml-syntax",
                    message=f"YAML syntax error: {problem}{context}",
                    file=file,
                    line=mark.line + 1 if mark else None,
                    column=mark.column + 1 if mark else None,
                    hint="check indentation, colons and quoting around the marked position",
                )
            ],
        )
    except yaml.YAMLError as exc:  # errors without a mark (e.g. bad encoding)
        return None, Positions(), [Diagnostic(code="yaml-syntax", message=f"YAML error: {exc}", file=file)]
    finally:
        loader.dispose()
    pos = Positions()
    dups: list[tuple[YPath, Mark]] = []
    if node is not None:
        _index(node, (), pos, dups, set())
    diags = [
        Diagnostic(
            code="duplicate-key",
            message=f"key {path[-1]!r} appears more than once; only the last one would count",
            path=format_path(path),
            file=file,
            line=mark.line,
            column=mark.column,
            hint="remove or rename one of the duplicates",
        )
        for path, mark in dups
    ]
    return data, pos, diags
