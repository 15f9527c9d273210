"""`<rpc-error>` as an exception: handlers raise it, the session renders it (RFC 6241 §4.3).

One `RpcError` may carry several error reports, so that validation can tell every missing
mandatory leaf at once, as real servers do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lxml import etree

BASE_NS = "urn:ietf:params:xml:ns:netconf:base:1.0"
_Q = "{" + BASE_NS + "}"


def qn(name: str) -> str:
    """The qualified name of a NETCONF base element."""
    return _Q + name


def element(tag: str, namespace: str = BASE_NS, parent: etree._Element | None = None) -> etree._Element:
    """A new element (a child of `parent` when given) that declares `namespace` as the
    default namespace when it differs from its parent's, so that documents read
    <rpc-reply> and <slices>, not <ns0:slices>."""
    inherited = etree.QName(parent).namespace if parent is not None else None
    # lxml takes None as the default namespace's prefix; its type stubs do not know that.
    nsmap: Any = {None: namespace} if namespace != inherited else None
    if parent is None:
        return etree.Element(tag, nsmap=nsmap)
    return etree.SubElement(parent, tag, nsmap=nsmap)


@dataclass(frozen=True)
class ErrorReport:
    """The content of one `<rpc-error>` element."""

    tag: str  # error-tag, e.g. "invalid-value", "lock-denied"
    message: str
    type: str = "application"  # transport | rpc | protocol | application
    path: str = ""  # XPath of the node concerned, with prefixes from `path_ns`
    info: tuple[tuple[str, str], ...] = ()  # error-info children, e.g. (("bad-element", "foo"),)
    app_tag: str = ""

    def render(self, parent: etree._Element, path_ns: dict[str, str]) -> None:
        err = etree.SubElement(parent, qn("rpc-error"))
        etree.SubElement(err, qn("error-type")).text = self.type
        etree.SubElement(err, qn("error-tag")).text = self.tag
        etree.SubElement(err, qn("error-severity")).text = "error"
        if self.app_tag:
            etree.SubElement(err, qn("error-app-tag")).text = self.app_tag
        if self.path:
            # The path's prefixes must be declared where the path is (RFC 6241 §4.3).
            etree.SubElement(err, qn("error-path"), nsmap=path_ns).text = self.path
        msg = etree.SubElement(err, qn("error-message"))
        msg.set("{http://www.w3.org/XML/1998/namespace}lang", "en")
        msg.text = self.message
        if self.info:
            info = etree.SubElement(err, qn("error-info"))
            for name, text in self.info:
                etree.SubElement(info, qn(name)).text = text


class RpcError(Exception):
    """Raised by an operation to answer with one or more `<rpc-error>` elements."""

    def __init__(self, *reports: ErrorReport) -> None:
        if not reports:
            raise ValueError("an RpcError needs at least one report")
        super().__init__("; ".join(r.message for r in reports))
        self.reports = reports


def rpc_error(
    tag: str,
    message: str,
    *,
    error_type: str = "application",
    path: str = "",
    info: tuple[tuple[str, str], ...] = (),
    app_tag: str = "",
) -> RpcError:
    return RpcError(ErrorReport(tag, message, error_type, path, info, app_tag))
