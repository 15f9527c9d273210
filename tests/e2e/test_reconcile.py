"""Reconciliation finds drift made behind the orchestrator's back (with ordinary clients)
and repairs it."""

from __future__ import annotations

from ncclient import manager
from pygnmi.client import gNMIclient

from nfvo.domain import Domain, OperationState
from nfvo.lifecycle import Orchestrator
from simulator.lab.lab import Lab

ORPHAN = """
<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">
  <slices xmlns="urn:nfvo-slices:transport">
    <slice><name>stray-1</name><slice-type>eMBB</slice-type></slice>
  </slices>
</config>"""


def test_drift_is_reported_then_repaired(orchestrator: Orchestrator, lab: Lab) -> None:
    instance, operation = orchestrator.instantiate("urllc")
    assert orchestrator.wait(operation.id, timeout_s=60).state is OperationState.COMPLETED
    assert orchestrator.reconcile() == []

    transport = lab.substrate.controller_for(Domain.TRANSPORT)
    with manager.connect(
        host=transport.host, port=transport.port, username=transport.username, password=transport.password,
        hostkey_verify=False, look_for_keys=False, allow_agent=False,
    ) as m:  # fmt: skip
        m.edit_config(target="candidate", config=ORPHAN)
        m.commit()
    core = lab.substrate.controller_for(Domain.CORE)
    with gNMIclient(target=(core.host, core.port), insecure=True) as gc:
        gc.set(delete=[f"/slices/slice[name={instance.id}]"])
    ran = lab.substrate.controller_for(Domain.RAN)
    with gNMIclient(target=(ran.host, ran.port), insecure=True) as gc:
        gc.set(update=[(f"/slices/slice[name={instance.id}]", {"max-ues": 1})], encoding="json_ietf")

    report = {(d.domain, d.slice_id, d.kind) for d in orchestrator.reconcile()}
    assert report == {
        ("transport", "stray-1", "orphan"),
        ("core", instance.id, "missing"),
        ("ran", instance.id, "differs"),
    }

    repaired = orchestrator.reconcile(repair=True)
    assert len(repaired) == 3 and all(d.repaired for d in repaired)
    assert orchestrator.reconcile() == []
    assert "stray-1" not in lab.netconf[Domain.TRANSPORT].running_xml()
