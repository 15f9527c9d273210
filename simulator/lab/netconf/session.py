"""One NETCONF session on one SSH channel: the hello exchange, then RPCs until the end.

The session ends on <close-session>, when the client goes away, when the framing breaks
(RFC 6242 §4.1 says to close), or when the server stops; whatever the session held (locks,
a non-persistent confirmed commit) is released by the datastores when it ends.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

import paramiko
from lxml import etree

from simulator.lab.faults import Fault, FaultBox, FaultKind, Op
from simulator.lab.netconf.datastore import Datastores
from simulator.lab.netconf.errors import element, qn
from simulator.lab.netconf.framing import FramingError, MessageReader, frame
from simulator.lab.netconf.operations import PARSER, handle, operation_of

log = logging.getLogger(__name__)

BASE_10 = "urn:ietf:params:netconf:base:1.0"
BASE_11 = "urn:ietf:params:netconf:base:1.1"


class Channel(Protocol):
    """What a session needs of its transport (a paramiko Channel, or a socket in tests)."""

    def recv(self, nbytes: int) -> bytes: ...

    def sendall(self, data: bytes) -> None: ...

    def close(self) -> None: ...


class SessionEnded(Exception):
    """The peer went away or broke the protocol: nothing more to say to it."""


class NetconfSession:
    def __init__(
        self,
        channel: Channel,
        session_id: int,
        store: Datastores,
        capabilities: Sequence[str],
        faults: FaultBox | None = None,
    ) -> None:
        self.channel = channel
        self.faults = faults or FaultBox()
        self.session_id = session_id
        self.store = store
        self.capabilities = tuple(capabilities)
        self.reader = MessageReader()
        self.client_capabilities: tuple[str, ...] = ()

    def run(self) -> None:
        """Serve the session until it ends; never raises for what the client does."""
        try:
            self._act_out(self.faults.take(Op.OPEN))
            self._send(self._hello())
            self.client_capabilities = self._read_hello()
            # RFC 6242 §4.1: chunked framing once both peers have advertised base:1.1.
            self.reader.chunked = BASE_11 in self.client_capabilities and BASE_11 in self.capabilities
            while True:
                message = self._receive()
                op = operation_of(message)
                fault = self.faults.take(op) if op is not None else None
                self._act_out(fault)
                reply = handle(self.store, self.session_id, message, fault=fault)
                self._send(reply.xml)
                if reply.close:
                    return
        except SessionEnded as exc:
            log.debug("session %d ended: %s", self.session_id, exc)
        finally:
            self.store.session_closed(self.session_id)
            self.channel.close()

    def _act_out(self, fault: Fault | None) -> None:
        """The parts of an injected fault that happen before the operation runs (REJECT and
        PARTIAL are acted out by `handle`). DROP and TIMEOUT end the session unanswered,
        which releases its locks and reverts its unconfirmed commit, as a lost one does."""
        if fault is None:
            return
        if fault.delay_ms and not self.faults.wait(fault.delay_ms / 1000):
            raise SessionEnded("the server is stopping")
        if fault.kind is FaultKind.DROP:
            raise SessionEnded(f"injected fault: connection dropped at {fault.target.value}")
        if fault.kind is FaultKind.TIMEOUT:
            self.faults.hang(until=lambda: bool(getattr(self.channel, "closed", False)))
            raise SessionEnded(f"injected fault: no answer to {fault.target.value}")

    def _hello(self) -> bytes:
        hello = element(qn("hello"))
        caps = etree.SubElement(hello, qn("capabilities"))
        for uri in self.capabilities:
            etree.SubElement(caps, qn("capability")).text = uri
        etree.SubElement(hello, qn("session-id")).text = str(self.session_id)
        return etree.tostring(hello, xml_declaration=True, encoding="UTF-8")

    def _read_hello(self) -> tuple[str, ...]:
        message = self._receive()
        try:
            hello = etree.fromstring(message, PARSER)
        except etree.XMLSyntaxError as exc:
            raise SessionEnded(f"hello is not XML: {exc}") from None
        if hello.tag != qn("hello"):
            raise SessionEnded(f"expected <hello>, got {hello.tag}")
        if hello.find(qn("session-id")) is not None:
            raise SessionEnded("a client <hello> must not carry a session-id (RFC 6241 §8.1)")
        caps = tuple(
            (c.text or "").strip() for c in hello.iterfind(f"{qn('capabilities')}/{qn('capability')}")
        )
        if not {BASE_10, BASE_11} & set(caps) & set(self.capabilities):
            raise SessionEnded("no common base protocol version")
        return caps

    def _receive(self) -> bytes:
        while True:
            try:
                message = self.reader.next_message()
            except FramingError as exc:
                raise SessionEnded(f"framing error: {exc}") from None
            if message is not None:
                return message
            try:
                data = self.channel.recv(65536)
            except (OSError, EOFError, paramiko.SSHException) as exc:
                raise SessionEnded(f"receive failed: {exc}") from None
            if not data:
                raise SessionEnded("the client closed the channel")
            try:
                self.reader.feed(data)
            except FramingError as exc:
                raise SessionEnded(f"framing error: {exc}") from None

    def _send(self, message: bytes) -> None:
        try:
            self.channel.sendall(frame(message, chunked=self.reader.chunked))
        except (OSError, EOFError, paramiko.SSHException) as exc:
            raise SessionEnded(f"send failed: {exc}") from None
