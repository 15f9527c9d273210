"""The API with its security on, over a real store and the emulated lab: a key per role,
two tenants, and helpers to call it as each of them (the fixture is in conftest.py)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from nfvo.api.app import create_app
from nfvo.api.settings import Security
from nfvo.domain.access import OverQuota, Quota, Role
from nfvo.lifecycle import Orchestrator
from nfvo.store import keys, tenancy
from simulator.lab.lab import Lab

FINAL = ("COMPLETED", "ROLLED_BACK", "FAILED", "FAILED_TEMP")
ROLES = ("anonymous", "tenant-a", "tenant-b", "operator", "admin")


@dataclass
class Secured:
    client: httpx.Client
    app: FastAPI
    orchestrator: Orchestrator
    tokens: dict[str, str] = field(default_factory=dict)  # who -> API key
    key_ids: dict[str, str] = field(default_factory=dict)

    def headers(self, who: str) -> dict[str, str]:
        token = self.tokens.get(who)
        return {"Authorization": f"Bearer {token}"} if token else {}

    def call(self, who: str, method: str, path: str, **kwargs: Any) -> Any:
        headers = {**self.headers(who), **kwargs.pop("headers", {})}
        return self.client.request(method, path, headers=headers, **kwargs)

    def wait(self, operation_id: str, timeout_s: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        while True:
            op: dict[str, Any] = self.call("admin", "GET", f"/api/v1/operations/{operation_id}").json()
            if op["state"] in FINAL and not op.get("held_for"):
                return op
            assert time.monotonic() < deadline, f"operation stuck in {op['state']}"
            time.sleep(0.05)

    def slice_for(self, who: str, template: str = "mmtc", **extra: Any) -> tuple[str, str]:
        """Create a slice as `who`, wait until it is deployed; (slice id, operation id)."""
        reply = self.call(who, "POST", "/api/v1/slices", json={"template": template, **extra})
        assert reply.status_code == 202, reply.text
        op = self.wait(reply.json()["operation"]["id"])
        assert op["state"] == "COMPLETED", op
        return op["slice_id"], op["id"]


def make_secured(orchestrator: Orchestrator, lab: Lab, security: Security) -> Iterator[Secured]:
    store = orchestrator.store
    for tenant in ("tenant-a", "tenant-b"):
        tenancy.put_tenant(store, tenant, Quota(), OverQuota.REFUSE)
    app = create_app(orchestrator, lab, security=security)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    host, port = server.servers[0].sockets[0].getsockname()[:2]
    try:
        with httpx.Client(base_url=f"http://{host}:{port}", timeout=30) as client:
            yield from _with_keys(Secured(client, app, orchestrator))
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _with_keys(secured: Secured) -> Iterator[Secured]:
    for who, role, tenant in (
        ("tenant-a", Role.TENANT, "tenant-a"),
        ("tenant-b", Role.TENANT, "tenant-b"),
        ("operator", Role.OPERATOR, None),
        ("admin", Role.ADMIN, None),
    ):
        made = keys.create_key(secured.orchestrator.store, role, tenant, f"{who} (tests)")
        secured.tokens[who] = made.token
        secured.key_ids[who] = made.key.id
    yield secured


def is_problem(reply: Any) -> bool:
    return bool(reply.headers.get("content-type", "").startswith("application/problem+json"))
