"""The gNMI adapter against the lab gNMI server on loopback: what is gNMI's own (JSON shapes,
stacked undos, one atomic Set, TLS). The shared behaviour is in test_adapter_contract.py."""

from __future__ import annotations

import datetime
import ipaddress
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from adapters.factory import connect
from adapters.gnmi import GnmiAdapter
from nfvo.domain import (
    AdapterError,
    ChangeSet,
    ConfigEdit,
    ConfigRejected,
    ControllerUnavailable,
    Domain,
    EditOp,
    Leaf,
    UnsupportedCapability,
    parse_path,
)
from simulator.lab.gnmi_server import GnmiServer

S1 = "/slices/slice[name=s1]"
UPF = "/slices/slice[name=s1]/function[name=upf]"


def merge(path: str, **leaves: Leaf) -> ConfigEdit:
    return ConfigEdit(EditOp.MERGE, parse_path(path), leaves)


def delete(path: str) -> ConfigEdit:
    return ConfigEdit(EditOp.DELETE, parse_path(path))


def changeset(*edits: ConfigEdit, undo: tuple[ConfigEdit, ...] = ()) -> ChangeSet:
    return ChangeSet("ran", Domain.RAN, "ran-ctl", "test change", tuple(edits), undo)


@pytest.fixture
def server() -> Iterator[GnmiServer]:
    with GnmiServer("ran-ctl") as srv:
        yield srv


@pytest.fixture
def adapter(server: GnmiServer) -> Iterator[GnmiAdapter]:
    gnmi = GnmiAdapter(server.controller(Domain.RAN, timeout_s=3))
    gnmi.open()
    yield gnmi
    gnmi.close()


def push(adapter: GnmiAdapter, *edits: ConfigEdit, confirm_timeout: float | None = None) -> None:
    adapter.stage(changeset(*edits))
    adapter.validate()
    adapter.commit(confirm_timeout)


SLICE_EDITS = (
    merge(S1, tenant="acme", sst=1, tags=("gold", "low-latency")),
    merge(UPF, cpu=4, memory_gb=8.5, site="edge-1"),
    merge("/slices/slice[name=s1]/function[name=amf]", cpu=2, site="core-1"),
)


def test_capabilities_name_models_encodings_and_version(adapter: GnmiAdapter) -> None:
    caps = adapter.capabilities()
    assert "model:nfvo-slices/nfvo-slices-ran@0.1.0" in caps
    assert "encoding:JSON_IETF" in caps
    assert "gnmi-version:0.8.0" in caps


def test_push_a_changeset_and_read_it_back(adapter: GnmiAdapter, server: GnmiServer) -> None:
    push(adapter, *SLICE_EDITS)
    upf = {"name": "upf", "cpu": 4, "memory_gb": 8.5, "site": "edge-1"}
    amf = {"name": "amf", "cpu": 2, "site": "core-1"}
    entry = {
        "name": "s1",
        "tenant": "acme",
        "sst": 1,
        "tags": ["gold", "low-latency"],
        "function": [amf, upf],
    }
    got = adapter.read(
        [
            parse_path(S1),
            parse_path(UPF),
            parse_path("/slices"),
            parse_path("/slices/slice"),
            parse_path(f"{UPF}/cpu"),
            parse_path("/slices/slice[name=s9]"),
        ]
    )
    assert got == {
        S1: entry,  # a list entry: a dict with its keys and its nested lists as arrays
        UPF: upf,
        "/slices": {"slice": [entry]},  # a container: a dict
        "/slices/slice": [entry],  # a list: its entries
        f"{UPF}/cpu": 4,  # a leaf: its value
        "/slices/slice[name=s9]": None,  # absent
    }
    assert server.snapshot() == {"slices": {"slice": [entry]}}
    adapter.stage(changeset(delete(S1)))
    adapter.commit()
    assert adapter.read([parse_path("/slices"), parse_path(S1)]) == {"/slices": None, S1: None}


def test_rollback_of_an_unconfirmed_commit_restores_the_previous_tree_exactly(
    adapter: GnmiAdapter, server: GnmiServer
) -> None:
    push(
        adapter,
        merge(S1, tenant="acme", sst=1),
        merge(UPF, cpu=2, site="edge-1"),
        merge("/slices/slice[name=s0]", tenant="old"),
        merge("/qos/profile[id=7]", five_qi=7),
    )
    before = server.snapshot()
    push(
        adapter,
        merge(S1, sst=2, ues=100),  # modifies a pre-existing entry
        merge(UPF, cpu=8),  # and one nested in it
        merge("/slices/slice[name=s1]/function[name=smf]", cpu=1),  # adds to it
        merge("/slices/slice[name=s2]/function[name=upf]", cpu=3),  # creates an entry and its parent
        delete("/slices/slice[name=s0]"),  # removes one
        merge("/transport/vlan[id=100]", slice="s2"),  # creates a new top-level container
        confirm_timeout=60,
    )
    assert server.snapshot() != before
    assert adapter.confirm_deadline is not None
    adapter.rollback()
    assert server.snapshot() == before
    assert adapter.confirm_deadline is None
    adapter.rollback()  # nothing pending any more: a no-op
    assert server.snapshot() == before


def test_stacked_unconfirmed_commits_roll_back_to_before_the_first(
    adapter: GnmiAdapter, server: GnmiServer
) -> None:
    push(adapter, merge(S1, tenant="acme"))
    before = server.snapshot()
    push(adapter, merge(S1, tenant="beta"), confirm_timeout=60)
    push(adapter, merge(UPF, cpu=1), delete(S1), merge(S1, tenant="gamma"), confirm_timeout=60)
    adapter.rollback()
    assert server.snapshot() == before


def test_edits_apply_in_order_within_one_atomic_set(adapter: GnmiAdapter, server: GnmiServer) -> None:
    # gNMI runs every delete of a Set before its updates; the adapter keeps the changeset's order.
    push(
        adapter,
        merge(UPF, cpu=1),
        delete(S1),
        merge("/slices/slice[name=s2]", a=1, b=2),
        delete("/slices/slice[name=s2]/b"),
    )
    assert server.snapshot() == {"slices": {"slice": [{"name": "s2", "a": 1}]}}


def test_discard_and_rollback_drop_staged_edits(adapter: GnmiAdapter, server: GnmiServer) -> None:
    adapter.stage(changeset(*SLICE_EDITS))
    adapter.discard()
    adapter.commit()
    adapter.stage(changeset(*SLICE_EDITS))
    adapter.rollback()
    adapter.commit()
    assert server.snapshot() == {}


def test_diff_describes_staged_edits_against_the_running_config(adapter: GnmiAdapter) -> None:
    push(adapter, merge(S1, tenant="acme", sst=1), merge("/slices/slice[name=s0]", tenant="x"))
    adapter.stage(
        changeset(
            merge(S1, tenant="acme", sst=2, ues=10),
            merge(UPF, cpu=4),
            delete("/slices/slice[name=s0]"),
            delete("/slices/slice[name=absent]"),
        )
    )
    text = adapter.diff()
    assert "~ /slices/slice[name=s1]\n~     sst: 1 -> 2\n+     ues: 10\n" in text
    assert "+ /slices/slice[name=s1]/function[name=upf]\n+     cpu: 4\n" in text
    assert '- /slices/slice[name=s0]\n-     {"name":"s0","tenant":"x"}\n' in text
    assert "absent" not in text  # deleting what is not there changes nothing
    assert "tenant" not in text.split("- /slices/slice[name=s0]")[0]  # unchanged leaves are not shown
    adapter.discard()
    assert adapter.diff() == ""


@pytest.mark.parametrize(
    "edit",
    [
        ConfigEdit(EditOp.MERGE, parse_path("/slices"), {}),  # merges nothing
        ConfigEdit(EditOp.DELETE, ()),  # would wipe the whole configuration
        ConfigEdit(EditOp.DELETE, parse_path(S1), {"x": 1}),
        merge(S1, name="s2"),  # contradicts the key in the path
        merge(S1, ratio=float("nan")),
        ConfigEdit(EditOp.MERGE, parse_path(S1), {"bad name": 1}),
    ],
)
def test_validate_refuses_malformed_edits_locally(
    adapter: GnmiAdapter, server: GnmiServer, edit: ConfigEdit
) -> None:
    adapter.stage(changeset(merge(UPF, cpu=1), edit))
    assert isinstance(adapter.diff(), str)  # describing bad edits never fails
    with pytest.raises(ConfigRejected, match="invalid edits") as caught:
        adapter.validate()
    assert caught.value.controller == "ran-ctl"
    with pytest.raises(ConfigRejected):
        adapter.commit()
    assert server.snapshot() == {}


def test_config_the_server_refuses_is_config_rejected_and_changes_nothing(
    adapter: GnmiAdapter, server: GnmiServer
) -> None:
    push(adapter, merge(UPF, cpu=1))
    before = server.snapshot()
    # "function" is a list on the server: a leaf of that name does not fit.
    adapter.stage(changeset(merge("/slices/slice[name=s2]", tenant="b"), merge(S1, function="x")))
    adapter.validate()  # well-formed: only the server can tell
    with pytest.raises(ConfigRejected, match="INVALID_ARGUMENT") as caught:
        adapter.commit(confirm_timeout=60)
    assert caught.value.controller == "ran-ctl"
    assert "function" in caught.value.detail
    assert server.snapshot() == before
    adapter.rollback()  # nothing was committed: only drops the staged edits
    assert server.snapshot() == before


def test_a_validator_refusal_is_config_rejected() -> None:
    def no_big_upf(config: Any) -> str | None:
        for entry in config.get("slices", {}).get("slice", []):
            if any(f.get("cpu", 0) > 16 for f in entry.get("function", [])):
                return "cpu exceeds the site's capacity"
        return None

    with (
        GnmiServer("core-ctl", validator=no_big_upf) as srv,
        GnmiAdapter(srv.controller(Domain.CORE)) as gnmi,
    ):
        gnmi.stage(changeset(merge(UPF, cpu=32)))
        with pytest.raises(ConfigRejected, match="capacity"):
            gnmi.commit()
        assert srv.snapshot() == {}


def test_a_server_not_listening_is_controller_unavailable() -> None:
    srv = GnmiServer("gone").start()
    controller = srv.controller(Domain.RAN, timeout_s=2)
    srv.stop()
    gnmi = GnmiAdapter(controller)
    with pytest.raises(ControllerUnavailable) as caught:
        gnmi.open()
    assert caught.value.controller == "gone"
    assert "UNAVAILABLE" in caught.value.detail
    with pytest.raises(ControllerUnavailable, match="closed"):
        gnmi.read([parse_path(S1)])


def test_a_slow_controller_hits_the_deadline(server: GnmiServer) -> None:
    with GnmiAdapter(server.controller(Domain.RAN), timeout_s=0.2) as gnmi:
        server.inject_fault("Get", code=None, delay_s=2)
        with pytest.raises(ControllerUnavailable, match="DEADLINE_EXCEEDED"):
            gnmi.read([parse_path(S1)])


def test_json_ietf_is_required() -> None:
    with GnmiServer("old-ctl", encodings=("JSON",)) as srv:
        gnmi = GnmiAdapter(srv.controller(Domain.CORE))
        with pytest.raises(UnsupportedCapability, match="JSON_IETF"):
            gnmi.open()


def test_a_lost_set_reply_keeps_the_undo(adapter: GnmiAdapter, server: GnmiServer) -> None:
    push(adapter, merge(S1, tenant="acme"))
    before = server.snapshot()
    server.inject_fault("Set", "UNAVAILABLE", "connection reset")
    adapter.stage(changeset(merge(S1, tenant="beta")))
    with pytest.raises(ControllerUnavailable):
        adapter.commit(confirm_timeout=60)
    adapter.commit(confirm_timeout=60)  # the staged edits are still there: retry
    assert server.snapshot() != before
    adapter.rollback()
    assert server.snapshot() == before


def test_no_grpc_exception_escapes_when_the_server_stops_mid_session(
    adapter: GnmiAdapter, server: GnmiServer
) -> None:
    push(adapter, merge(S1, tenant="acme"))
    before = server.snapshot()
    push(adapter, *SLICE_EDITS, confirm_timeout=60)
    adapter.stage(changeset(merge(S1, tenant="beta")))
    server.stop()

    calls: dict[str, Callable[[], object]] = {
        "capabilities": adapter.capabilities,
        "stage": lambda: adapter.stage(changeset(merge(UPF, cpu=9))),
        "validate": adapter.validate,
        "diff": adapter.diff,
        "read": lambda: adapter.read([parse_path(S1)]),
        "commit": lambda: adapter.commit(confirm_timeout=60),
        "rollback": adapter.rollback,
        "confirm": adapter.confirm,
        "discard": adapter.discard,
        "close": adapter.close,
        "open": adapter.open,
        "read after close": lambda: adapter.read([parse_path(S1)]),
    }
    failures: dict[str, BaseException] = {}
    for name, call in calls.items():
        if name == "confirm":
            continue  # would drop the undo the end of this test needs
        try:
            call()
        except AdapterError as err:
            assert err.controller == "ran-ctl"
            failures[name] = err
        except BaseException as err:
            pytest.fail(f"{name} let {type(err).__module__}.{type(err).__name__} escape: {err}")
    assert {"diff", "read", "commit", "rollback", "open", "read after close"} <= set(failures)
    assert all(isinstance(err, ControllerUnavailable) for err in failures.values())

    # The controller comes back: the pending undo is still there and restores the old state.
    server.start()
    adapter.open()
    adapter.rollback()
    assert server.snapshot() == before


# --- TLS --------------------------------------------------------------------------------


def self_signed() -> tuple[bytes, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "lab-gnmi")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return key_pem, cert.public_bytes(serialization.Encoding.PEM)


def test_tls_channel_verified_against_the_given_root() -> None:
    key_pem, cert_pem = self_signed()
    _, other_pem = self_signed()
    with GnmiServer("ran-tls", tls=(key_pem, cert_pem)) as srv:
        controller = replace(srv.controller(Domain.RAN), timeout_s=3)
        with GnmiAdapter(controller, tls=True, root_certificates=cert_pem) as gnmi:
            push(gnmi, merge(S1, tenant="acme"))
            assert gnmi.read([parse_path(S1)]) == {S1: {"name": "s1", "tenant": "acme"}}
        for wrong in (
            GnmiAdapter(controller),
            GnmiAdapter(controller, tls=True, root_certificates=other_pem),
        ):
            with pytest.raises(ControllerUnavailable):
                wrong.open()


def test_tls_as_the_substrate_says(tmp_path: Path) -> None:
    key_pem, cert_pem = self_signed()
    ca = tmp_path / "ca.pem"
    ca.write_bytes(cert_pem)
    with GnmiServer("ran-tls", tls=(key_pem, cert_pem)) as srv:
        controller = replace(srv.controller(Domain.RAN), timeout_s=3, tls=True, tls_ca=str(ca))
        with connect(controller) as gnmi:
            push(gnmi, merge(S1, tenant="acme"))
        with pytest.raises(ControllerUnavailable, match="tls_ca"):
            connect(replace(controller, tls_ca=str(tmp_path / "gone.pem")))
