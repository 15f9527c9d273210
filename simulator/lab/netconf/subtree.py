"""Subtree filtering for `<get>` / `<get-config>` (RFC 6241 §6).

Supported: containment nodes, selection nodes (empty elements) and content-match nodes
(leaves with text), at any depth; a filter element without a namespace matches any
namespace. Attribute matching is not supported (our module has no attributes).
"""

from __future__ import annotations

from copy import deepcopy

from lxml import etree

from simulator.lab.netconf.errors import element, qn


def select(data: etree._Element, subtree: etree._Element | None) -> etree._Element:
    """A new `<data>` element with what of the datastore tree `data` the filter selects
    (everything when `subtree` is None)."""
    out = element(qn("data"))
    if subtree is None:
        out.extend(deepcopy(child) for child in data.iterchildren(etree.Element))
        return out
    for child in _filter_children(data, list(subtree.iterchildren(etree.Element))):
        out.append(child)
    return out


def _same_name(data: etree._Element, filt: etree._Element) -> bool:
    d, f = etree.QName(data), etree.QName(filt)
    return d.localname == f.localname and (f.namespace is None or f.namespace == d.namespace)


def _is_content_match(filt: etree._Element) -> bool:
    return len(filt) == 0 and bool((filt.text or "").strip())


def _filter_children(parent: etree._Element, filters: list[etree._Element]) -> list[etree._Element]:
    """The filtered copies of `parent`'s children, in document order."""
    out = []
    for child in parent.iterchildren(etree.Element):
        for filt in filters:
            if not _same_name(child, filt):
                continue
            if _is_content_match(filt):
                # A content-match node at this level is also selected when it matches.
                if (child.text or "").strip() == (filt.text or "").strip():
                    out.append(deepcopy(child))
                    break
                continue
            kept = _match(child, filt)
            if kept is not None:
                out.append(kept)
                break
    return out


def _match(data: etree._Element, filt: etree._Element) -> etree._Element | None:
    subfilters = list(filt.iterchildren(etree.Element))
    if not subfilters:
        return deepcopy(data)  # a selection node: the whole subtree
    content = [f for f in subfilters if _is_content_match(f)]
    for f in content:
        if not any(
            _same_name(c, f) and (c.text or "").strip() == (f.text or "").strip()
            for c in data.iterchildren(etree.Element)
        ):
            return None  # a content match failed: this instance is not selected
    others = [f for f in subfilters if not _is_content_match(f)]
    if not others:
        return deepcopy(data)  # only content matches, all matched: the whole instance
    kept = _filter_children(data, subfilters)
    if not kept:
        return None  # containment with nothing below it that matched
    copy = element(data.tag, etree.QName(data).namespace or "")
    copy.extend(kept)
    return copy
