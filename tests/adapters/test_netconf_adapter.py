"""The NETCONF adapter against the lab's NETCONF server, a real one on 127.0.0.1: what the
contract suite (test_adapter_contract.py) does not cover, because it is NETCONF's own."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import replace

import paramiko
import pytest
from changesets import hop_path, slice_path, transport_changeset, vlink_path
from lxml import etree

from adapters.netconf import NetconfAdapter
from adapters.netconf import render as render_module
from nfvo.domain import (
    AdapterError,
    ChangeSet,
    ConfigEdit,
    ConfigRejected,
    Controller,
    ControllerUnavailable,
    Domain,
    EditOp,
    NfvoError,
    PathElem,
    PermanentError,
    Protocol,
    TemporaryError,
    UnsupportedCapability,
    format_path,
)
from simulator.lab.netconf_server import NetconfServer


@pytest.fixture
def adapter(nc_controller: Controller, nc_known_hosts: str) -> Iterator[NetconfAdapter]:
    a = NetconfAdapter(nc_controller, known_hosts=nc_known_hosts)
    a.open()
    yield a
    a.close()


def test_diff_lines_and_leaf_list_replacement(adapter: NetconfAdapter, nc_lab_server: NetconfServer) -> None:
    adapter.stage(transport_changeset("s1"))
    text = adapter.diff()
    assert "+ /slices/slice[name=s1]/vlink[id=v1]/hop = [a, m, b]" in text, text
    assert "+ /slices/slice[name=s1]/slice-type = urllc" in text, text
    adapter.validate()
    adapter.commit(confirm_timeout=30)
    vlink = adapter.read([vlink_path("s1", "v1")])[format_path(vlink_path("s1", "v1"))]
    assert isinstance(vlink, dict)
    assert vlink["bandwidth-mbps"] == "250.0" and vlink["latency-ms"] == "1.25"  # strings, as on the wire
    adapter.confirm()
    assert not nc_lab_server.store.confirm_pending
    adapter.stage(transport_changeset("s1", bandwidth=300.5, hops=("b", "a")))
    assert "- /slices/slice[name=s1]/vlink[id=v1]/hop = [a, m, b]" in adapter.diff()
    adapter.discard()


def test_the_server_reverts_an_unconfirmed_commit_by_itself(adapter: NetconfAdapter) -> None:
    adapter.stage(transport_changeset("s3"))
    adapter.commit(confirm_timeout=1)
    assert adapter.read([slice_path("s3")])[format_path(slice_path("s3"))] is not None
    deadline = time.monotonic() + 5
    while adapter.read([slice_path("s3")])[format_path(slice_path("s3"))] is not None:
        assert time.monotonic() < deadline, "the confirmed commit was not reverted"
        time.sleep(0.05)


def test_confirm_keeps_the_commit(adapter: NetconfAdapter, nc_lab_server: NetconfServer) -> None:
    adapter.stage(transport_changeset("s4"))
    adapter.commit(confirm_timeout=1)
    adapter.confirm()
    assert not nc_lab_server.store.confirm_pending  # no revert timer left running
    assert adapter.read([slice_path("s4")])[format_path(slice_path("s4"))] is not None


def test_read_of_absent_paths_and_whole_lists(adapter: NetconfAdapter) -> None:
    assert adapter.read([slice_path("nope"), (PathElem("slices"),)]) == {
        "/slices/slice[name=nope]": None,
        "/slices": None,
    }
    adapter.stage(transport_changeset("r1"))
    adapter.stage(transport_changeset("r2", hops=("x",)))  # a second stage adds to the first
    adapter.commit()
    found = adapter.read([(PathElem("slices"), PathElem("slice")), hop_path("r2", "v1")])
    entries = found["/slices/slice"]
    assert isinstance(entries, list) and [e["name"] for e in entries] == ["r1", "r2"]  # type: ignore[index]
    assert found[format_path(hop_path("r2", "v1"))] == ["x"]  # a leaf-list of one is still a list


def test_rejected_config_raises_config_rejected(
    adapter: NetconfAdapter, nc_lab_server: NetconfServer
) -> None:
    adapter.stage(transport_changeset("keep"))
    with pytest.raises(ConfigRejected) as exc:
        adapter.stage(transport_changeset("bad", bandwidth=-5.0))
    assert isinstance(exc.value, PermanentError)
    assert exc.value.controller == "transport-ctl"
    assert "invalid-value" in exc.value.detail
    assert "nt:slice[nt:name='bad']/nt:vlink[nt:id='v1']/nt:bandwidth-mbps" in exc.value.detail
    # A failed stage leaves no part of any change set in the candidate.
    assert nc_lab_server.candidate_xml() == nc_lab_server.running_xml()
    adapter.discard()

    unknown = ChangeSet(
        id="c",
        domain=transport_changeset("x").domain,
        controller="transport-ctl",
        description="",
        edits=(ConfigEdit(EditOp.MERGE, slice_path("x"), {"colour": "red"}),),
        undo=(),
    )
    with pytest.raises(ConfigRejected, match="unknown element 'colour'"):
        adapter.stage(unknown)
    adapter.discard()


def test_missing_mandatory_leaf_is_rejected_by_validate_and_commit(adapter: NetconfAdapter) -> None:
    incomplete = ChangeSet(
        id="m",
        domain=transport_changeset("x").domain,
        controller="transport-ctl",
        description="",
        edits=(ConfigEdit(EditOp.MERGE, vlink_path("m", "v1"), {"src-site": "a"}),),
        undo=(),
    )
    # The lab server checks mandatory leaves at validate/commit time (yuma123 already
    # at edit time, with test-then-set); either way the adapter says ConfigRejected.
    adapter.stage(incomplete)
    with pytest.raises(ConfigRejected, match="mandatory leaf 'dst-site'") as exc:
        adapter.validate()
    assert "nt:vlink[nt:id='v1']/nt:bandwidth-mbps" in exc.value.detail  # every problem is listed
    with pytest.raises(ConfigRejected, match="data-missing"):
        adapter.commit(confirm_timeout=10)
    adapter.discard()
    assert adapter.read([slice_path("m")])[format_path(slice_path("m"))] is None


def test_a_lock_held_elsewhere_is_temporary(
    nc_controller: Controller, adapter: NetconfAdapter, nc_known_hosts: str
) -> None:
    adapter.stage(transport_changeset("first"))
    other = NetconfAdapter(nc_controller, known_hosts=nc_known_hosts)
    other.open()
    try:
        with pytest.raises(ControllerUnavailable, match="lock-denied") as exc:
            other.stage(transport_changeset("second"))
        assert isinstance(exc.value, TemporaryError)
        other.rollback()  # nothing of its own staged: must not touch the other session's candidate
    finally:
        other.close()
    adapter.commit()
    assert adapter.read([slice_path("first")])[format_path(slice_path("first"))] is not None


def test_wrong_password_is_a_permanent_adapter_error(nc_controller: Controller, nc_known_hosts: str) -> None:
    ctl = replace(nc_controller, password="not-the-password")
    with pytest.raises(AdapterError) as exc:
        NetconfAdapter(ctl, known_hosts=nc_known_hosts).open()
    assert not isinstance(exc.value, TemporaryError)
    assert "not-the-password" not in str(exc.value) and "hint" in str(exc.value)


def test_a_server_with_neither_candidate_nor_writable_running_is_unsupported(
    nc_adapter_host_key: paramiko.RSAKey, nc_known_hosts: str
) -> None:
    with NetconfServer(username="u", password="p4ssword", host_key=nc_adapter_host_key) as server:
        server.capabilities = tuple(c for c in server.capabilities if ":candidate:" not in c)
        ctl = Controller("ro", Domain.TRANSPORT, Protocol.NETCONF, "127.0.0.1", server.port, "u", "p4ssword")
        adapter = NetconfAdapter(ctl, known_hosts=nc_known_hosts)
        with pytest.raises(UnsupportedCapability, match="writable-running"):
            adapter.open()
        adapter.close()


def test_unopened_adapter_says_so(nc_controller: Controller) -> None:
    with pytest.raises(ControllerUnavailable, match="open"):
        NetconfAdapter(nc_controller).read([slice_path("x")])


def calls(adapter: NetconfAdapter) -> dict[str, Callable[[], object]]:
    cs = transport_changeset("late")
    return {
        "stage": lambda: adapter.stage(cs),
        "diff": adapter.diff,
        "validate": adapter.validate,
        "commit": adapter.commit,
        "commit-confirmed": lambda: adapter.commit(confirm_timeout=5),
        "confirm": adapter.confirm,
        "discard": adapter.discard,
        "rollback": adapter.rollback,
        "read": lambda: adapter.read([slice_path("late")]),
        "capabilities": adapter.capabilities,
        "open": adapter.open,
        "close": adapter.close,
    }


def test_no_library_exception_escapes_when_the_server_stops(
    nc_controller: Controller, nc_lab_server: NetconfServer, nc_known_hosts: str
) -> None:
    adapter = NetconfAdapter(nc_controller, timeout_s=5, known_hosts=nc_known_hosts)
    adapter.open()
    adapter.stage(transport_changeset("late"))
    adapter.commit(confirm_timeout=30)
    leaked = []
    nc_lab_server.stop()  # under the open session, with a commit pending; then try every method
    for name, call in calls(adapter).items():
        try:
            call()
        except NfvoError as exc:
            assert isinstance(exc, AdapterError), name
            if name != "capabilities":
                assert exc.controller == "transport-ctl", name
        except BaseException as exc:
            leaked.append(f"{name}: {type(exc).__module__}.{type(exc).__name__}: {exc}")
    assert not leaked
    # After close, open() tries a fresh connection: refused, and translated.
    with pytest.raises(ControllerUnavailable):
        adapter.open()


# --- rendering, without a server -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.1 + 0.2, "0.3"),
        (100.0, "100"),
        (1.25, "1.25"),
        (1e-7, "0.0000001"),
        (-0.0, "0"),
        (3, "3"),
        (True, "true"),
    ],
)
def test_scalars_are_rendered_without_noise(value: float | int | bool, text: str) -> None:
    assert render_module.format_scalar(value) == text


def test_non_finite_numbers_are_rejected_before_sending(adapter: NetconfAdapter) -> None:
    with pytest.raises(ConfigRejected, match="cannot render"):
        adapter.stage(transport_changeset("nan", bandwidth=float("nan")))


def test_clashing_edits_go_to_separate_configs() -> None:
    ns = "urn:nfvo-slices:transport"
    edits = (
        ConfigEdit(EditOp.DELETE, slice_path("s")),
        ConfigEdit(EditOp.MERGE, slice_path("s"), {"description": "again"}),
        ConfigEdit(EditOp.MERGE, vlink_path("s", "v"), {"hop": ("a", "b")}),
    )
    configs = render_module.render(edits, ns)
    assert len(configs) == 2
    first = etree.tostring(configs[0]).decode()
    assert 'nc:operation="delete"' in first and "again" not in first
    second = etree.tostring(configs[1]).decode()
    assert second.count("<slice>") == 1 and "<hop>a</hop><hop>b</hop>" in second


# --- fallbacks on servers without :candidate or :confirmed-commit ---------------------------------


@pytest.mark.parametrize(
    "options", [{"candidate": False}, {"confirmed_commit": False}], ids=["running-only", "no-cc"]
)
def test_fallback_restores_the_saved_copy_after_a_failure_and_after_a_reconnect(
    nc_adapter_host_key: paramiko.RSAKey, nc_known_hosts: str, options: dict[str, bool]
) -> None:
    with NetconfServer(username="u", password="pw-1234", host_key=nc_adapter_host_key, **options) as server:
        ctl = Controller("fb", Domain.TRANSPORT, Protocol.NETCONF, "127.0.0.1", server.port, "u", "pw-1234")
        adapter = NetconfAdapter(ctl, known_hosts=nc_known_hosts)
        adapter.open()
        adapter.stage(transport_changeset("kept"))
        adapter.commit()
        before = server.running_xml()
        if not options.get("candidate", True):
            # Staged edits reach running only at commit: the good one is applied, the bad one
            # refused, and the saved copy puts running back as it was.
            adapter.stage(transport_changeset("good"))
            adapter.stage(transport_changeset("bad", bandwidth=-1.0))
            with pytest.raises(ConfigRejected):
                adapter.commit(confirm_timeout=30)
            assert server.running_xml() == before
            adapter.discard()
        # An unconfirmed commit survives close(): rollback() reconnects and restores.
        adapter.stage(transport_changeset("kept", bandwidth=999.0))
        adapter.commit(confirm_timeout=30)
        assert server.running_xml() != before
        adapter.close()
        adapter.rollback()
        assert server.running_xml() == before
        adapter.close()
