"""SIGKILL the orchestrator at every step boundary of instantiate and terminate, restart,
and check that nothing is lost, leaked or left configured."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

from nfvo.domain import OperationKind, OperationState, SliceState, Usage
from nfvo.lifecycle import Orchestrator
from nfvo.store import Store
from simulator.lab.lab import Lab

WORKER = Path(__file__).with_name("crash_worker.py")
INSTANTIATE_STEPS = ("twin-validate", "push:transport", "verify-sla", "push:core", "push:ran")
TERMINATE_STEPS = ("remove:ran", "remove:core", "remove:transport")


def controllers_json(lab: Lab) -> str:
    return json.dumps(
        [
            {
                "domain": c.domain.value,
                "address": {"host": c.host, "port": c.port, "username": c.username, "password": c.password},
            }
            for c in lab.substrate.controllers
        ]
    )


def run_worker(db_url: str, lab: Lab, action: str, target: str, crash_at: str | None) -> int:
    env = dict(os.environ)
    env.pop("NFVO_CRASH_AT", None)
    if crash_at:
        env["NFVO_CRASH_AT"] = crash_at
    done = subprocess.run(
        [sys.executable, str(WORKER), db_url, controllers_json(lab), action, target],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode in (0, -signal.SIGKILL), done.stderr
    return done.returncode


def slices_on_controllers(lab: Lab) -> set[str]:
    """Slice ids any emulated controller holds, read from the servers' own state."""
    held: set[str] = set()
    for server in lab.netconf.values():
        tree = etree.fromstring(server.running_xml().encode())
        held |= {str(e.text) for e in tree.iter("{*}slice") for e in e.iterfind("{*}name")}
    for gnmi in lab.gnmi.values():
        held |= {entry["name"] for entry in gnmi.snapshot().get("slices", {}).get("slice", [])}
    return held


def restart_and_recover(store: Store, lab: Lab) -> Orchestrator:
    orchestrator = Orchestrator(store, lab.substrate, confirm_timeout_s=30)
    orchestrator.recover()
    return orchestrator


def assert_consistent(store: Store, lab: Lab) -> None:
    """Every operation final; the ledger is exactly the live slices' placements; no
    controller holds configuration that no live slice owns."""
    operations = store.list_operations()
    assert all(op.state in (OperationState.COMPLETED, OperationState.ROLLED_BACK) for op in operations), [
        (op.kind, op.state) for op in operations
    ]
    live = [s for s in store.list_slices() if s.state is SliceState.ACTIVE]
    expected = Usage()
    for s in live:
        assert s.placement is not None
        expected = expected + s.placement.usage(s.request)
    held = store.usage()
    assert held.sites.keys() == expected.sites.keys()
    assert all(abs(held.sites[k].cpu - expected.sites[k].cpu) < 1e-9 for k in held.sites)
    assert held.links_mbps.keys() == expected.links_mbps.keys()
    assert slices_on_controllers(lab) == {s.id for s in live}


@pytest.mark.parametrize("phase", ["before", "after"])
@pytest.mark.parametrize("step", INSTANTIATE_STEPS)
def test_killed_during_instantiate(tmp_path: Path, lab: Lab, step: str, phase: str) -> None:
    db_url = f"sqlite:///{tmp_path / 'nfvo.db'}"
    assert run_worker(db_url, lab, "instantiate", "urllc", f"{phase}:{step}") == -signal.SIGKILL
    store = Store(db_url)
    (operation,) = store.list_operations()
    assert not operation.state.is_final  # the crash left it open

    orchestrator = restart_and_recover(store, lab)
    orchestrator.close()
    recovered = store.get_operation(operation.id)
    assert recovered.state is OperationState.ROLLED_BACK
    assert not [s for s in recovered.steps if s.state.value == "RUNNING"]
    assert [s.name for s in recovered.steps if s.name.startswith("undo:")] == [
        "undo:ran", "undo:core", "undo:transport"
    ]  # fmt: skip
    assert store.get_slice(operation.slice_id).state is SliceState.NOT_INSTANTIATED
    assert store.usage() == Usage()
    assert_consistent(store, lab)
    store.close()


@pytest.mark.parametrize("phase", ["before", "after"])
@pytest.mark.parametrize("step", TERMINATE_STEPS)
def test_killed_during_terminate(tmp_path: Path, lab: Lab, step: str, phase: str) -> None:
    db_url = f"sqlite:///{tmp_path / 'nfvo.db'}"
    store = Store(db_url)
    orchestrator = Orchestrator(store, lab.substrate)
    keep, op_keep = orchestrator.instantiate("embb")
    victim, op_victim = orchestrator.instantiate("urllc")
    for op in (op_keep, op_victim):
        assert orchestrator.wait(op.id, timeout_s=60).state is OperationState.COMPLETED
    orchestrator.close()

    assert run_worker(db_url, lab, "terminate", victim.id, f"{phase}:{step}") == -signal.SIGKILL
    orchestrator = restart_and_recover(store, lab)
    orchestrator.close()
    (terminate,) = [op for op in store.list_operations() if op.kind is OperationKind.TERMINATE]
    assert terminate.state is OperationState.COMPLETED
    assert store.get_slice(victim.id).state is SliceState.TERMINATED
    assert store.get_slice(keep.id).state is SliceState.ACTIVE
    assert_consistent(store, lab)
    store.close()


def test_an_uninterrupted_worker_completes(tmp_path: Path, lab: Lab) -> None:
    db_url = f"sqlite:///{tmp_path / 'nfvo.db'}"
    assert run_worker(db_url, lab, "instantiate", "mmtc", None) == 0
    store = Store(db_url)
    assert [op.state for op in store.list_operations()] == [OperationState.COMPLETED]
    assert restart_and_recover(store, lab).recover() == []
    assert_consistent(store, lab)
    store.close()
