"""FAILED_TEMP operations: retried or rolled back on request once the domain answers again."""

from __future__ import annotations

import time
from typing import Any

import httpx

from nfvo.domain import Domain, OperationState, SliceState, Usage
from nfvo.lifecycle import Orchestrator
from simulator.lab.lab import Lab


def wait_final(client: httpx.Client, op_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while True:
        op: dict[str, Any] = client.get(f"/api/v1/operations/{op_id}").json()
        if op["state"] in ("COMPLETED", "ROLLED_BACK", "FAILED", "FAILED_TEMP"):
            return op
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_terminate_that_failed_is_retried(api: str, orchestrator: Orchestrator, lab: Lab) -> None:
    with httpx.Client(base_url=api, timeout=30) as client:
        created = client.post("/api/v1/slices", json={"template": "urllc"}).json()
        slice_id = created["slice"]["id"]
        assert wait_final(client, created["operation"]["id"])["state"] == "COMPLETED"

        lab.gnmi[Domain.RAN].stop()  # the RAN controller goes away during the teardown
        op = client.delete(f"/api/v1/slices/{slice_id}").json()
        failed = wait_final(client, op["id"])
        assert failed["state"] == "FAILED_TEMP"
        assert failed["error"]["code"] == "controller-unavailable" and failed["error"]["temporary"]
        assert client.get(f"/api/v1/slices/{slice_id}").json()["state"] == "FAILED"
        assert orchestrator.store.usage() != Usage(), "capacity stays reserved while config may remain"
        assert client.post(f"/api/v1/operations/{op['id']}/rollback").status_code == 409

        lab.gnmi[Domain.RAN].start()  # back, on the same port, with the same configuration
        assert client.post(f"/api/v1/operations/{op['id']}/retry").status_code == 202
        done = wait_final(client, op["id"])
        assert done["state"] == "COMPLETED"
        assert client.get(f"/api/v1/slices/{slice_id}").json()["state"] == "TERMINATED"
        assert orchestrator.store.usage() == Usage()
        assert not lab.gnmi[Domain.RAN].snapshot().get("slices", {}).get("slice")
        assert client.post(f"/api/v1/operations/{op['id']}/retry").status_code == 409


def test_instantiate_that_could_not_be_undone_is_rolled_back(
    api: str, orchestrator: Orchestrator, lab: Lab
) -> None:
    # Configure every domain, then lose the core controller and interrupt the operation
    # the way a crash would: recovery cannot undo core, so the operation is FAILED_TEMP.
    instance, operation = orchestrator.instantiate("urllc")
    assert orchestrator.wait(operation.id, timeout_s=60).state is OperationState.COMPLETED
    orchestrator.store.update_slice(instance.id, state=SliceState.INSTANTIATING)
    orchestrator.store.update_operation(operation.id, state=OperationState.PROCESSING)
    lab.gnmi[Domain.CORE].stop()
    (recovered,) = orchestrator.recover()
    assert recovered.state is OperationState.FAILED_TEMP

    lab.gnmi[Domain.CORE].start()
    with httpx.Client(base_url=api, timeout=30) as client:
        assert client.post(f"/api/v1/operations/{operation.id}/rollback").status_code == 202
        assert wait_final(client, operation.id)["state"] == "ROLLED_BACK"
        assert client.get(f"/api/v1/slices/{instance.id}").json()["state"] == "NOT_INSTANTIATED"
    assert orchestrator.store.usage() == Usage()
    for gnmi in lab.gnmi.values():
        assert not gnmi.snapshot().get("slices", {}).get("slice")
