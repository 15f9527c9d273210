"""One `<rpc>` in, one `<rpc-reply>` out: parsing, dispatch to the datastores, errors.

Operations served: get, get-config, edit-config, validate, commit (confirmed), cancel-commit,
discard-changes, lock, unlock, close-session. Anything else answers operation-not-supported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree

from simulator.lab.faults import Fault, FaultKind, Op
from simulator.lab.netconf.datastore import Datastores
from simulator.lab.netconf.errors import BASE_NS, RpcError, element, qn, rpc_error
from simulator.lab.netconf.schema import PATH_NS

# No entities, no network, no huge trees: the peer is not trusted to send sane XML.
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=True, huge_tree=False)


@dataclass
class Reply:
    xml: bytes
    close: bool = False  # end the session once this reply is sent


# The protocol-neutral operation each RPC is, for fault injection (see simulator.lab.faults).
_OPS = {
    "get": Op.READ,
    "get-config": Op.READ,
    "edit-config": Op.EDIT,
    "validate": Op.EDIT,
    "commit": Op.COMMIT,
    "cancel-commit": Op.CANCEL,
    "discard-changes": Op.CANCEL,
    "lock": Op.LOCK,
    "unlock": Op.LOCK,
}


def operation_of(message: bytes) -> Op | None:
    """Which operation an <rpc> asks for (None: not an rpc, or close-session)."""
    try:
        rpc = etree.fromstring(message, PARSER)
    except etree.XMLSyntaxError:
        return None
    op = next(rpc.iterchildren(etree.Element), None)
    return _OPS.get(etree.QName(op).localname) if op is not None else None


def handle(store: Datastores, session_id: int, message: bytes, *, fault: Fault | None = None) -> Reply:
    """`fault`: an injected REJECT answers with an error instead of running the operation;
    an injected PARTIAL makes a commit leave one change out. Other kinds are the session's."""
    try:
        rpc = etree.fromstring(message, PARSER)
    except etree.XMLSyntaxError as exc:
        return _reply(
            None, _error_body(rpc_error("malformed-message", f"not well-formed XML: {exc}", error_type="rpc"))
        )
    if rpc.tag != qn("rpc"):
        return _reply(
            None,
            _error_body(rpc_error("malformed-message", f"expected <rpc>, got {rpc.tag}", error_type="rpc")),
        )
    if rpc.get("message-id") is None:
        error = rpc_error(
            "missing-attribute",
            "<rpc> has no message-id",
            error_type="rpc",
            info=(("bad-attribute", "message-id"), ("bad-element", "rpc")),
        )
        return _reply(rpc, _error_body(error))
    ops = list(rpc.iterchildren(etree.Element))
    try:
        if len(ops) != 1:
            raise rpc_error("malformed-message", "an <rpc> holds exactly one operation", error_type="rpc")
        op = ops[0]
        handler = _HANDLERS.get(op.tag)
        if handler is None:
            name = etree.QName(op)
            if name.namespace != BASE_NS:
                raise rpc_error(
                    "unknown-namespace",
                    f"unknown operation {name.localname!r} in namespace {name.namespace!r}",
                    error_type="protocol",
                    info=(("bad-element", name.localname), ("bad-namespace", name.namespace or "")),
                )
            raise rpc_error(
                "operation-not-supported",
                f"operation {name.localname!r} is not supported",
                error_type="protocol",
                info=(("bad-element", name.localname),),
            )
        if fault is not None and fault.kind is FaultKind.REJECT:
            raise rpc_error(fault.status or "operation-failed", fault.message)
        if fault is not None and fault.kind is FaultKind.PARTIAL and op.tag == qn("commit"):
            _commit(store, session_id, op, partial=True)
            data = None
        else:
            data = handler(store, session_id, op)
    except RpcError as exc:
        return _reply(rpc, _error_body(exc))
    if data is None:
        return _reply(rpc, [etree.Element(qn("ok"))], close=op.tag == qn("close-session"))
    return _reply(rpc, [data])


def _reply(rpc: etree._Element | None, body: list[etree._Element], *, close: bool = False) -> Reply:
    reply = element(qn("rpc-reply"))
    if rpc is not None:
        for name, value in rpc.attrib.items():  # RFC 6241 §4.2: echo every attribute
            reply.set(name, value)
    reply.extend(body)
    return Reply(etree.tostring(reply, xml_declaration=True, encoding="UTF-8"), close)


def _error_body(error: RpcError) -> list[etree._Element]:
    holder = etree.Element("holder")
    for report in error.reports:
        report.render(holder, PATH_NS)
    return list(holder)


# --- parameters ------------------------------------------------------------------------------


def _datastore(op: etree._Element, param: str) -> str:
    holder = op.find(qn(param))
    names = list(holder.iterchildren(etree.Element)) if holder is not None else []
    if len(names) != 1:
        raise rpc_error(
            "missing-element",
            f"<{param}> must name one datastore",
            error_type="protocol",
            info=(("bad-element", param),),
        )
    name = etree.QName(names[0])
    if name.namespace != BASE_NS:
        raise rpc_error("invalid-value", f"unknown datastore {name.localname!r}", error_type="protocol")
    return name.localname


def _choice(op: etree._Element, param: str, allowed: tuple[str, ...]) -> str:
    text = (op.findtext(qn(param)) or allowed[0]).strip()
    if text not in allowed:
        raise rpc_error(
            "invalid-value",
            f"{param} must be one of {', '.join(allowed)}",
            error_type="protocol",
            info=(("bad-element", param),),
        )
    return text


def _filter(op: etree._Element) -> etree._Element | None:
    filt = op.find(qn("filter"))
    if filt is None:
        return None
    kind = filt.get("type", "subtree")
    if kind != "subtree":
        raise rpc_error(
            "operation-not-supported",
            f"{kind} filters are not supported",
            error_type="protocol",
            info=(("bad-attribute", "type"), ("bad-element", "filter")),
        )
    return filt


# --- operations -------------------------------------------------------------------------------

Handler = Callable[[Datastores, int, etree._Element], "etree._Element | None"]


def _get(store: Datastores, _session: int, op: etree._Element) -> etree._Element:
    return store.get_state(_filter(op))


def _get_config(store: Datastores, _session: int, op: etree._Element) -> etree._Element:
    return store.get(_datastore(op, "source"), _filter(op))


def _edit_config(store: Datastores, session_id: int, op: etree._Element) -> None:
    target = _datastore(op, "target")
    if target != store.writable:
        raise rpc_error(
            "operation-not-supported",
            f"only the {store.writable} datastore is writable",
            error_type="protocol",
        )
    default = _choice(op, "default-operation", ("merge", "replace", "none"))
    test = _choice(op, "test-option", ("test-then-set", "set", "test-only"))
    # error-option: every edit is applied atomically, which satisfies all three options.
    _choice(op, "error-option", ("stop-on-error", "continue-on-error", "rollback-on-error"))
    config = op.find(qn("config"))
    if config is None:
        raise rpc_error(
            "missing-element",
            "<edit-config> needs <config> (no :url support)",
            error_type="protocol",
            info=(("bad-element", "config"),),
        )
    store.edit(session_id, config, default, test_only=test == "test-only", target=target)


def _validate(store: Datastores, _session: int, op: etree._Element) -> None:
    source = op.find(qn("source"))
    inline = source.find(qn("config")) if source is not None else None
    store.validate(inline if inline is not None else _datastore(op, "source"))


def _commit(store: Datastores, session_id: int, op: etree._Element, *, partial: bool = False) -> None:
    timeout_text = op.findtext(qn("confirm-timeout"))
    timeout = 600
    if timeout_text is not None:
        try:
            timeout = int(timeout_text.strip())
        except ValueError:
            timeout = 0
        if timeout <= 0:
            raise rpc_error(
                "invalid-value",
                "confirm-timeout must be a positive number of seconds",
                error_type="protocol",
                info=(("bad-element", "confirm-timeout"),),
            )
    persist = op.find(qn("persist"))
    store.commit(
        session_id,
        confirmed=op.find(qn("confirmed")) is not None,
        timeout_s=timeout,
        persist=(persist.text or "") if persist is not None else None,
        persist_id=op.findtext(qn("persist-id")),
        partial=partial,
    )


def _cancel_commit(store: Datastores, session_id: int, op: etree._Element) -> None:
    store.cancel_commit(session_id, op.findtext(qn("persist-id")))


def _discard(store: Datastores, session_id: int, _op: etree._Element) -> None:
    store.discard(session_id)


def _lock(store: Datastores, session_id: int, op: etree._Element) -> None:
    store.lock(session_id, _datastore(op, "target"))


def _unlock(store: Datastores, session_id: int, op: etree._Element) -> None:
    store.unlock(session_id, _datastore(op, "target"))


def _close(_store: Datastores, _session: int, _op: etree._Element) -> None:
    return None  # the session ends after the <ok/> is sent; it releases what it held


_HANDLERS: dict[str, Handler] = {
    qn("get"): _get,
    qn("get-config"): _get_config,
    qn("edit-config"): _edit_config,
    qn("validate"): _validate,
    qn("commit"): _commit,
    qn("cancel-commit"): _cancel_commit,
    qn("discard-changes"): _discard,
    qn("lock"): _lock,
    qn("unlock"): _unlock,
    qn("close-session"): _close,
}
