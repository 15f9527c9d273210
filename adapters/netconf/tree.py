"""Reading NETCONF data back: path lookup, XML → JSON-like values, and a readable diff.

XML alone cannot tell a list of one entry from a container, or a leaf-list of one value
from a leaf, so the adapter passes what the module declares: which elements are lists
(with their keys) and which are leaf-lists. Everything else with children is a
container, everything without is a leaf; leaf values stay strings, as on the wire.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass

from lxml import etree

from nfvo.domain import ConfigPath

Json = object


@dataclass(frozen=True)
class Shape:
    namespace: str
    list_keys: Mapping[str, tuple[str, ...]]  # list name → key leaves
    leaf_lists: Collection[str]


def _local(elem: etree._Element) -> str:
    return etree.QName(elem).localname


def lookup(data: etree._Element, path: ConfigPath, shape: Shape) -> list[etree._Element]:
    """The elements of `data` (a <data> element) at `path`; keys must all match."""
    nodes = [data]
    for step in path:
        tag = f"{{{shape.namespace}}}{step.name}"
        nodes = [
            child
            for node in nodes
            for child in node.iterchildren(tag)
            if all(child.findtext(f"{{{shape.namespace}}}{k}") == v for k, v in step.keys)
        ]
    return nodes


def value_at(data: etree._Element, path: ConfigPath, shape: Shape) -> Json:
    """What `read` returns for one path: None when absent."""
    found = lookup(data, path, shape)
    if not found:
        return None
    last = path[-1] if path else None
    if last is not None and last.name in shape.leaf_lists:
        return [e.text or "" for e in found]
    if last is not None and last.name in shape.list_keys and not last.keys:
        return [to_json(e, shape) for e in found]  # every entry of the list
    if len(found) == 1:
        return to_json(found[0], shape)
    return [to_json(e, shape) for e in found]


def to_json(elem: etree._Element, shape: Shape) -> Json:
    children = list(elem.iterchildren(etree.Element))
    if not children:
        if _local(elem) in shape.list_keys:
            return {}
        return elem.text or ""
    out: dict[str, Json] = {}
    for child in children:
        name = _local(child)
        value = to_json(child, shape)
        if name in shape.leaf_lists or name in shape.list_keys:
            items = out.setdefault(name, [])
            assert isinstance(items, list)
            items.append(value)
        elif name in out:  # repeated, and the module did not say it is a list
            previous = out[name]
            out[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            out[name] = value
    return out


def flatten(data: etree._Element, shape: Shape) -> dict[str, str | None]:
    """Every leaf of the module's subtrees in `data`, as {"/path[key=v]/leaf": value}, and
    every list entry as {"/path[key=v]": None}. A leaf-list is one item, values in order."""
    lines: dict[str, str | None] = {}
    for top in data.iterchildren(etree.Element):
        if etree.QName(top).namespace == shape.namespace:
            for path, value in _walk(top, "", shape):
                lines[path] = value
    return lines


def _walk(elem: etree._Element, prefix: str, shape: Shape) -> Iterator[tuple[str, str | None]]:
    name = _local(elem)
    keys = shape.list_keys.get(name, ())
    step = name + "".join(f"[{k}={elem.findtext(f'{{{shape.namespace}}}{k}') or ''}]" for k in keys)
    path = f"{prefix}/{step}"
    leaf_lists: dict[str, list[str]] = {}
    children = list(elem.iterchildren(etree.Element))
    if not children and not keys:
        yield path, elem.text or ""
        return
    if keys:
        yield path, None
    for child in children:
        child_name = _local(child)
        if child_name in keys:
            continue  # already in the path
        if child_name in shape.leaf_lists:
            leaf_lists.setdefault(child_name, []).append(child.text or "")
        else:
            yield from _walk(child, path, shape)
    for child_name, values in leaf_lists.items():
        yield f"{path}/{child_name}", "[" + ", ".join(values) + "]"


def diff(running: Mapping[str, str | None], candidate: Mapping[str, str | None]) -> str:
    """Lines "- path = old" and "+ path = new" ("- path" / "+ path" for list entries),
    sorted by path; empty when both are equal."""
    lines = []
    for path in sorted(set(running) | set(candidate)):
        if path in running and path in candidate and running[path] == candidate[path]:
            continue
        for sign, side in (("-", running), ("+", candidate)):
            if path in side:
                value = side[path]
                lines.append(f"{sign} {path}" if value is None else f"{sign} {path} = {value}")
    return "\n".join(lines)
