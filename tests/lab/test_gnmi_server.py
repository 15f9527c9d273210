"""The lab gNMI server, driven by pygnmi's client as any gNMI client would drive it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import grpc
import pytest
from pygnmi.client import gNMIclient, gNMIException
from pygnmi.spec.v080 import gnmi_pb2, gnmi_pb2_grpc

from simulator.lab.gnmi_server import CORE_MODELS, GnmiServer

S1 = "/slices/slice[name=s1]"
UPF = "/slices/slice[name=s1]/function[name=upf]"


# One server and one client for the module (closing a pygnmi client costs 0.2 s); each test
# starts from an empty configuration with no faults pending.
@pytest.fixture(scope="module")
def shared_server() -> Iterator[GnmiServer]:
    with GnmiServer("ran-ctl") as srv:
        yield srv


@pytest.fixture
def server(shared_server: GnmiServer) -> GnmiServer:
    shared_server.load({})
    shared_server.clear_faults()
    return shared_server


@pytest.fixture(scope="module")
def shared_client(shared_server: GnmiServer) -> Iterator[Any]:
    with gNMIclient(target=("127.0.0.1", shared_server.port), insecure=True) as gc:
        yield gc


@pytest.fixture
def client(server: GnmiServer, shared_client: Any) -> Any:
    return shared_client


@pytest.fixture
def stub(server: GnmiServer) -> Iterator[Any]:
    """The raw stub, for what pygnmi's client cannot send (typed scalars, odd encodings)."""
    with grpc.insecure_channel(server.address) as channel:
        yield gnmi_pb2_grpc.gNMIStub(channel)


def gnmi_path(*elems: str | tuple[str, dict[str, str]]) -> Any:
    return gnmi_pb2.Path(
        elem=[
            gnmi_pb2.PathElem(name=e) if isinstance(e, str) else gnmi_pb2.PathElem(name=e[0], key=e[1])
            for e in elems
        ]
    )


def get(client: Any, *paths: str, prefix: str = "") -> list[Any]:
    reply = client.get(prefix=prefix, path=list(paths), encoding="json_ietf")
    return [n["update"][0]["val"] for n in reply["notification"]]


def status(err: gNMIException) -> grpc.StatusCode:
    code: grpc.StatusCode = err.orig_exc.code()
    return code


def test_capabilities_name_our_models_and_json_encodings(client: Any) -> None:
    caps = client.capabilities()
    ran = {"name": "nfvo-slices-ran", "organization": "nfvo-slices", "version": "0.1.0"}
    assert ran in caps["supported_models"]
    assert {m["name"] for m in caps["supported_models"]} == {"nfvo-slices-ran", "nfvo-slices-core"}
    assert set(caps["supported_encodings"]) == {"json", "json_ietf"}
    assert caps["gnmi_version"] == "0.8.0"


def test_update_creates_keyed_entries_and_get_returns_them(server: GnmiServer, client: Any) -> None:
    reply = client.set(
        update=[(S1, {"tenant": "acme", "tags": ["a", "b"]}), (UPF, {"cpu": 4, "enabled": True})],
        encoding="json_ietf",
    )
    assert [(r["op"], r["path"]) for r in reply["response"]] == [
        ("UPDATE", S1.lstrip("/")),
        ("UPDATE", UPF.lstrip("/")),
    ]
    assert reply["timestamp"] > 0
    upf = {"name": "upf", "cpu": 4, "enabled": True}
    entry = {"name": "s1", "tenant": "acme", "tags": ["a", "b"], "function": [upf]}
    assert get(client, S1) == [entry]  # a list entry: a dict with its keys
    assert get(client, "/slices/slice") == [[entry]]  # a list without keys: its entries
    assert get(client, "/slices") == [{"slice": [entry]}]
    assert get(client, f"{UPF}/cpu") == [4]  # a leaf
    assert get(client, "slice[name=s1]/function[name=upf]", prefix="/slices") == [upf]
    assert server.snapshot() == {"slices": {"slice": [entry]}}


def test_update_merges_and_replace_replaces(server: GnmiServer, client: Any) -> None:
    client.set(update=[(S1, {"tenant": "acme", "qos": {"five_qi": 9, "arp": 1}})], encoding="json_ietf")
    client.set(update=[(S1, {"qos": {"five_qi": 7}, "sst": 1})], encoding="json_ietf")
    assert get(client, S1) == [{"name": "s1", "tenant": "acme", "qos": {"five_qi": 7, "arp": 1}, "sst": 1}]
    client.set(replace=[(S1, {"sst": 2})], encoding="json_ietf")
    assert get(client, S1) == [{"name": "s1", "sst": 2}]
    client.set(replace=[("/slices/slice[name=s1]/qos", {"arp": 3})], encoding="json")
    assert get(client, S1) == [{"name": "s1", "sst": 2, "qos": {"arp": 3}}]


def test_replace_with_nested_lists_restores_a_subtree_read_earlier(server: GnmiServer, client: Any) -> None:
    amf = "/slices/slice[name=s1]/function[name=amf]"
    client.set(update=[(UPF, {"cpu": 2}), (amf, {"cpu": 1})], encoding="json_ietf")
    before = get(client, S1)[0]
    client.set(delete=[S1], encoding="json_ietf")
    client.set(replace=[(S1, before)], encoding="json_ietf")
    assert get(client, S1) == [before]


def test_delete_removes_the_subtree_and_absent_is_fine(server: GnmiServer, client: Any) -> None:
    client.set(update=[(UPF, {"cpu": 2}), ("/slices/slice[name=s2]", {"tenant": "b"})], encoding="json_ietf")
    client.set(delete=[UPF, "/slices/slice[name=nope]", "/nothing/here"], encoding="json_ietf")
    assert server.snapshot() == {"slices": {"slice": [{"name": "s1"}, {"name": "s2", "tenant": "b"}]}}
    client.set(delete=["/slices/slice[name=s1]", "/slices/slice[name=s2]"], encoding="json_ietf")
    # Nothing left: no empty containers or lists linger.
    assert server.snapshot() == {}


def test_get_of_an_absent_path_is_not_found(client: Any) -> None:
    client.set(update=[(S1, {"tenant": "acme"})], encoding="json_ietf")
    with pytest.raises(gNMIException) as caught:
        client.get(path=["/slices/slice[name=s9]"], encoding="json_ietf")
    assert status(caught.value) is grpc.StatusCode.NOT_FOUND
    with pytest.raises(gNMIException) as caught:
        client.get(path=["/slices/slice/function"], encoding="json_ietf")  # which slice?
    assert status(caught.value) is grpc.StatusCode.INVALID_ARGUMENT


def test_an_empty_model_container_answers_no_data_rather_than_not_found(client: Any) -> None:
    def updates(path: str) -> list[Any]:
        reply = client.get(path=[path], encoding="json_ietf")
        return list(reply["notification"][0].get("update", []))

    assert updates("/slices") == []  # nothing configured yet: "/slices" is a container of the model
    client.set(update=[(UPF, {"cpu": 1})], encoding="json_ietf")
    client.set(delete=[S1], encoding="json_ietf")
    assert updates("/slices") == []
    assert updates("/slices/slice") == []  # a list known to be empty
    for absent in ("/slices/slice[name=s1]", "/other", f"{S1}/function"):  # an entry, an unknown node
        with pytest.raises(gNMIException) as caught:
            client.get(path=[absent], encoding="json_ietf")
        assert status(caught.value) is grpc.StatusCode.NOT_FOUND


def test_a_set_with_one_bad_operation_changes_nothing(server: GnmiServer, client: Any) -> None:
    client.set(update=[(S1, {"tenant": "acme"})], encoding="json_ietf")
    before = server.snapshot()
    with pytest.raises(gNMIException) as caught:
        client.set(
            delete=[S1],
            update=[("/slices/slice[name=s2]", {"tenant": "b"}), ("/slices/slice[name=s3]", "42")],
            encoding="json_ietf",
        )
    assert status(caught.value) is grpc.StatusCode.INVALID_ARGUMENT
    assert "JSON object" in str(caught.value)
    assert server.snapshot() == before


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("/slices/slice[id=s1]", {"x": 1}),  # the list is keyed by name
        ("/slices/slice/tenant", "1"),  # a list element without keys
        ("/slices/slice[name=s1]/name", '"other"'),  # changing a key leaf
        (S1, {"name": "other"}),  # a key leaf contradicting the path
        (S1, {"function": 5}),  # a list given a leaf value
        ("/slices", "not json"),
    ],
)
def test_bad_requests_are_invalid_argument(server: GnmiServer, client: Any, path: str, value: object) -> None:
    client.set(update=[(UPF, {"cpu": 1})], encoding="json_ietf")
    before = server.snapshot()
    with pytest.raises(gNMIException) as caught:
        client.set(update=[(path, value)], encoding="json_ietf")
    assert status(caught.value) is grpc.StatusCode.INVALID_ARGUMENT
    assert server.snapshot() == before


def test_scalar_typed_values_set_leaves(server: GnmiServer, stub: Any) -> None:
    def leaf(name: str) -> Any:
        return gnmi_path("slices", ("slice", {"name": "s1"}), name)

    stub.Set(
        gnmi_pb2.SetRequest(
            update=[
                gnmi_pb2.Update(path=leaf("tenant"), val=gnmi_pb2.TypedValue(string_val="acme")),
                gnmi_pb2.Update(path=leaf("ues"), val=gnmi_pb2.TypedValue(uint_val=100)),
                gnmi_pb2.Update(path=leaf("offset"), val=gnmi_pb2.TypedValue(int_val=-3)),
                gnmi_pb2.Update(path=leaf("on"), val=gnmi_pb2.TypedValue(bool_val=True)),
                gnmi_pb2.Update(path=leaf("ratio"), val=gnmi_pb2.TypedValue(double_val=0.5)),
            ]
        ),
        timeout=5,
    )
    assert server.snapshot()["slices"]["slice"] == [
        {"name": "s1", "tenant": "acme", "ues": 100, "offset": -3, "on": True, "ratio": 0.5}
    ]
    # A list entry needs an object, not a scalar.
    entry = gnmi_path("slices", ("slice", {"name": "s2"}))
    update = gnmi_pb2.Update(path=entry, val=gnmi_pb2.TypedValue(string_val="v"))
    with pytest.raises(grpc.RpcError) as caught:
        stub.Set(gnmi_pb2.SetRequest(update=[update]), timeout=5)
    assert caught.value.code() is grpc.StatusCode.INVALID_ARGUMENT


def test_get_answers_json_val_for_json_and_refuses_other_encodings(stub: Any, client: Any) -> None:
    client.set(update=[(S1, {"tenant": "acme"})], encoding="json_ietf")
    path = gnmi_path("slices")
    reply = stub.Get(gnmi_pb2.GetRequest(path=[path], encoding=gnmi_pb2.JSON), timeout=5)
    assert reply.notification[0].update[0].val.WhichOneof("value") == "json_val"
    with pytest.raises(grpc.RpcError) as caught:
        stub.Get(gnmi_pb2.GetRequest(path=[path], encoding=gnmi_pb2.PROTO), timeout=5)
    assert caught.value.code() is grpc.StatusCode.UNIMPLEMENTED


def test_subscribe_is_unimplemented(stub: Any) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        list(stub.Subscribe(iter([gnmi_pb2.SubscribeRequest()]), timeout=5))
    assert caught.value.code() is grpc.StatusCode.UNIMPLEMENTED


def test_validator_refuses_a_candidate_with_failed_precondition() -> None:
    def at_most_two_slices(config: Any) -> str | None:
        return "too many slices" if len(config.get("slices", {}).get("slice", [])) > 2 else None

    with (
        GnmiServer("core-ctl", models=CORE_MODELS, validator=at_most_two_slices) as srv,
        gNMIclient(target=("127.0.0.1", srv.port), insecure=True) as gc,
    ):
        gc.set(update=[(f"/slices/slice[name=s{i}]", {"x": i}) for i in (1, 2)], encoding="json_ietf")
        with pytest.raises(gNMIException) as caught:
            gc.set(update=[("/slices/slice[name=s3]", {"x": 3})], encoding="json_ietf")
        assert status(caught.value) is grpc.StatusCode.FAILED_PRECONDITION
        assert "too many slices" in str(caught.value)
        assert len(srv.snapshot()["slices"]["slice"]) == 2
        assert [m["name"] for m in gc.capabilities()["supported_models"]] == ["nfvo-slices-core"]


def test_injected_faults_fail_the_next_calls_only(server: GnmiServer, client: Any) -> None:
    server.inject_fault("Set", "UNAVAILABLE", "controller rebooting", times=2)
    for _ in range(2):
        with pytest.raises(gNMIException) as caught:
            client.set(update=[(S1, {"x": 1})], encoding="json_ietf")
        assert status(caught.value) is grpc.StatusCode.UNAVAILABLE
    client.set(update=[(S1, {"x": 1})], encoding="json_ietf")
    assert server.snapshot() == {"slices": {"slice": [{"name": "s1", "x": 1}]}}


def test_concurrent_sets_are_all_applied(server: GnmiServer) -> None:
    def writer(n: int) -> None:
        with gNMIclient(target=("127.0.0.1", server.port), insecure=True) as gc:
            for i in range(10):
                gc.set(update=[(f"/slices/slice[name=w{n}]", {f"leaf{i}": i})], encoding="json_ietf")

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    entries = server.snapshot()["slices"]["slice"]
    assert len(entries) == 6
    assert all(len(e) == 11 for e in entries)  # the key and ten leaves


def test_restart_keeps_port_and_configuration() -> None:
    srv = GnmiServer("ran-ctl").start()
    try:
        srv.load({"slices": {"slice": [{"name": "s1", "tenant": "acme"}]}})
        port = srv.port
        srv.stop()
        srv.stop()  # idempotent
        assert not srv.running
        srv.start()
        assert srv.port == port
        with gNMIclient(target=("127.0.0.1", port), insecure=True) as gc:
            assert get(gc, S1) == [{"name": "s1", "tenant": "acme"}]
    finally:
        srv.stop()


def test_load_starts_afresh_and_rejects_what_does_not_fit(server: GnmiServer) -> None:
    server.load({"slices": {"slice": [{"name": "s1", "function": [{"name": "upf", "cpu": 2}]}]}})
    assert server.snapshot()["slices"]["slice"][0]["function"] == [{"name": "upf", "cpu": 2}]
    with pytest.raises(ValueError, match="keys"):
        server.load({"things": [{"colour": "red"}]})  # no name/id/key leaf to index entries by
    server.load({})
    assert server.snapshot() == {}


def test_binds_loopback_only_and_reports_a_taken_port(server: GnmiServer) -> None:
    with pytest.raises(ValueError, match="loopback"):
        GnmiServer(host="0.0.0.0")
    with pytest.raises(OSError, match="could not bind"):
        GnmiServer(port=server.port).start()
