"""`nfvo lab --demo`: deploy the three example slices through the HTTP API, show where
they went and their latency against budget, tear one down, and check the lab agrees."""

from __future__ import annotations

import time
from typing import Any

import httpx
import typer

from nfvo.domain import OperationState

EXAMPLES = ("embb", "urllc", "mmtc")
FINAL = {s.value for s in OperationState if s.is_final}


def wait_operation(client: httpx.Client, location: str, timeout_s: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        op: dict[str, Any] = client.get(location).raise_for_status().json()
        if op["state"] in FINAL:
            return op
        if time.monotonic() > deadline:
            raise TimeoutError(f"operation {op['id']} still {op['state']} after {timeout_s:.0f} s")
        time.sleep(0.05)


def run_demo(base_url: str, api_key: str) -> bool:
    """Returns True when every step went as expected."""
    ok = True
    headers = {"Authorization": f"Bearer {api_key}"}
    with httpx.Client(base_url=base_url, timeout=30, headers=headers) as client:
        slices: dict[str, dict[str, Any]] = {}
        for name in EXAMPLES:
            reply = client.post("/api/v1/slices", json={"template": name, "name": f"demo-{name}"})
            if reply.status_code != 202:
                typer.secho(f"✗ {name}: {reply.status_code} {reply.json().get('detail')}", fg="red")
                ok = False
                continue
            op = wait_operation(client, reply.headers["Location"])
            sl = client.get(f"/api/v1/slices/{op['slice_id']}").json()
            slices[name] = sl
            ok &= _report_slice(sl, op)

        victim = slices.get("mmtc")
        if victim is not None:
            typer.echo(f"\nTearing down {victim['name']} ({victim['id']}) ...")
            reply = client.delete(f"/api/v1/slices/{victim['id']}")
            op = wait_operation(client, reply.headers["Location"])
            state = client.get(f"/api/v1/slices/{victim['id']}").json()["state"]
            good = op["state"] == "COMPLETED" and state == "TERMINATED"
            ok &= good
            mark = "✓" if good else "✗"
            steps = ", ".join(f"{s['name']} {s['state']}" for s in op["steps"])
            typer.echo(f"{mark} terminate {op['state']}; slice {state}; steps: {steps}")

        _report_utilisation(client.get("/api/v1/substrate").json())
    return ok


def _report_slice(sl: dict[str, Any], op: dict[str, Any]) -> bool:
    good = op["state"] == "COMPLETED" and sl["state"] == "ACTIVE"
    mark = "✓" if good else "✗"
    typer.echo(
        f"\n{mark} {sl['name']} [{sl['slice_type']}] {sl['id']}: operation {op['state']}, slice {sl['state']}"
    )
    if op.get("error"):
        typer.echo(f"    error: {op['error']['detail']}")
    placement = sl.get("placement") or {}
    for function, site in placement.get("functions", {}).items():
        typer.echo(f"    {function:<10} → {site}")
    for route in placement.get("routes", []):
        typer.echo(f"    {route['vlink']:<10} ⇢ {' → '.join(route['path'])} ({route['latency_ms']:.2f} ms)")
    for budget in placement.get("budgets", []):
        met = "met" if budget["met"] else "MISSED"
        good &= budget["met"]
        typer.echo(
            f"    budget {budget['name']}: {budget['source']} → {budget['target']} "
            f"{budget['achieved_ms']:.2f} ms of {budget['max_ms']:.2f} ms ({met})"
        )
    return bool(good)


def _report_utilisation(substrate: dict[str, Any]) -> None:
    typer.echo("\nSite utilisation (vCPU used / capacity):")
    for site in substrate["sites"]:
        typer.echo(f"    {site['name']:<12} {site['role']:<9} {site['cpu_used']:>6.1f} / {site['cpu']:.0f}")
