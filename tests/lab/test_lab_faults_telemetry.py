"""The lab's run-time switches: faults per domain (simulator.lab.faults) and the latency
its controllers measure along configured paths (simulator.lab.telemetry); and the NETCONF
emulator's :writable-running-only mode, driven by a plain ncclient client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import paramiko
import pytest
from lxml import etree
from ncclient import manager
from ncclient.operations.rpc import RPCError

from adapters.factory import connect
from adapters.gnmi import GnmiAdapter
from nfvo.domain import ChangeSet, ConfigEdit, ConfigRejected, Domain, EditOp, Link, parse_path
from nfvo.lifecycle.push import apply_changeset
from simulator.lab.faults import Fault, FaultBox, FaultKind, Op
from simulator.lab.lab import Lab
from simulator.lab.netconf_server import NS, NetconfServer
from simulator.lab.telemetry import LatencyModel

VLINK = "/slices/slice[name=s1]/vlink[id=v1]"


def vlink_changeset(domain: Domain, hops: tuple[str, ...]) -> ChangeSet:
    leaves = {"src-site": hops[0], "dst-site": hops[-1], "bandwidth-mbps": 10.0, "hop": hops}
    return ChangeSet("s1", domain, "ctl", "", (ConfigEdit(EditOp.MERGE, parse_path(VLINK), leaves),), ())


def push(lab: Lab, domain: Domain, changeset: ChangeSet) -> None:
    apply_changeset(
        connect, lab.substrate.controller_for(domain), changeset, confirm_timeout_s=10, attempts=1
    )


def test_faults_are_switched_per_domain_at_run_time(lab: Lab) -> None:
    lab.inject(Domain.TRANSPORT, Fault(FaultKind.REJECT, message="maintenance window"))
    assert lab.faults(Domain.TRANSPORT).pending and not lab.faults(Domain.CORE).pending
    with pytest.raises(ConfigRejected, match="maintenance window"):
        push(lab, Domain.TRANSPORT, vlink_changeset(Domain.TRANSPORT, ("cell-1", "edge-1")))
    assert lab.faults(Domain.TRANSPORT).hits == ((Op.COMMIT, FaultKind.REJECT),)
    push(lab, Domain.CORE, vlink_changeset(Domain.CORE, ("edge-1", "regional-1")))  # unaffected

    lab.inject(Domain.TRANSPORT, Fault(FaultKind.REJECT, times=0))
    lab.clear_faults()
    push(lab, Domain.TRANSPORT, vlink_changeset(Domain.TRANSPORT, ("cell-1", "edge-1")))
    with pytest.raises(ValueError, match="status"):
        lab.inject(Domain.RAN, Fault(FaultKind.REJECT, status="NOT-A-CODE"))


def test_fault_model_checks_and_defaults() -> None:
    with pytest.raises(ValueError):
        Fault(FaultKind.DELAY)  # a delay of nothing
    with pytest.raises(ValueError):
        Fault(FaultKind.DROP, times=-1)
    assert Fault(FaultKind.REJECT).target is Op.COMMIT and Fault(FaultKind.DELAY, delay_ms=5).target is Op.ANY
    box = FaultBox()
    box.inject(Fault(FaultKind.DROP, Op.READ, times=2))
    assert box.take(Op.COMMIT) is None
    assert box.take(Op.READ) is not None and box.take(Op.READ) is not None and box.take(Op.READ) is None


def test_netconf_get_reports_the_measured_latency_of_each_vlink(lab: Lab) -> None:
    push(lab, Domain.TRANSPORT, vlink_changeset(Domain.TRANSPORT, ("cell-1", "edge-1", "regional-1")))
    ctl = lab.substrate.controller_for(Domain.TRANSPORT)
    with manager.connect(
        host=ctl.host, port=ctl.port, username=ctl.username, password=ctl.password,
        hostkey_verify=False, look_for_keys=False, allow_agent=False, timeout=10,
    ) as m:  # fmt: skip

        def measured() -> str | None:
            data = m.get(filter=("subtree", f'<slices xmlns="{NS}"/>')).data_ele
            return data.findtext(f".//{{{NS}}}measured-latency-ms")  # type: ignore[no-any-return]

        assert measured() == "3.000"  # cell-1-edge-1 0.5 ms + edge-1-regional-1 2.5 ms
        lab.latency[Domain.TRANSPORT].offset_ms = 4.0  # the path degrades
        assert measured() == "7.000"
        config = m.get_config(source="running").data_ele
        assert config.find(f".//{{{NS}}}measured-latency-ms") is None  # state, not configuration


def test_gnmi_telemetry_path_reports_the_measured_latency(lab: Lab) -> None:
    push(lab, Domain.RAN, vlink_changeset(Domain.RAN, ("cell-1", "edge-1")))
    with GnmiAdapter(lab.substrate.controller_for(Domain.RAN)) as gnmi:
        path = "/telemetry/vlink[id=v1][slice=s1]/latency-ms"
        assert gnmi.read([parse_path(path)]) == {path: 0.5}
        whole = "/telemetry/vlink[id=v1][slice=s1]"
        assert gnmi.read([parse_path(whole)]) == {whole: {"slice": "s1", "id": "v1", "latency-ms": 0.5}}
        absent = "/telemetry/vlink[id=v9][slice=s1]/latency-ms"
        assert gnmi.read([parse_path(absent)]) == {absent: None}


def test_gnmi_get_of_type_all_adds_the_measured_latency_to_each_vlink(lab: Lab) -> None:
    # The same state leaf as the NETCONF emulator's <get>, so one SLA check serves both.
    push(lab, Domain.RAN, vlink_changeset(Domain.RAN, ("cell-1", "edge-1", "regional-1")))
    with GnmiAdapter(lab.substrate.controller_for(Domain.RAN)) as gnmi:
        vlink = gnmi.measure([parse_path(VLINK)])[VLINK]
        assert isinstance(vlink, dict) and vlink["measured-latency-ms"] == 3.0
        lab.latency[Domain.RAN].offset_ms = 1.5
        whole = "/slices/slice[name=s1]"
        entry = gnmi.measure([parse_path(whole)])[whole]
        assert isinstance(entry, dict) and entry["vlink"][0]["measured-latency-ms"] == 4.5
        assert "measured-latency-ms" not in str(gnmi.read([parse_path(VLINK)]))  # config only


def test_jitter_is_bounded_and_reproducible() -> None:
    links = [Link("a", "b", 1.0, 100.0), Link("b", "c", 2.0, 100.0)]
    first = [LatencyModel(links, jitter_ms=0.5, seed=7).measure(["a", "b", "c"]) for _ in range(2)]
    assert first[0] == first[1]
    model = LatencyModel(links, jitter_ms=0.5, seed=1)
    samples = [model.measure(["a", "b", "c"]) for _ in range(50)]
    assert all(s is not None and 3.0 <= s < 3.5 for s in samples)
    assert model.measure(["a", "c"]) is None and model.measure([]) is None  # no link a-c
    assert model.measure(["a", "a", "b"]) == pytest.approx(1.0, abs=0.5)


# --- the NETCONF emulator as a :writable-running server, and PARTIAL at the protocol level -----


@pytest.fixture
def running_only(nc_host_key: paramiko.RSAKey) -> Iterator[Any]:
    with (
        NetconfServer(username="u", password="pw-1234", host_key=nc_host_key, candidate=False) as server,
        manager.connect(
            host="127.0.0.1", port=server.port, username="u", password="pw-1234",
            hostkey_verify=False, look_for_keys=False, allow_agent=False, timeout=10,
        ) as m,
    ):  # fmt: skip
        yield m


def vlink_xml(bandwidth: str = "10", mandatory: bool = True, name: str = "s1") -> str:
    ends = "<src-site>a</src-site><dst-site>b</dst-site>" if mandatory else ""
    return (
        '<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">'
        f'<slices xmlns="{NS}"><slice><name>{name}</name><vlink><id>v1</id>{ends}'
        f"<bandwidth-mbps>{bandwidth}</bandwidth-mbps><hop>a</hop><hop>b</hop></vlink></slice></slices></config>"
    )


def test_writable_running_only_server(running_only: Any) -> None:
    caps = set(running_only.server_capabilities)
    assert "urn:ietf:params:netconf:capability:writable-running:1.0" in caps
    assert not any(":candidate:" in c or ":confirmed-commit:" in c for c in caps)
    running_only.lock("running")
    running_only.edit_config(target="running", config=vlink_xml())
    assert running_only.get_config(source="running").data_ele.findtext(f".//{{{NS}}}bandwidth-mbps") == "10.0"
    for bad in (vlink_xml("-1"), vlink_xml(mandatory=False, name="s2")):  # checked at once: no commit comes
        with pytest.raises(RPCError):
            running_only.edit_config(target="running", config=bad)
    # Sent raw: ncclient would refuse them itself, seeing no :candidate advertised.
    base = "urn:ietf:params:xml:ns:netconf:base:1.0"
    for refused in (
        f'<edit-config xmlns="{base}"><target><candidate/></target>{vlink_xml()}</edit-config>',
        f'<commit xmlns="{base}"/>',
        f'<discard-changes xmlns="{base}"/>',
    ):
        with pytest.raises(RPCError):
            running_only.dispatch(etree.fromstring(refused))
    running_only.unlock("running")


def test_partial_commit_leaves_one_change_out(netconf_server: NetconfServer, nc_connect: Any) -> None:
    m = nc_connect()
    netconf_server.inject(Fault(FaultKind.PARTIAL))
    m.edit_config(target="candidate", config=vlink_xml())
    m.commit()  # answered <ok/> all the same
    hops = [e.text for e in m.get_config(source="running").data_ele.iter(f"{{{NS}}}hop")]
    assert hops == ["a"]  # the last changed leaf, the second hop, was left out
    assert netconf_server.candidate_xml() != netconf_server.running_xml()
    assert etree.fromstring(netconf_server.running_xml().encode()).findtext(f".//{{{NS}}}src-site") == "a"


def test_after_a_deployment_every_vlink_measures_its_planned_latency(lab: Lab, orchestrator: Any) -> None:
    # What an SLA check after a step would read: without jitter or offset, the measured
    # latency of each vlink is the routed latency the planner wrote into latency-ms.
    _, operation = orchestrator.instantiate("urllc")
    assert orchestrator.wait(operation.id, timeout_s=60).state.value == "COMPLETED"
    ctl = lab.substrate.controller_for(Domain.TRANSPORT)
    with manager.connect(
        host=ctl.host, port=ctl.port, username=ctl.username, password=ctl.password,
        hostkey_verify=False, look_for_keys=False, allow_agent=False, timeout=10,
    ) as m:  # fmt: skip
        vlinks = list(m.get(filter=("subtree", f'<slices xmlns="{NS}"/>')).data_ele.iter(f"{{{NS}}}vlink"))
    assert vlinks
    for vlink in vlinks:
        planned = float(vlink.findtext(f"{{{NS}}}latency-ms") or "nan")
        measured = float(vlink.findtext(f"{{{NS}}}measured-latency-ms") or "nan")
        assert measured == pytest.approx(planned, abs=0.001), etree.tostring(vlink)
