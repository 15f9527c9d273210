"""500 concurrent instantiate requests against capacity for exactly 100 slices, through
two orchestrator processes sharing one database (SQLite, then PostgreSQL): never
oversubscribed, the ledger equals the live placements, no operation runs twice, and the
controllers hold exactly the live slices."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import httpx
import pytest
import yaml
from lxml import etree

from nfvo.catalog import load_substrate
from nfvo.domain import OperationState, SliceState, Substrate, Usage
from nfvo.store import Store
from simulator.lab.lab import Lab

STRESS = Path(__file__).parents[1] / "data" / "substrates" / "stress.yaml"
REQUESTS = 500
CAPACITY = 100  # 4 cells x 25 vCPU, 1 vCPU per mMTC gNB
CELLS = ("cell-1", "cell-2", "cell-3", "cell-4")


def substrate_yaml(substrate: Substrate, path: Path) -> Path:
    """The substrate file, with the controllers where the running lab listens."""
    data = yaml.safe_load(STRESS.read_text())
    for entry in data["substrate"]["controllers"]:
        live = next(c for c in substrate.controllers if c.name == entry["name"])
        entry.update(host=live.host, port=live.port, username=live.username, password=live.password)
    path.write_text(yaml.safe_dump(data))
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


API_KEY = "concurrent-admission-test-key"  # installed as an admin key by `nfvo serve`


def start_server(db_url: str, substrate_file: Path, port: int, log: IO[bytes]) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "nfvo", "serve", "--db", db_url, "--substrate", str(substrate_file)]
    command += ["--port", str(port), "--workers", "4", "--rate-limit", "0"]
    env = {**os.environ, "NFVO_API_KEY": API_KEY}
    return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)


def wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} did not come up:\n{log.read_text()}")


async def fire(urls: list[str]) -> list[httpx.Response]:
    # No keep-alive: a pooled connection the server is just closing would fail the request.
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=0)
    headers = {"Authorization": f"Bearer {API_KEY}"}
    async with httpx.AsyncClient(timeout=120, limits=limits, headers=headers) as client:
        requests = [
            client.post(
                f"{urls[i % len(urls)]}/api/v1/slices",
                json={
                    "template": "mmtc",
                    "name": f"meter-{i}",
                    "inputs": {"cell_site": CELLS[i % len(CELLS)]},
                },
            )
            for i in range(REQUESTS)
        ]
        return list(await asyncio.gather(*requests))


def held_by_controllers(lab: Lab) -> dict[str, set[str]]:
    held: dict[str, set[str]] = {}
    for domain, server in lab.netconf.items():
        tree = etree.fromstring(server.running_xml().encode())
        held[domain.value] = {str(n.text) for s in tree.iter("{*}slice") for n in s.iterfind("{*}name")}
    for domain, gnmi in lab.gnmi.items():
        held[domain.value] = {e["name"] for e in gnmi.snapshot().get("slices", {}).get("slice", [])}
    return held


@pytest.fixture
def stress_lab() -> Iterator[Lab]:
    with Lab(load_substrate(STRESS), ephemeral_ports=True) as lab:
        yield lab


@pytest.mark.timeout(600)
def test_concurrent_admission_through_two_processes(store: Store, stress_lab: Lab, tmp_path: Path) -> None:
    db_url = store.engine.url.render_as_string(hide_password=False)
    substrate_file = substrate_yaml(stress_lab.substrate, tmp_path / "stress.yaml")
    urls, processes, logs = [], [], [tmp_path / f"server-{i}.log" for i in range(2)]
    log_files = [log.open("wb") for log in logs]
    try:
        for log_file in log_files:
            port = free_port()
            processes.append(start_server(db_url, substrate_file, port, log_file))
            urls.append(f"http://127.0.0.1:{port}")
        for url, process, log in zip(urls, processes, logs, strict=True):
            wait_healthy(url, process, log)

        replies = asyncio.run(fire(urls))
        statuses = Counter(r.status_code for r in replies)
        assert set(statuses) <= {202, 422}, {r.status_code: r.text for r in replies if r.status_code >= 500}
        refused = [r.json() for r in replies if r.status_code == 422]
        assert all(p["code"] == "placement-infeasible" for p in refused), refused[:3]
        assert statuses[202] == CAPACITY, "every slice that fits is admitted, and no more"

        deadline = time.monotonic() + 300
        while True:
            operations = store.list_operations()
            if all(op.state.is_final for op in operations):
                break
            assert time.monotonic() < deadline, Counter(op.state for op in operations)
            time.sleep(0.5)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
        for log_file in log_files:
            log_file.close()

    operations = store.list_operations()
    assert len(operations) == CAPACITY
    assert len({op.slice_id for op in operations}) == CAPACITY, "one operation per slice"
    for op in operations:
        names = [step.name for step in op.steps]
        assert len(names) == len(set(names)), f"{op.id} ran a step twice: {names}"
    outcome = Counter(op.state for op in operations)
    errors = Counter(op.error.detail[:120] for op in operations if op.error)
    assert outcome == {OperationState.COMPLETED: CAPACITY}, errors

    # The ledger is exactly the sum of the live placements, within every capacity.
    live = [s for s in store.list_slices() if s.state is SliceState.ACTIVE]
    assert len(live) == outcome[OperationState.COMPLETED]
    expected = Usage()
    for s in live:
        assert s.placement is not None
        expected = expected + s.placement.usage(s.request)
    held = store.usage()
    assert {k: round(v.cpu, 6) for k, v in held.sites.items() if v.cpu} == {
        k: round(v.cpu, 6) for k, v in expected.sites.items()
    }
    for site in stress_lab.substrate.sites:
        assert held.sites.get(site.name, site.capacity).cpu <= site.capacity.cpu + 1e-9

    # The controllers hold exactly the live slices.
    live_ids = {s.id for s in live}
    assert held_by_controllers(stress_lab) == {"ran": live_ids, "transport": live_ids, "core": live_ids}
    print(f"\n{statuses[202]} admitted, {statuses[422]} refused; outcomes {dict(outcome)}")
