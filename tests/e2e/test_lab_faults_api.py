"""Faults switched at run time on the lab's controllers, through the API and `nfvo fault`."""

from __future__ import annotations

import subprocess
import sys
import time
from typing import Any

import httpx


def wait(client: httpx.Client, location: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while True:
        op: dict[str, Any] = client.get(location).json()
        if op["state"] in ("COMPLETED", "ROLLED_BACK", "FAILED", "FAILED_TEMP"):
            return op
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_a_rejected_commit_rolls_the_slice_back_then_clearing_lets_it_through(api: str) -> None:
    with httpx.Client(base_url=api, timeout=30) as client:
        reply = client.post("/api/v1/lab/controllers/core/faults", json={"kind": "reject", "on": "commit"})
        assert reply.status_code == 201 and reply.json()["pending"][0]["kind"] == "reject"

        op = wait(client, client.post("/api/v1/slices", json={"template": "urllc"}).headers["Location"])
        assert op["state"] == "ROLLED_BACK" and op["error"]["code"] == "config-rejected"
        assert [s["name"] for s in op["steps"] if s["state"] == "FAILED"] == ["push:core"]
        core = next(c for c in client.get("/api/v1/lab/controllers").json() if c["domain"] == "core")
        assert core["pending"] == [] and core["hits"] >= 1

        # A fault kept until cleared, then cleared with the command line.
        client.post("/api/v1/lab/controllers/ran/faults", json={"kind": "reject", "times": 0})
        cleared = subprocess.run(
            [sys.executable, "-m", "nfvo", "fault", "clear", "--domain", "ran", "--api", api],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert cleared.returncode == 0, cleared.stderr
        op = wait(client, client.post("/api/v1/slices", json={"template": "urllc"}).headers["Location"])
        assert op["state"] == "COMPLETED"


def test_bad_fault_requests_are_problems(api: str) -> None:
    with httpx.Client(base_url=api, timeout=30) as client:
        assert client.post("/api/v1/lab/controllers/core/faults", json={"kind": "melt"}).status_code == 422
        assert client.post("/api/v1/lab/controllers/moon/faults", json={"kind": "drop"}).status_code == 404
        bad_status = client.post(
            "/api/v1/lab/controllers/core/faults", json={"kind": "reject", "status": "NOT_A_STATUS"}
        )
        assert bad_status.status_code == 422 and bad_status.json()["detail"]
        assert client.get("/api/v1/lab/controllers").json()[0]["pending"] == []
