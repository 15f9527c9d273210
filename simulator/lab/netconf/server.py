"""A NETCONF-over-SSH server on 127.0.0.1 (RFC 6241 + RFC 6242), with paramiko's server API.

One thread accepts connections; each connection gets a thread that runs the SSH handshake
(password authentication), waits for the "netconf" subsystem and serves one NETCONF
session on that channel. Every session shares one `Datastores` and one `FaultBox`
(simulator.lab.faults), whose faults the sessions act out.
"""

from __future__ import annotations

import hmac
import itertools
import logging
import selectors
import socket
import threading
import time
from types import TracebackType

import paramiko
from lxml import etree
from paramiko.common import (
    AUTH_FAILED,
    AUTH_SUCCESSFUL,
    OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED,
    OPEN_SUCCEEDED,
)

from simulator.lab.faults import Fault, FaultBox
from simulator.lab.netconf.datastore import Datastores
from simulator.lab.netconf.operations import PARSER
from simulator.lab.netconf.schema import MODULE, NS, REVISION
from simulator.lab.netconf.session import BASE_10, BASE_11, NetconfSession
from simulator.lab.telemetry import LatencyModel

CAPABILITIES = (
    BASE_10,
    BASE_11,
    "urn:ietf:params:netconf:capability:candidate:1.0",
    "urn:ietf:params:netconf:capability:confirmed-commit:1.1",
    "urn:ietf:params:netconf:capability:validate:1.1",
    f"{NS}?module={MODULE}&revision={REVISION}",
)
WRITABLE_RUNNING = "urn:ietf:params:netconf:capability:writable-running:1.0"
LOOPBACK = "127.0.0.1"
_POLL_S = 0.05  # how often a connection still in its SSH handshake checks for stop()
# paramiko logs every client that hangs up abruptly as an error with a traceback; in a lab
# that is noise, so its transports log here, quiet unless someone turns it up.
SSH_LOGGER = "simulator.lab.netconf.ssh"
if logging.getLogger(SSH_LOGGER).level == logging.NOTSET:
    logging.getLogger(SSH_LOGGER).setLevel(logging.CRITICAL)

log = logging.getLogger(__name__)


class _SshInterface(paramiko.ServerInterface):
    def __init__(self, username: str, password: str) -> None:
        self._username = username.encode()
        self._password = password.encode()
        self.netconf_requested = threading.Event()

    def get_allowed_auths(self, username: str) -> str:
        return "password"

    def check_auth_password(self, username: str, password: str) -> int:
        # Constant-time comparisons, both evaluated, so timing tells nothing.
        user_ok = hmac.compare_digest(username.encode(), self._username)
        password_ok = hmac.compare_digest(password.encode(), self._password)
        return AUTH_SUCCESSFUL if user_ok and password_ok else AUTH_FAILED

    def check_channel_request(self, kind: str, chanid: int) -> int:
        if kind == "session":
            return OPEN_SUCCEEDED
        return OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

    def check_channel_subsystem_request(self, channel: paramiko.Channel, name: str) -> bool:
        if name != "netconf":
            return False
        self.netconf_requested.set()
        return True


class NetconfServer:
    """A NETCONF server for the lab and the tests, serving models/yang/nfvo-transport.yang.

    ``with NetconfServer(username="u", password="p") as server: ... server.port ...``
    """

    def __init__(
        self,
        *,
        host: str = LOOPBACK,
        port: int = 0,
        username: str = "admin",
        password: str = "admin",
        host_key: paramiko.PKey | None = None,
        initial_config: str | None = None,
        handshake_timeout_s: float = 10.0,
        candidate: bool = True,
        confirmed_commit: bool = True,
        telemetry: LatencyModel | None = None,
    ) -> None:
        """`port` 0 lets the OS pick a free port (see `.port` once started). `initial_config`
        is XML (a <config> or <data> element) loaded into running and candidate. Without
        `candidate` the server offers :writable-running instead (and no confirmed commit);
        without `confirmed_commit` a candidate with plain commits only. `telemetry` answers
        <get> with each vlink's measured-latency-ms."""
        if host not in (LOOPBACK, "localhost"):
            raise ValueError(f"the lab NETCONF server binds {LOOPBACK} only, not {host!r}")
        self._requested_port = port
        self._username = username
        self._password = password
        self._host_key = host_key
        self._timeout = handshake_timeout_s
        initial = etree.fromstring(initial_config.encode(), PARSER) if initial_config else None
        self.store = Datastores(
            initial, candidate=candidate, confirmed_commit=confirmed_commit, telemetry=telemetry
        )
        self.capabilities = tuple(
            c
            for c in CAPABILITIES
            if (candidate or ":candidate:" not in c)
            and (self.store.has_confirmed_commit or ":confirmed-commit:" not in c)
        ) + (() if candidate else (WRITABLE_RUNNING,))
        self.faults = FaultBox()
        self._listener: socket.socket | None = None
        # Wakes the accept loop when stop() is called (closing a listening socket does not).
        self._wakeup: tuple[socket.socket, socket.socket] | None = None
        self._stopping = threading.Event()
        self._accept_thread: threading.Thread | None = None
        self._mutex = threading.Lock()
        self._connections: dict[threading.Thread, paramiko.Transport | None] = {}
        self._session_ids = itertools.count(1)
        self._port = 0

    @property
    def port(self) -> int:
        if not self._port:
            raise RuntimeError("the server is not started")
        return self._port

    @property
    def host(self) -> str:
        return LOOPBACK

    def start(self) -> NetconfServer:
        if self._listener is not None:
            raise RuntimeError("the server is already started")
        if self._host_key is None:
            self._host_key = paramiko.RSAKey.generate(2048)
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((LOOPBACK, self._requested_port))
            listener.listen(16)
        except OSError:
            listener.close()
            raise
        self._listener = listener
        self._wakeup = socket.socketpair()
        self._port = listener.getsockname()[1]
        self._accept_thread = threading.Thread(
            target=self._accept_loop, name=f"netconf-{self._port}", daemon=True
        )
        self._accept_thread.start()
        return self

    def stop(self) -> None:
        """Close the listener and every session, promptly; safe to call twice."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        self.faults.release()  # ends injected delays and hangs, so sessions can finish
        if self._wakeup is not None:
            self._wakeup[1].send(b"x")
        if self._accept_thread is not None:
            self._accept_thread.join(timeout=5)
        if self._listener is not None:
            self._listener.close()
        with self._mutex:
            connections = dict(self._connections)
        for transport in connections.values():
            if transport is not None:
                transport.close()
        for thread in connections:
            thread.join(timeout=5)
        self.store.close()
        if self._wakeup is not None:
            for end in self._wakeup:
                end.close()

    def inject(self, fault: Fault) -> None:
        """Act out `fault` on the next matching operation(s) of any session."""
        self.faults.inject(fault)

    def clear_faults(self) -> None:
        self.faults.clear()

    def running_xml(self) -> str:
        """The running datastore, as a <data> element."""
        return self.store.serialize("running")

    def candidate_xml(self) -> str:
        return self.store.serialize("candidate")

    @property
    def sessions(self) -> int:
        """How many client connections are open now."""
        with self._mutex:
            return len(self._connections)

    def __enter__(self) -> NetconfServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # --- connections ------------------------------------------------------------------------

    def _accept_loop(self) -> None:
        assert self._listener is not None and self._wakeup is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self._listener, selectors.EVENT_READ)
            selector.register(self._wakeup[0], selectors.EVENT_READ)
            while not self._stopping.is_set():
                for key, _ in selector.select():
                    if key.fileobj is not self._listener or self._stopping.is_set():
                        continue
                    try:
                        sock, _addr = self._listener.accept()
                    except OSError:
                        continue
                    thread = threading.Thread(
                        target=self._serve, args=(sock,), name="netconf-session", daemon=True
                    )
                    with self._mutex:
                        self._connections[thread] = None
                    thread.start()

    def _serve(self, sock: socket.socket) -> None:
        me = threading.current_thread()
        transport: paramiko.Transport | None = None
        try:
            transport = paramiko.Transport(sock)
            transport.set_log_channel(SSH_LOGGER)
            assert self._host_key is not None
            transport.add_server_key(self._host_key)
            with self._mutex:
                if self._stopping.is_set():
                    return
                self._connections[me] = transport
            iface = _SshInterface(self._username, self._password)
            transport.start_server(server=iface)
            channel = self._await_channel(transport, iface)
            if channel is None:
                return
            session = NetconfSession(
                channel, next(self._session_ids), self.store, self.capabilities, self.faults
            )
            session.run()
        except (paramiko.SSHException, OSError, EOFError) as exc:
            log.debug("connection ended: %s", exc)
        finally:
            if transport is not None:
                transport.close()
            sock.close()
            with self._mutex:
                self._connections.pop(me, None)

    def _await_channel(self, transport: paramiko.Transport, iface: _SshInterface) -> paramiko.Channel | None:
        """The channel on which the client asks for the netconf subsystem, or None.

        Polled in short steps: closing a transport does not wake Transport.accept(), and
        stop() must not wait for a client that authenticated (or failed to) and went quiet."""
        deadline = time.monotonic() + self._timeout
        channel = None
        while channel is None:
            if self._stopping.is_set() or not transport.is_active() or time.monotonic() > deadline:
                return None
            channel = transport.accept(timeout=_POLL_S)
        while not iface.netconf_requested.wait(_POLL_S):
            if self._stopping.is_set() or not transport.is_active() or time.monotonic() > deadline:
                return None
        return channel
