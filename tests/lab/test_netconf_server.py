"""The lab's NETCONF server, driven by ordinary clients: ncclient, and a raw SSH client for
the framing details ncclient hides."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import paramiko
import pytest
from lxml import etree
from ncclient import manager
from ncclient.devices.default import DefaultDeviceHandler
from ncclient.operations import RPCError
from ncclient.transport.errors import AuthenticationError
from ncclient.transport.session import NetconfBase

from simulator.lab.netconf_server import NetconfServer

NS = "urn:nfvo-slices:transport"
BASE = "urn:ietf:params:xml:ns:netconf:base:1.0"
USER, PASSWORD = "lab", "lab-secret"  # as in conftest.py

Connect = Callable[..., Any]


def config(body: str) -> str:
    return f'<config xmlns="{BASE}" xmlns:nc="{BASE}"><slices xmlns="{NS}">{body}</slices></config>'


def vlink(vid: str = "v1", *, bw: str = "100", hops: tuple[str, ...] = ("a", "b"), extra: str = "") -> str:
    hop_xml = "".join(f"<hop>{h}</hop>" for h in hops)
    return (
        f"<vlink><id>{vid}</id><src-site>a</src-site><dst-site>b</dst-site>"
        f"<bandwidth-mbps>{bw}</bandwidth-mbps>{hop_xml}{extra}</vlink>"
    )


def slice_xml(name: str = "s1", inner: str = "") -> str:
    return f"<slice><name>{name}</name>{inner}</slice>"


def data_of(m: Any, source: str = "running", subtree: str | None = None) -> etree._Element:
    flt = ("subtree", subtree) if subtree is not None else None
    return m.get_config(source=source, filter=flt).data_ele


def names(data: etree._Element) -> list[str]:
    return [str(e.text) for e in data.iterfind(f"{{{NS}}}slices/{{{NS}}}slice/{{{NS}}}name")]


def rpc_error_of(exc: pytest.ExceptionInfo[RPCError]) -> RPCError:
    errors = getattr(exc.value, "errors", None)
    return errors[0] if errors else exc.value


def wait_for(predicate: Callable[[], bool], timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.02)


# --- hello, capabilities, framing --------------------------------------------------------------


def test_hello_advertises_our_capabilities_and_picks_chunked_framing(nc_connect: Connect) -> None:
    m = nc_connect()
    caps = set(m.server_capabilities)
    assert {
        "urn:ietf:params:netconf:base:1.0",
        "urn:ietf:params:netconf:base:1.1",
        "urn:ietf:params:netconf:capability:candidate:1.0",
        "urn:ietf:params:netconf:capability:confirmed-commit:1.1",
        "urn:ietf:params:netconf:capability:validate:1.1",
    } <= caps
    assert any(c.startswith(f"{NS}?module=nfvo-transport&revision=") for c in caps)
    assert int(m.session_id) > 0
    assert m._session._base == NetconfBase.BASE_11  # both sides said base:1.1


class _Base10Only(DefaultDeviceHandler):  # type: ignore[misc]
    """A client that advertises base:1.0 only, so the session keeps ]]>]]> framing."""

    def get_capabilities(self) -> list[str]:
        return [c for c in super().get_capabilities() if not c.endswith(":base:1.1")]


def test_base_1_0_client_gets_end_of_message_framing(nc_connect: Connect) -> None:
    m = nc_connect(device_params={"handler": _Base10Only})
    assert m._session._base == NetconfBase.BASE_10
    m.edit_config(target="candidate", config=config(slice_xml("old-framing")))
    m.commit()
    assert names(data_of(m)) == ["old-framing"]


class RawClient:
    """A NETCONF client written out by hand over a paramiko channel."""

    def __init__(self, port: int, *, chunked: bool) -> None:
        self.transport = paramiko.Transport(("127.0.0.1", port))
        self.transport.connect(username=USER, password=PASSWORD)
        self.channel = self.transport.open_session()
        self.channel.settimeout(10)
        self.channel.invoke_subsystem("netconf")
        self.buffer = b""
        self.server_hello = self.read_eom()
        base = "base:1.1" if chunked else "base:1.0"
        self.channel.sendall(
            f'<hello xmlns="{BASE}"><capabilities><capability>urn:ietf:params:netconf:{base}</capability>'
            "</capabilities></hello>]]>]]>".encode()
        )

    def _more(self) -> None:
        data = self.channel.recv(65536)
        assert data, "the server closed the channel"
        self.buffer += data

    def read_eom(self) -> bytes:
        while b"]]>]]>" not in self.buffer:
            self._more()
        message, self.buffer = self.buffer.split(b"]]>]]>", 1)
        return message

    def read_chunked(self) -> bytes:
        parts = []
        while True:
            while b"\n" not in self.buffer[2:] or len(self.buffer) < 4:
                self._more()
            assert self.buffer.startswith(b"\n#"), self.buffer[:20]
            if self.buffer.startswith(b"\n##\n"):
                self.buffer = self.buffer[4:]
                return b"".join(parts)
            header, rest = self.buffer[2:].split(b"\n", 1)
            size = int(header)
            while len(rest) < size:
                self._more()
                rest = self.buffer[2 + len(header) + 1 :]
            parts.append(rest[:size])
            self.buffer = rest[size:]

    def close(self) -> None:
        self.transport.close()


def test_raw_client_chunked_framing_with_many_chunks(netconf_server: NetconfServer) -> None:
    client = RawClient(netconf_server.port, chunked=True)
    try:
        assert b"urn:ietf:params:netconf:base:1.1" in client.server_hello
        rpc = f'<rpc message-id="7" xmlns="{BASE}"><get-config><source><running/></source></get-config></rpc>'
        body = rpc.encode()
        # Split the request in 5-byte chunks: the server must join them.
        framed = b"".join(b"\n#%d\n" % len(body[i : i + 5]) + body[i : i + 5] for i in range(0, len(body), 5))
        client.channel.sendall(framed + b"\n##\n")
        reply = etree.fromstring(client.read_chunked())
        assert reply.tag == f"{{{BASE}}}rpc-reply" and reply.get("message-id") == "7"
        assert reply.find(f"{{{BASE}}}data") is not None

        client.channel.sendall(b"\n#9\n<rpc><bad\n##\n")
        error = etree.fromstring(client.read_chunked())
        assert error.findtext(f".//{{{BASE}}}error-tag") == "malformed-message"
        assert error.findtext(f".//{{{BASE}}}error-type") == "rpc"
    finally:
        client.close()


def test_raw_client_end_of_message_framing_and_rpc_errors(netconf_server: NetconfServer) -> None:
    client = RawClient(netconf_server.port, chunked=False)
    try:
        client.channel.sendall(f'<rpc message-id="1" xmlns="{BASE}"><frobnicate/></rpc>]]>]]>'.encode())
        reply = etree.fromstring(client.read_eom())
        assert reply.get("message-id") == "1"
        assert reply.findtext(f".//{{{BASE}}}error-tag") == "operation-not-supported"
        assert reply.findtext(f".//{{{BASE}}}error-severity") == "error"

        client.channel.sendall(f'<rpc xmlns="{BASE}"><get/></rpc>]]>]]>'.encode())
        reply = etree.fromstring(client.read_eom())
        assert reply.findtext(f".//{{{BASE}}}error-tag") == "missing-attribute"

        client.channel.sendall(f'<rpc message-id="2" xmlns="{BASE}"><close-session/></rpc>]]>]]>'.encode())
        assert etree.fromstring(client.read_eom()).find(f"{{{BASE}}}ok") is not None
        wait_for(lambda: client.channel.recv(1) == b"")  # the server ends the session
    finally:
        client.close()


def test_broken_chunk_framing_ends_the_session(netconf_server: NetconfServer) -> None:
    client = RawClient(netconf_server.port, chunked=True)
    try:
        client.channel.sendall(b"\n#xyz\n<rpc/>\n##\n")
        wait_for(lambda: client.channel.recv(1) == b"")
    finally:
        client.close()


# --- datastores -------------------------------------------------------------------------------


def test_edit_commit_get_config_round_trip(nc_connect: Connect, netconf_server: NetconfServer) -> None:
    m = nc_connect()
    m.edit_config(target="candidate", config=config(slice_xml("s1", vlink(bw="100.50")) + slice_xml("s2")))
    assert names(data_of(m, "candidate")) == ["s1", "s2"]
    assert names(data_of(m)) == []  # nothing is active before the commit
    m.commit()
    running = data_of(m)
    assert names(running) == ["s1", "s2"]
    # decimal64 values are stored in canonical form (RFC 7950 §9.3.2).
    assert running.findtext(f".//{{{NS}}}bandwidth-mbps") == "100.5"
    assert [e.text for e in running.iterfind(f".//{{{NS}}}hop")] == ["a", "b"]
    assert names(m.get().data_ele) == ["s1", "s2"]  # <get> answers from running
    assert "<name>s1</name>" in netconf_server.running_xml()

    # Subtree filter: content match on a list key selects one entry.
    only_s2 = data_of(m, subtree=f'<slices xmlns="{NS}"><slice><name>s2</name></slice></slices>')
    assert names(only_s2) == ["s2"]
    # Containment down to a selection node: only the hops of v1, with the keys on the way.
    hops = data_of(
        m, subtree=f'<slices xmlns="{NS}"><slice><name>s1</name><vlink><hop/></vlink></slice></slices>'
    )
    vl = hops.find(f".//{{{NS}}}vlink")
    assert vl is not None and [etree.QName(c).localname for c in vl] == ["hop", "hop"]
    assert names(data_of(m, subtree=f'<slices xmlns="{NS}"><slice><name>nope</name></slice></slices>')) == []


def test_merge_replace_create_delete_remove(nc_connect: Connect) -> None:
    m = nc_connect()
    m.edit_config(
        target="candidate", config=config(slice_xml("s1", "<description>x</description>" + vlink()))
    )
    # merge: a leaf changes, the rest stays; a given leaf-list replaces the old one whole.
    m.edit_config(target="candidate", config=config(slice_xml("s1", vlink(bw="5", hops=("c",)))))
    cand = data_of(m, "candidate")
    assert cand.findtext(f".//{{{NS}}}description") == "x"
    assert [e.text for e in cand.iterfind(f".//{{{NS}}}hop")] == ["c"]
    # create on an existing entry fails; delete of a missing one fails; remove does not.
    with pytest.raises(RPCError) as exc:
        m.edit_config(
            target="candidate", config=config('<slice nc:operation="create"><name>s1</name></slice>')
        )
    assert rpc_error_of(exc).tag == "data-exists"
    with pytest.raises(RPCError) as exc:
        m.edit_config(
            target="candidate", config=config('<slice nc:operation="delete"><name>zz</name></slice>')
        )
    assert rpc_error_of(exc).tag == "data-missing"
    m.edit_config(target="candidate", config=config('<slice nc:operation="remove"><name>zz</name></slice>'))
    # replace: the entry becomes exactly what is given.
    m.edit_config(target="candidate", config=config('<slice nc:operation="replace"><name>s1</name></slice>'))
    assert data_of(m, "candidate").find(f".//{{{NS}}}description") is None
    # a single leaf-list value can be deleted.
    m.edit_config(target="candidate", config=config(slice_xml("s1", vlink(hops=("a", "m", "b")))))
    m.edit_config(
        target="candidate",
        config=config(slice_xml("s1", '<vlink><id>v1</id><hop nc:operation="delete">m</hop></vlink>')),
    )
    assert [e.text for e in data_of(m, "candidate").iterfind(f".//{{{NS}}}hop")] == ["a", "b"]
    # default-operation none touches nothing that has no operation of its own.
    m.edit_config(
        target="candidate",
        default_operation="none",
        config=config(slice_xml("s1", "<description>ignored</description>") + slice_xml("s9")),
    )
    assert names(data_of(m, "candidate")) == ["s1"]
    m.edit_config(target="candidate", config=config('<slice nc:operation="delete"><name>s1</name></slice>'))
    assert b"slice" not in etree.tostring(data_of(m, "candidate"))  # no empty <slices/> left behind


def test_discard_changes_restores_the_running_config(nc_connect: Connect) -> None:
    m = nc_connect()
    m.edit_config(target="candidate", config=config(slice_xml("kept")))
    m.commit()
    m.edit_config(target="candidate", config=config(slice_xml("dropped")))
    m.discard_changes()
    assert names(data_of(m, "candidate")) == ["kept"]


def test_unknown_element_is_rejected_with_its_path(nc_connect: Connect) -> None:
    m = nc_connect()
    with pytest.raises(RPCError) as exc:
        m.edit_config(target="candidate", config=config(slice_xml("s1", "<colour>red</colour>")))
    err = rpc_error_of(exc)
    assert (err.tag, err.type, err.severity) == ("unknown-element", "application", "error")
    assert err.path == "/nc:rpc/nc:edit-config/nc:config/nt:slices/nt:slice[nt:name='s1']"
    assert "colour" in err.message and "<bad-element>colour</bad-element>" in err.info
    assert names(data_of(m, "candidate")) == []  # the failed edit left nothing behind

    with pytest.raises(RPCError) as exc:
        m.edit_config(target="candidate", config=f'<config xmlns="{BASE}"><other xmlns="urn:x"/></config>')
    assert rpc_error_of(exc).tag == "unknown-namespace"


@pytest.mark.parametrize("bad", ["-1", "fast", "1.2345", "1e3"])
def test_bandwidth_must_be_a_non_negative_decimal(nc_connect: Connect, bad: str) -> None:
    m = nc_connect()
    with pytest.raises(RPCError) as exc:
        m.edit_config(target="candidate", config=config(slice_xml("s1", vlink(bw=bad))))
    err = rpc_error_of(exc)
    assert err.tag == "invalid-value"
    assert err.path.endswith("nt:vlink[nt:id='v1']/nt:bandwidth-mbps")


def test_mandatory_leaves_are_checked_at_validate_and_commit(nc_connect: Connect) -> None:
    m = nc_connect()
    m.edit_config(
        target="candidate", config=config(slice_xml("s1", "<vlink><id>v1</id><src-site>a</src-site></vlink>"))
    )
    for action in (lambda: m.validate(source="candidate"), m.commit):
        with pytest.raises(RPCError) as exc:
            action()
        reports = exc.value.errors
        assert [(r.tag, r.path.rsplit("/", 1)[-1]) for r in reports] == [
            ("data-missing", "nt:dst-site"),
            ("data-missing", "nt:bandwidth-mbps"),
        ]
    assert names(data_of(m)) == []
    m.validate(source="running")


def test_validate_accepts_an_inline_config(nc_connect: Connect) -> None:
    m = nc_connect()
    good = etree.fromstring(config(slice_xml("s1", vlink())))
    m.validate(source=good)
    bad = etree.fromstring(config(slice_xml("s1", "<vlink><id>v1</id></vlink>")))
    with pytest.raises(RPCError) as exc:
        m.validate(source=bad)
    assert len(exc.value.errors) == 3


# --- locks and sessions --------------------------------------------------------------------------


def test_lock_contention_between_two_sessions(nc_connect: Connect) -> None:
    a, b = nc_connect(), nc_connect()
    a.lock("candidate")
    with pytest.raises(RPCError) as exc:
        b.lock("candidate")
    assert rpc_error_of(exc).tag == "lock-denied"
    assert f"<session-id>{a.session_id}</session-id>" in rpc_error_of(exc).info
    with pytest.raises(RPCError) as exc:
        b.edit_config(target="candidate", config=config(slice_xml("intruder")))
    assert rpc_error_of(exc).tag == "in-use"
    with pytest.raises(RPCError) as exc:
        b.unlock("candidate")
    assert rpc_error_of(exc).tag == "operation-failed"
    a.unlock("candidate")
    b.lock("candidate")
    b.unlock("candidate")


def test_a_closed_session_releases_its_lock_and_candidate(
    nc_connect: Connect, netconf_server: NetconfServer
) -> None:
    a, b = nc_connect(), nc_connect()
    a.lock("candidate")
    a.edit_config(target="candidate", config=config(slice_xml("abandoned")))
    a.close_session()
    wait_for(lambda: netconf_server.sessions == 1)
    b.lock("candidate")  # granted: the lock went, and the abandoned edit with it
    assert names(data_of(b, "candidate")) == []


def test_concurrent_sessions(nc_connect: Connect) -> None:
    sessions = [nc_connect() for _ in range(4)]
    failures: list[BaseException] = []

    def work(i: int, m: Any) -> None:
        try:
            for _ in range(5):
                assert data_of(m).tag == f"{{{BASE}}}data"
            m.edit_config(target="candidate", config=config(slice_xml(f"t{i}")))
        except BaseException as exc:  # collected and asserted in the main thread
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(i, m)) for i, m in enumerate(sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not failures
    assert sorted(names(data_of(sessions[0], "candidate"))) == ["t0", "t1", "t2", "t3"]


# --- confirmed commit ----------------------------------------------------------------------------


def test_confirmed_commit_reverts_when_not_confirmed(nc_connect: Connect) -> None:
    m = nc_connect()
    m.edit_config(target="candidate", config=config(slice_xml("before")))
    m.commit()
    m.edit_config(target="candidate", config=config(slice_xml("trial")))
    started = time.monotonic()
    m.commit(confirmed=True, timeout="1")
    assert names(data_of(m)) == ["before", "trial"]
    wait_for(lambda: names(data_of(m)) == ["before"])
    assert time.monotonic() - started >= 0.9
    assert names(data_of(m, "candidate")) == ["before"]


def test_a_plain_commit_confirms(nc_connect: Connect) -> None:
    m = nc_connect()
    m.edit_config(target="candidate", config=config(slice_xml("trial")))
    m.commit(confirmed=True, timeout="1")
    m.commit()
    time.sleep(1.2)  # past the confirm timeout: nothing may revert
    assert names(data_of(m)) == ["trial"]


def test_cancel_commit_reverts_at_once(nc_connect: Connect) -> None:
    m = nc_connect()
    m.edit_config(target="candidate", config=config(slice_xml("trial")))
    m.commit(confirmed=True, timeout="60")
    m.cancel_commit()
    assert names(data_of(m)) == []
    with pytest.raises(RPCError) as exc:
        m.cancel_commit()
    assert rpc_error_of(exc).tag == "operation-failed"


def test_only_the_committing_session_confirms_unless_persist(
    nc_connect: Connect, netconf_server: NetconfServer
) -> None:
    a, b = nc_connect(), nc_connect()
    a.edit_config(target="candidate", config=config(slice_xml("mine")))
    a.commit(confirmed=True, timeout="60")
    with pytest.raises(RPCError) as exc:
        b.commit()
    assert rpc_error_of(exc).tag == "in-use"
    a.close_session()  # the session that made a non-persistent confirmed commit left
    wait_for(lambda: "mine" not in netconf_server.running_xml())

    b.edit_config(target="candidate", config=config(slice_xml("kept")))
    b.commit(confirmed=True, timeout="60", persist="token-1")
    b.close_session()  # persistent: survives its session
    c = nc_connect()
    assert names(data_of(c)) == ["kept"]
    with pytest.raises(RPCError) as exc:
        c.commit(persist_id="wrong")
    assert rpc_error_of(exc).tag == "invalid-value"
    c.commit(persist_id="token-1")
    assert not netconf_server.store.confirm_pending


# --- the server itself ------------------------------------------------------------------------------


def test_wrong_password_is_refused(netconf_server: NetconfServer) -> None:
    with pytest.raises(AuthenticationError):
        manager.connect(
            host="127.0.0.1",
            port=netconf_server.port,
            username=USER,
            password="wrong",
            hostkey_verify=False,
            look_for_keys=False,
            allow_agent=False,
            timeout=10,
        )


def test_binds_loopback_only(nc_host_key: paramiko.RSAKey) -> None:
    with pytest.raises(ValueError, match=r"127\.0\.0\.1"):
        NetconfServer(host="0.0.0.0")
    with NetconfServer(host_key=nc_host_key) as server:
        assert server.port > 0
        with socket.create_connection(("127.0.0.1", server.port), timeout=5):
            pass


def test_initial_config_and_prompt_stop(nc_host_key: paramiko.RSAKey) -> None:
    initial = config(slice_xml("preloaded"))
    server = NetconfServer(
        host_key=nc_host_key, username=USER, password=PASSWORD, initial_config=initial
    ).start()
    m = manager.connect(
        host="127.0.0.1",
        port=server.port,
        username=USER,
        password=PASSWORD,
        hostkey_verify=False,
        look_for_keys=False,
        allow_agent=False,
        timeout=10,
    )
    try:
        assert names(data_of(m)) == ["preloaded"]
        started = time.monotonic()
        server.stop()
        assert time.monotonic() - started < 2
        wait_for(lambda: not m.connected)
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", server.port), timeout=5)
        server.stop()  # twice is harmless
    finally:
        m._session.close()
