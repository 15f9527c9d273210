"""Modify, cancel, force-terminate, heal and breakers through the HTTP API (a real uvicorn
and the lab), as an operator's OSS would drive them."""

from __future__ import annotations

import time
from typing import Any

import httpx

from nfvo.domain import Domain
from nfvo.lifecycle import Orchestrator
from simulator.lab.faults import Fault, FaultKind, Op
from simulator.lab.lab import Lab

FINAL = ("COMPLETED", "ROLLED_BACK", "FAILED", "FAILED_TEMP")


def wait_final(client: httpx.Client, op_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while True:
        op: dict[str, Any] = client.get(f"/api/v1/operations/{op_id}").json()
        if op["state"] in FINAL:
            return op
        assert time.monotonic() < deadline, op
        time.sleep(0.05)


def create(client: httpx.Client, template: str = "urllc") -> str:
    created = client.post("/api/v1/slices", json={"template": template}).json()
    assert wait_final(client, created["operation"]["id"])["state"] == "COMPLETED"
    return str(created["slice"]["id"])


def test_modify_cancel_and_bad_requests(api: str, lab: Lab) -> None:
    with httpx.Client(base_url=api, timeout=30) as client:
        slice_id = create(client)
        reply = client.patch(f"/api/v1/slices/{slice_id}", json={"inputs": {"throughput_mbps": 300.0}})
        assert reply.status_code == 202 and reply.headers["location"].endswith(reply.json()["id"])
        assert reply.json()["kind"] == "MODIFY"
        assert wait_final(client, reply.json()["id"])["state"] == "COMPLETED"

        # Infeasible: 422 with the blocking constraint, nothing recorded.
        before = client.get(f"/api/v1/slices/{slice_id}/operations").json()
        bad = client.patch(f"/api/v1/slices/{slice_id}", json={"inputs": {"user_plane_budget_ms": 0.1}})
        assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
        assert bad.json()["code"] == "placement-infeasible"
        assert client.get(f"/api/v1/slices/{slice_id}/operations").json() == before
        for body in ({}, {"inputs": {}}, {"inputs": {"x": 1}, "extra": True}):
            wrong = client.patch(f"/api/v1/slices/{slice_id}", json=body)
            assert wrong.status_code == 422 and wrong.json().get("code"), wrong.text

        # Cancel a modification while its core commit is slow: it rolls back.
        lab.inject(Domain.CORE, Fault(FaultKind.DELAY, Op.COMMIT, delay_ms=1500))
        op = client.patch(f"/api/v1/slices/{slice_id}", json={"inputs": {"throughput_mbps": 350.0}}).json()
        deadline = time.monotonic() + 30
        while not any(
            s["name"] == "push:core" for s in client.get(f"/api/v1/operations/{op['id']}").json()["steps"]
        ):
            assert time.monotonic() < deadline
            time.sleep(0.02)
        assert client.post(f"/api/v1/operations/{op['id']}/cancel").status_code == 202
        done = wait_final(client, op["id"])
        assert done["state"] == "ROLLED_BACK" and done["error"]["code"] == "cancelled"
        assert client.get(f"/api/v1/slices/{slice_id}").json()["state"] == "ACTIVE"
        assert client.post(f"/api/v1/operations/{op['id']}/cancel").status_code == 409


def test_force_terminate_heal_and_breakers(api: str, lab: Lab, orchestrator: Orchestrator) -> None:
    with httpx.Client(base_url=api, timeout=30) as client:
        slice_id = create(client)
        other = create(client, "embb")
        healed = client.post("/api/v1/substrate/heal", json={"links": [["edge-1", "regional-1"]]}).json()
        assert healed["failed_links"] == ["edge-1--regional-1"]
        assert {s["slice_id"] for s in healed["slices"]} == {slice_id, other}
        for outcome in healed["slices"]:
            assert wait_final(client, outcome["operation"]["id"])["state"] == "COMPLETED"
        unknown = client.post("/api/v1/substrate/heal", json={"sites": ["atlantis"]})
        assert unknown.status_code == 422 and "atlantis" in unknown.json()["detail"]
        restored = client.post("/api/v1/substrate/restore", json={"links": [["edge-1", "regional-1"]]})
        assert restored.json()["failed_links"] == []

        lab.gnmi[Domain.RAN].stop()
        op = client.delete(f"/api/v1/slices/{slice_id}", params={"force": "true"}).json()
        done = wait_final(client, op["id"])
        assert done["state"] == "COMPLETED" and done["error"]["code"] == "left-behind"
        assert client.get(f"/api/v1/slices/{slice_id}").json()["state"] == "TERMINATED"
        breakers = {b["controller"]: b for b in client.get("/api/v1/controllers/breakers").json()}
        ran = lab.substrate.controller_for(Domain.RAN).name
        assert breakers[ran]["consecutive_failures"] >= 1, breakers[ran]
        lab.gnmi[Domain.RAN].start()
