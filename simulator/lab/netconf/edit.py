"""`<edit-config>` applied to a datastore tree (RFC 6241 §7.2).

Operations merge (the default), replace, create, delete and remove, plus the default
operation "none"; list entries are matched by their key leaves. Every element is checked
against the model as it is applied (unknown element, bad value, missing key); mandatory
leaves are left to validate/commit, so a configuration may be built in several edits.

One simplification, on purpose: a leaf-list given in an edit replaces the whole leaf-list
(RFC 7950 would merge the values in). Entries can still be taken out one by one with
delete/remove on a single value.
"""

from __future__ import annotations

from lxml import etree

from simulator.lab.netconf.errors import BASE_NS, ErrorReport, RpcError, element, rpc_error
from simulator.lab.netconf.schema import (
    LIST_KEYS,
    NS,
    PREFIX,
    ROOT,
    Kind,
    Node,
    canonical_value,
    canonicalize,
    schema_child,
    xpath,
)

OPERATION = f"{{{BASE_NS}}}operation"
OPERATIONS = frozenset({"merge", "replace", "create", "delete", "remove"})
_REMOVING = frozenset({"delete", "remove"})
_REQUEST_PATH = "/nc:rpc/nc:edit-config/nc:config"


def apply_edit(data: etree._Element, config: etree._Element, default_operation: str = "merge") -> None:
    """Apply the children of `config` to the datastore tree `data`, in place.

    Not atomic by itself: the caller applies the edit to a copy and keeps it only if no
    error was raised (which is the :rollback-on-error behaviour)."""
    _Editor(config).children(data, config, ROOT, default_operation)
    canonicalize(data)


class _Editor:
    def __init__(self, config: etree._Element) -> None:
        self.config = config

    def path(self, elem: etree._Element) -> str:
        return xpath(elem, self.config, _REQUEST_PATH)

    def operation(self, elem: etree._Element, inherited: str) -> str:
        op = elem.get(OPERATION)
        if op is None:
            return inherited
        if op not in OPERATIONS:
            raise rpc_error(
                "bad-attribute",
                f"unknown operation {op!r}",
                error_type="protocol",
                path=self.path(elem),
                info=(("bad-attribute", "operation"), ("bad-element", etree.QName(elem).localname)),
            )
        return op

    def children(self, data: etree._Element, edit: etree._Element, node: Node, op: str) -> None:
        """Apply the children of `edit` to `data`, both instances of `node`."""
        leaf_lists: dict[str, tuple[Node, list[etree._Element]]] = {}
        for child in edit.iterchildren(etree.Element):
            sub = schema_child(node, child, self.config, _REQUEST_PATH)
            if sub.kind is Kind.LEAF_LIST:
                leaf_lists.setdefault(sub.name, (sub, []))[1].append(child)
            elif sub.name not in node.keys:  # keys name the entry; they were used to find it
                self.apply(data, child, sub, self.operation(child, op))
        for sub, elems in leaf_lists.values():
            self.leaf_list(data, elems, sub, op)

    def value(self, elem: etree._Element, node: Node) -> str:
        if len(elem):
            raise rpc_error(
                "invalid-value", f"{node.name!r} is a leaf, not a container", path=self.path(elem)
            )
        try:
            return canonical_value(node, elem.text or "")
        except ValueError as exc:
            raise RpcError(
                ErrorReport(
                    "invalid-value",
                    f"bad value of {node.name!r}: {exc}",
                    path=self.path(elem),
                    info=(("bad-element", node.name),),
                )
            ) from None

    def apply(self, parent: etree._Element, edit: etree._Element, node: Node, op: str) -> None:
        if node.kind is Kind.LEAF:
            existing = parent.find(node.tag)
        elif node.kind is Kind.LIST:
            existing = find_entry(parent, node, self.keys(edit, node))
        else:
            existing = parent.find(node.tag)
        if op in _REMOVING:
            if existing is not None:
                parent.remove(existing)
            elif op == "delete":
                raise rpc_error("data-missing", f"{node.name!r} does not exist", path=self.path(edit))
            return
        if op == "create" and existing is not None:
            raise rpc_error("data-exists", f"{node.name!r} already exists", path=self.path(edit))
        if node.kind is Kind.LEAF:
            value = self.value(edit, node)
            if op == "none":
                return
            target = existing if existing is not None else element(node.tag, NS, parent)
            target.text = value
            return
        created = existing is None or op == "replace"
        if created:
            fresh = element(node.tag, NS, parent)
            for key in node.keys:
                element(f"{{{NS}}}{key}", NS, fresh).text = edit.findtext(f"{{{NS}}}{key}")
            if existing is not None:
                existing.addprevious(fresh)  # a replaced entry keeps its place
                parent.remove(existing)
            existing = fresh
        assert existing is not None
        self.children(existing, edit, node, op)
        if op == "none" and created and len(existing) == len(node.keys):
            # "none" only descends: it creates no node that nothing below it filled.
            parent.remove(existing)

    def keys(self, edit: etree._Element, node: Node) -> tuple[str, ...]:
        values = []
        for key in node.keys:
            found = edit.findall(f"{{{NS}}}{key}")
            if len(found) != 1:
                problem = "lacks its key" if not found else "repeats its key"
                raise rpc_error(
                    "missing-element" if not found else "invalid-value",
                    f"list entry {node.name!r} {problem} {key!r}",
                    path=self.path(edit),
                    info=(("bad-element", key),),
                )
            values.append(found[0].text or "")
        return tuple(values)

    def leaf_list(
        self, parent: etree._Element, elems: list[etree._Element], node: Node, inherited: str
    ) -> None:
        given: list[str] = []
        removals: list[tuple[etree._Element, str, str]] = []
        for elem in elems:
            op = self.operation(elem, inherited)
            value = self.value(elem, node)
            if op in _REMOVING:
                removals.append((elem, op, value))
            elif op == "none":
                continue
            elif value in given:
                raise rpc_error(
                    "invalid-value", f"{node.name!r} value {value!r} given twice", path=self.path(elem)
                )
            else:
                given.append(value)
        if given:
            for old in parent.findall(node.tag):
                parent.remove(old)
            for value in given:
                element(node.tag, NS, parent).text = value
        for elem, op, value in removals:
            match = next((e for e in parent.iterchildren(node.tag) if e.text == value), None)
            if match is not None:
                parent.remove(match)
            elif op == "delete":
                raise rpc_error("data-missing", f"{node.name!r} has no value {value!r}", path=self.path(elem))


def find_entry(parent: etree._Element, node: Node, keys: tuple[str, ...]) -> etree._Element | None:
    for entry in parent.iterchildren(node.tag):
        if tuple(entry.findtext(f"{{{NS}}}{k}") for k in node.keys) == keys:
            return entry
    return None


def leave_one_out(new: etree._Element, old: etree._Element) -> None:
    """Take from `new` the last leaf (in document order) whose value `old` does not hold
    at the same place: what a controller that "applied only part" of a commit keeps.
    Key leaves stay, so every entry remains addressable."""
    for leaf in reversed([e for e in new.iter(etree.Element) if len(e) == 0 and e is not new]):
        parent = leaf.getparent()
        assert parent is not None
        name = etree.QName(leaf).localname
        if name in LIST_KEYS.get(etree.QName(parent).localname, ()):
            continue
        where = "." + xpath(leaf, new)
        found = old.xpath(where, namespaces={PREFIX: NS})
        held = [e.text for e in found if isinstance(e, etree._Element)] if isinstance(found, list) else []
        if leaf.text not in held:
            parent.remove(leaf)
            return
