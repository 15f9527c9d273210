"""The spine, end to end: HTTP API → catalog → placement → plan → twin → NETCONF/gNMI lab
→ SQLite, and back. Configuration is read back with ordinary clients (ncclient, pygnmi),
not through our adapters."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from ncclient import manager
from pygnmi.client import gNMIclient

from nfvo.domain import Controller, Domain
from simulator.lab.lab import Lab

TRANSPORT_NS = "urn:nfvo-slices:transport"
DATA = Path(__file__).parents[1] / "data"


def wait(client: httpx.Client, location: str, timeout_s: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        op: dict[str, Any] = client.get(location).json()
        if op["state"] in ("COMPLETED", "ROLLED_BACK", "FAILED", "FAILED_TEMP"):
            return op
        assert time.monotonic() < deadline, f"operation stuck in {op['state']}"
        time.sleep(0.05)


def netconf_running(ctl: Controller) -> str:
    with manager.connect(
        host=ctl.host,
        port=ctl.port,
        username=ctl.username,
        password=ctl.password,
        hostkey_verify=False,
        look_for_keys=False,
        allow_agent=False,
        timeout=10,
    ) as m:
        return str(m.get_config(source="running").data_xml)


def gnmi_slices(ctl: Controller) -> Any:
    with gNMIclient(target=(ctl.host, ctl.port), insecure=True) as gc:
        reply = gc.get(path=["/slices"], encoding="json_ietf")
    updates = reply["notification"][0].get("update", [])
    return updates[0]["val"] if updates else None


def slice_entries(value: Any) -> list[dict[str, Any]]:
    if not value:
        return []
    entries = value.get("slice", []) if isinstance(value, dict) else []
    return entries if isinstance(entries, list) else [entries]


def test_urllc_slice_round_trip(api: str, lab: Lab) -> None:
    transport = lab.substrate.controller_for(Domain.TRANSPORT)
    core = lab.substrate.controller_for(Domain.CORE)
    ran = lab.substrate.controller_for(Domain.RAN)
    with httpx.Client(base_url=api, timeout=30) as client:
        before = client.get("/api/v1/substrate").json()

        reply = client.post("/api/v1/slices", json={"template": "urllc", "name": "factory-1"})
        assert reply.status_code == 202, reply.text
        op = wait(client, reply.headers["Location"])
        assert op["state"] == "COMPLETED", op
        assert [s["state"] for s in op["steps"]] == ["DONE"] * len(op["steps"])
        assert op["first_time_right"] is True
        slice_id = op["slice_id"]

        sl = client.get(f"/api/v1/slices/{slice_id}").json()
        assert sl["state"] == "ACTIVE"
        budgets = sl["placement"]["budgets"]
        assert budgets and all(b["met"] and b["achieved_ms"] <= b["max_ms"] for b in budgets)
        upf_site = next(site for nf, site in sl["placement"]["functions"].items() if "upf" in nf.lower())
        assert upf_site.startswith("edge"), "URLLC's budget needs an edge UPF"

        # Read the configuration back with ordinary clients.
        xml = netconf_running(transport)
        assert TRANSPORT_NS in xml and slice_id in xml and upf_site in xml
        core_slices = slice_entries(gnmi_slices(core))
        assert [e["name"] for e in core_slices] == [slice_id]
        assert {f["site"] for f in core_slices[0]["function"]} >= {upf_site}
        assert [e["name"] for e in slice_entries(gnmi_slices(ran))] == [slice_id]

        during = client.get("/api/v1/substrate").json()
        assert sum(s["cpu_used"] for s in during["sites"]) > 0

        reply = client.delete(f"/api/v1/slices/{slice_id}")
        assert reply.status_code == 202
        op = wait(client, reply.headers["Location"])
        assert op["state"] == "COMPLETED", op
        assert client.get(f"/api/v1/slices/{slice_id}").json()["state"] == "TERMINATED"

        # Nothing left on any controller, capacity back to where it started.
        assert slice_id not in netconf_running(transport)
        assert slice_entries(gnmi_slices(core)) == []
        assert slice_entries(gnmi_slices(ran)) == []
        assert client.get("/api/v1/substrate").json() == before

        # Terminating again is harmless and answers the same operation.
        again = client.delete(f"/api/v1/slices/{slice_id}")
        assert again.status_code == 202 and again.json()["id"] == op["id"]


def test_all_examples_deploy_within_budget(api: str) -> None:
    with httpx.Client(base_url=api, timeout=30) as client:
        for name in ("embb", "urllc", "mmtc"):
            reply = client.post("/api/v1/slices", json={"template": name})
            assert reply.status_code == 202, reply.text
            assert wait(client, reply.headers["Location"])["state"] == "COMPLETED"
        slices = client.get("/api/v1/slices").json()
        assert sorted(s["template"] for s in slices) == ["embb@1", "mmtc@1", "urllc@1"]
        for sl in slices:
            assert all(b["met"] for b in sl["placement"]["budgets"])


def assert_nothing_changed(client: httpx.Client, lab: Lab, before: dict[str, Any]) -> None:
    assert client.get("/api/v1/slices").json() == []
    assert client.get("/api/v1/operations").json() == []
    assert client.get("/api/v1/substrate").json() == before
    for ctl in lab.substrate.controllers:
        if ctl.domain is Domain.TRANSPORT:
            assert "slice" not in netconf_running(ctl).split(TRANSPORT_NS, 1)[-1]
        else:
            assert slice_entries(gnmi_slices(ctl)) == []


def test_impossible_latency_budget_is_rejected_and_leaves_nothing(api: str, lab: Lab) -> None:
    # Uploaded templates import the shipped profile by its catalog-relative path.
    text = (DATA / "templates" / "urllc-impossible.yaml").read_text().replace("../../../models/", "../")
    with httpx.Client(base_url=api, timeout=30) as client:
        before = client.get("/api/v1/substrate").json()
        reply = client.post("/api/v1/slices", json={"template_yaml": text})
        assert reply.status_code == 422
        assert reply.headers["content-type"].startswith("application/problem+json")
        problem = reply.json()
        assert problem["code"] == "placement-infeasible"
        blocking = problem["blocking"]
        assert blocking["kind"] == "latency-budget"
        assert blocking["best_achievable"] > blocking["required"]
        assert blocking["subject"] in problem["detail"]
        assert f"{blocking['best_achievable']:.2f}" in problem["detail"]
        assert_nothing_changed(client, lab, before)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"template": "urllc", "template_yaml": "x: 1"}, "invalid-request"),
        ({"template": "no-such-template"}, "not-found"),
        ({"template_yaml": "tosca_definitions_version: [unclosed"}, "invalid-template"),
        ({"template": "urllc", "inputs": {"no_such_input": 1}}, "invalid-template"),
        ({"template": "urllc", "tenant": "bad tenant!"}, "invalid-request"),
        ({"template": "urllc", "inputs": {"cell_site": "cell-99"}}, "placement-infeasible"),
        ({"template": "urllc", "inputs": {"throughput_mbps": "lots"}}, "invalid-template"),
        ({"template": "urllc", "inputs": {"throughput_mbps": -5}}, "invalid-template"),
        ([1, 2], "invalid-request"),
    ],
)
def test_bad_requests_get_precise_problems_and_leave_nothing(
    api: str, lab: Lab, body: Any, code: str
) -> None:
    with httpx.Client(base_url=api, timeout=30) as client:
        before = client.get("/api/v1/substrate").json()
        reply = client.post("/api/v1/slices", json=body)
        assert 400 <= reply.status_code < 500
        assert reply.headers["content-type"].startswith("application/problem+json")
        assert reply.json()["code"] == code
        assert reply.json()["detail"]
        assert "Traceback" not in reply.text
        assert_nothing_changed(client, lab, before)


def test_malformed_template_diagnostics_carry_lines(api: str) -> None:
    text = (DATA / "templates" / "malformed.yaml").read_text().replace("../../../models/", "../")
    with httpx.Client(base_url=api, timeout=30) as client:
        reply = client.post("/api/v1/slices", json={"template_yaml": text})
    assert reply.status_code == 422
    diagnostics = reply.json()["diagnostics"]
    assert len(diagnostics) >= 2
    assert any(d.get("line") for d in diagnostics)


def test_a_body_that_is_not_json_is_a_problem(api: str) -> None:
    with httpx.Client(base_url=api, timeout=30) as client:
        reply = client.post(
            "/api/v1/slices", content=b"{not json", headers={"content-type": "application/json"}
        )
    assert reply.status_code == 422
    assert reply.json()["code"] == "invalid-request"


def test_unknown_ids_are_404_problems(api: str) -> None:
    with httpx.Client(base_url=api, timeout=30) as client:
        for path in ("/api/v1/slices/nope", "/api/v1/operations/nope"):
            reply = client.get(path)
            assert reply.status_code == 404
            assert reply.json()["code"] == "not-found"
        assert client.delete("/api/v1/slices/nope").status_code == 404
