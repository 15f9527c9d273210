"""The data model the emulator accepts: models/yang/nfvo-transport.yang, written out by hand.

Deliberately small and explicit (node kinds, list keys, mandatory leaves, decimal64
ranges), so that a later change can derive it from the YANG module with a real YANG
library without touching the datastore code: everything else asks this module what an
element is, and nothing else knows the module's shape. A test reads the YANG module with
pyang and fails if this copy and the module ever differ
(tests/lab/test_netconf_schema_matches_yang.py).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Final

from lxml import etree

from simulator.lab.netconf.errors import BASE_NS, ErrorReport, RpcError

NS: Final = "urn:nfvo-slices:transport"
PREFIX: Final = "nt"
MODULE: Final = "nfvo-transport"
REVISION: Final = "2026-11-23"
# Prefixes used in error paths: the base protocol's and our module's.
PATH_NS: Final = {"nc": BASE_NS, PREFIX: NS}

# list name → its key leaves, in the order of the YANG `key` statement.
LIST_KEYS: Final[dict[str, tuple[str, ...]]] = {"slice": ("name",), "vlink": ("id",)}


class Kind(enum.Enum):
    CONTAINER = "container"
    LIST = "list"
    LEAF = "leaf"
    LEAF_LIST = "leaf-list"


@dataclass(frozen=True)
class Decimal64:
    fraction_digits: int
    minimum: Decimal | None = None


@dataclass(frozen=True)
class Node:
    name: str
    kind: Kind
    children: tuple[Node, ...] = ()
    mandatory: bool = False
    decimal: Decimal64 | None = None  # None: a string

    @property
    def tag(self) -> str:
        return f"{{{NS}}}{self.name}"

    @property
    def keys(self) -> tuple[str, ...]:
        return LIST_KEYS.get(self.name, ()) if self.kind is Kind.LIST else ()

    def child(self, name: str) -> Node | None:
        return next((c for c in self.children if c.name == name), None)

    def order(self, name: str) -> int:
        """Where a child goes: keys first (RFC 7950 §7.8.5), then in schema order."""
        if name in self.keys:
            return self.keys.index(name)
        index = next((i for i, c in enumerate(self.children) if c.name == name), len(self.children))
        return len(self.keys) + index


def _leaf(name: str, *, mandatory: bool = False, decimal: Decimal64 | None = None) -> Node:
    return Node(name, Kind.LEAF, mandatory=mandatory, decimal=decimal)


_VLINK = Node(
    "vlink",
    Kind.LIST,
    (
        _leaf("id"),
        _leaf("src-site", mandatory=True),
        _leaf("dst-site", mandatory=True),
        _leaf("bandwidth-mbps", mandatory=True, decimal=Decimal64(3, minimum=Decimal(0))),
        _leaf("latency-ms", decimal=Decimal64(3)),
        Node("hop", Kind.LEAF_LIST),
    ),
)
_SLICE = Node("slice", Kind.LIST, (_leaf("name"), _leaf("slice-type"), _leaf("description"), _VLINK))
# The datastore itself: its children are the top-level nodes of every module served.
ROOT: Final = Node("", Kind.CONTAINER, (Node("slices", Kind.CONTAINER, (_SLICE,)),))

_DECIMAL = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")
_INT64 = 2**63


def canonical_value(node: Node, text: str) -> str:
    """The canonical form of a leaf value (RFC 7950 §9.3.2), or ValueError saying why not."""
    if node.decimal is None:
        return text
    spec = node.decimal
    lexical = text.strip()
    if not _DECIMAL.fullmatch(lexical):
        raise ValueError(f"{lexical!r} is not a decimal number")
    try:
        value = Decimal(lexical)
    except InvalidOperation as exc:  # pragma: no cover - the regex admits only valid numbers
        raise ValueError(f"{lexical!r} is not a decimal number") from exc
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > spec.fraction_digits:
        raise ValueError(f"{lexical} has more than {spec.fraction_digits} fraction digits")
    if abs(value.scaleb(spec.fraction_digits)) >= _INT64:
        raise ValueError(f"{lexical} is outside the decimal64 range")
    if spec.minimum is not None and value < spec.minimum:
        raise ValueError(f"{lexical} is below the minimum {spec.minimum}")
    # At least one digit on each side of the point, no other leading or trailing zeros.
    body = format(abs(value).normalize(), "f")
    if "." not in body:
        body += ".0"
    return ("-" if value < 0 else "") + body


def xpath(elem: etree._Element, stop: etree._Element, prefix: str = "") -> str:
    """An XPath for `elem` below `stop` (exclusive), with list keys as predicates."""
    if elem is stop:
        return prefix or "/"
    chain: list[etree._Element] = []
    node: etree._Element | None = elem
    while node is not None and node is not stop:
        chain.append(node)
        node = node.getparent()
    schema: Node | None = ROOT
    steps = []
    for e in reversed(chain):
        qname = etree.QName(e)
        schema = schema.child(qname.localname) if schema is not None and qname.namespace == NS else None
        step = f"{PREFIX}:{qname.localname}" if qname.namespace == NS else qname.localname
        for key in schema.keys if schema is not None else ():
            value = e.findtext(f"{{{NS}}}{key}")
            if value is not None:
                quote = "'" if "'" not in value else '"'
                step += f"[{PREFIX}:{key}={quote}{value}{quote}]"
        steps.append(step)
    return prefix + "/" + "/".join(steps)


def schema_child(parent: Node, elem: etree._Element, stop: etree._Element, prefix: str) -> Node:
    """The schema node of `elem` (a child of an instance of `parent`), or the RFC's error."""
    qname = etree.QName(elem)
    parent_elem = elem.getparent()
    # Paths are built only for errors: building one per element made validation of a
    # datastore with a few hundred entries cost tens of milliseconds per commit.
    where = partial(xpath, parent_elem if parent_elem is not None else stop, stop, prefix)
    if qname.namespace != NS:
        raise RpcError(
            ErrorReport(
                "unknown-namespace",
                f"unknown namespace {qname.namespace!r} of element {qname.localname!r}",
                "protocol",
                where(),
                (("bad-element", qname.localname), ("bad-namespace", qname.namespace or "")),
            )
        )
    node = parent.child(qname.localname)
    if node is None:
        owner = f"in {parent.name!r}" if parent.name else "at the top level"
        raise RpcError(
            ErrorReport(
                "unknown-element",
                f"unknown element {qname.localname!r} {owner} of module {MODULE}",
                "application",
                where(),
                (("bad-element", qname.localname),),
            )
        )
    return node


def validate(tree: etree._Element, prefix: str = "") -> None:
    """Check a whole data tree (the children of `tree`) against the model: every element
    known, every value well-typed, every list entry keyed and unique, every mandatory leaf
    present. Raises one RpcError listing every problem found."""
    reports: list[ErrorReport] = []
    _check(tree, ROOT, tree, prefix, reports)
    if reports:
        raise RpcError(*reports)


def _check(
    elem: etree._Element, node: Node, stop: etree._Element, prefix: str, out: list[ErrorReport]
) -> None:
    seen: dict[str, set[tuple[str, ...]]] = {}
    leaves: set[str] = set()
    for child in elem.iterchildren(etree.Element):
        try:
            sub = schema_child(node, child, stop, prefix)
        except RpcError as exc:
            out.extend(exc.reports)
            continue
        path = partial(xpath, child, stop, prefix)  # only errors need it
        if sub.kind in (Kind.LEAF, Kind.LEAF_LIST):
            if sub.kind is Kind.LEAF and sub.name in leaves:
                out.append(ErrorReport("invalid-value", f"leaf {sub.name!r} is given twice", path=path()))
            leaves.add(sub.name)
            if len(child):
                out.append(
                    ErrorReport("invalid-value", f"{sub.name!r} is a leaf, not a container", path=path())
                )
                continue
            try:
                canonical_value(sub, child.text or "")
            except ValueError as exc:
                out.append(ErrorReport("invalid-value", f"bad value of {sub.name!r}: {exc}", path=path()))
            continue
        if sub.kind is Kind.LIST:
            key = tuple(child.findtext(f"{{{NS}}}{k}") or "" for k in sub.keys)
            missing = [k for k in sub.keys if child.find(f"{{{NS}}}{k}") is None]
            if missing:
                out.append(
                    ErrorReport(
                        "missing-element",
                        f"list entry {sub.name!r} lacks its key {missing[0]!r}",
                        path=path(),
                        info=(("bad-element", missing[0]),),
                    )
                )
            elif key in seen.setdefault(sub.name, set()):
                out.append(
                    ErrorReport(
                        "operation-failed",
                        f"duplicate {sub.name!r} entry",
                        path=path(),
                        app_tag="data-not-unique",
                    )
                )
            seen[sub.name].add(key)
        _mandatory(child, sub, path, out)
        _check(child, sub, stop, prefix, out)


def _mandatory(elem: etree._Element, node: Node, path: Callable[[], str], out: list[ErrorReport]) -> None:
    for leaf in node.children:
        if leaf.mandatory and elem.find(leaf.tag) is None:
            out.append(
                ErrorReport(
                    "data-missing",
                    f"mandatory leaf {leaf.name!r} is missing",
                    path=f"{path()}/{PREFIX}:{leaf.name}",
                    app_tag="instance-required",
                )
            )


def canonicalize(elem: etree._Element, node: Node = ROOT) -> None:
    """Order children as the schema does (entries of a list keep their order) and drop
    empty non-presence containers, so equal configurations serialise equally."""
    children = list(elem.iterchildren(etree.Element))
    for child in children:
        sub = node.child(etree.QName(child).localname)
        if sub is None or sub.kind in (Kind.LEAF, Kind.LEAF_LIST):
            continue
        canonicalize(child, sub)
        if sub.kind is Kind.CONTAINER and len(child) == 0:
            elem.remove(child)
    kept = list(elem.iterchildren(etree.Element))
    kept.sort(key=lambda c: node.order(etree.QName(c).localname))
    for child in kept:
        elem.append(child)  # appending an existing child moves it to the end
