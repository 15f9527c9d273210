"""Protocol-neutral config edits → NETCONF XML: `<config>` bodies for edit-config and
subtree filters for get-config. Pure functions over lxml, no I/O.

A `ConfigEdit` becomes nested elements following its path, list keys as child leaves
(first, as RFC 7950 §7.8.5 wants). MERGE leaves become children of the last element, a
tuple becoming repeated leaf-list elements; DELETE puts nc:operation="delete" on the
last element. (Not "remove", which would tolerate an absent node: yuma123's netconfd
creates the absent list entry instead. The adapter leaves out deletes of absent nodes.)
Edits that share a prefix share its elements; an edit that would clash
with an earlier one of the same change set (the same leaf set twice, something below a
deleted node, a delete of something just written) starts a new `<config>`, so applying
the configs in order applies the edits in order.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from lxml import etree

from nfvo.domain import ConfigEdit, ConfigPath, EditOp, PathElem, Scalar

BASE_NS = "urn:ietf:params:xml:ns:netconf:base:1.0"
NC_OPERATION = f"{{{BASE_NS}}}operation"
# nc:operation needs a prefix for the base namespace; the module's elements use a default one.
_CONFIG_NSMAP = {"nc": BASE_NS}


def format_scalar(value: Scalar) -> str:
    """A leaf value as XML text: booleans as YANG's true/false, floats without binary
    noise (0.1 + 0.2 → "0.3", 100.0 → "100") and never in exponent notation."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value} cannot be sent as a YANG number")
        # 15 significant digits is what a double holds exactly; the rest is noise.
        text = format(Decimal(format(value, ".15g")), "f")
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text
    return value


def _element(tag: str, parent: etree._Element, namespace: str) -> etree._Element:
    inherited = etree.QName(parent).namespace
    # lxml takes None as the default namespace's prefix; its type stubs do not know that.
    nsmap: Any = {None: namespace} if inherited != namespace else None
    return etree.SubElement(parent, f"{{{namespace}}}{tag}", nsmap=nsmap)


def new_config() -> etree._Element:
    return etree.Element(f"{{{BASE_NS}}}config", nsmap=_CONFIG_NSMAP)


class _Batch:
    """One `<config>` being filled with edits that do not clash."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self.config = new_config()
        self.nodes: dict[ConfigPath, etree._Element] = {}
        self.deleted: set[ConfigPath] = set()
        self.leaves: set[tuple[ConfigPath, str]] = set()

    def accepts(self, edit: ConfigEdit) -> bool:
        path = edit.path
        if any(path[:i] in self.deleted for i in range(1, len(path) + 1)):
            return False
        if edit.op is EditOp.DELETE:
            return (
                not any(p[: len(path)] == path for p in self.nodes)
                and (path[:-1], path[-1].name) not in self.leaves
            )
        return not any(
            (path, name) in self.leaves or (*path, PathElem(name)) in self.deleted for name in edit.leaves
        )

    def node(self, path: ConfigPath) -> etree._Element:
        """The element for `path`, created with its ancestors and key leaves as needed."""
        parent = self.config
        for i, elem in enumerate(path):
            prefix = path[: i + 1]
            found = self.nodes.get(prefix)
            if found is None:
                found = _element(elem.name, parent, self.namespace)
                for key, value in elem.keys:
                    _element(key, found, self.namespace).text = value
                self.nodes[prefix] = found
            parent = found
        return parent

    def add(self, edit: ConfigEdit) -> None:
        path = edit.path
        if not path:
            raise ValueError("an edit needs a non-empty path")
        if edit.op is EditOp.DELETE:
            parent = self.node(path[:-1]) if len(path) > 1 else self.config
            last = path[-1]
            target = _element(last.name, parent, self.namespace)
            target.set(NC_OPERATION, "delete")
            for key, key_value in last.keys:
                _element(key, target, self.namespace).text = key_value
            self.deleted.add(path)
            return
        target = self.node(path)
        keys = dict(path[-1].keys)
        for name, leaf in edit.leaves.items():
            if name in keys:
                if isinstance(leaf, tuple) or format_scalar(leaf) != keys[name]:
                    raise ValueError(f"leaf {name!r} contradicts the key in {path[-1]}")
                continue  # the key is already there, from the path
            values = leaf if isinstance(leaf, tuple) else (leaf,)
            for item in values:
                _element(name, target, self.namespace).text = format_scalar(item)
            self.leaves.add((path, name))


def render(edits: Iterable[ConfigEdit], namespace: str) -> list[etree._Element]:
    """The `<config>` elements that, applied in order, apply `edits` in order."""
    batches: list[_Batch] = []
    for edit in edits:
        if not batches or not batches[-1].accepts(edit):
            batches.append(_Batch(namespace))
        batches[-1].add(edit)
    return [b.config for b in batches]


def leaf_lists(edits: Iterable[ConfigEdit]) -> list[tuple[ConfigPath, str]]:
    """The (entry path, leaf-list name) pairs that MERGE edits set as a whole."""
    found: list[tuple[ConfigPath, str]] = []
    for edit in edits:
        if edit.op is EditOp.MERGE:
            found.extend((edit.path, name) for name, value in edit.leaves.items() if isinstance(value, tuple))
    return found


def render_removals(
    current: Mapping[tuple[ConfigPath, str], Sequence[str]], namespace: str
) -> etree._Element | None:
    """A `<config>` removing the present values of leaf-lists, or None if there are none.

    NETCONF merges leaf-list values into what is there; to replace a leaf-list as a whole
    its old values are removed first (nc:operation="remove" tolerates values that vanished
    meanwhile)."""
    batch = _Batch(namespace)
    for (path, name), values in current.items():
        if not values:
            continue
        target = batch.node(path)
        for value in values:
            old = _element(name, target, namespace)
            old.text = value
            old.set(NC_OPERATION, "remove")
    return batch.config if len(batch.config) else None


def subtree_filter(paths: Iterable[ConfigPath], namespace: str) -> etree._Element | None:
    """A subtree filter selecting every path (None: select everything).

    Intermediate list entries become containment nodes with their keys as content-match
    nodes; the last element of a path selects its whole subtree. A path under another
    selected path adds nothing."""
    ordered = sorted(set(paths), key=len)
    if any(not p for p in ordered):
        return None
    batch = _Batch(namespace)
    selected: list[ConfigPath] = []
    for path in ordered:
        if any(path[: len(s)] == s for s in selected):
            continue
        batch.node(path)
        selected.append(path)
    filt = etree.Element(f"{{{BASE_NS}}}filter", type="subtree")
    filt.extend(list(batch.config))
    return filt
