"""Capacity taken outside the orchestrator: another tool configures the lab's core
controller straight away and fills the edge sites. The store's ledger does not know; the
controllers do (the lab enforces site capacity). The twin on the ledger lets the plan
through and the push fails and rolls back; the twin on live state refuses the plan before
anything is pushed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.factory import connect
from nfvo.domain import (
    ChangeSet,
    ConfigEdit,
    Domain,
    EditOp,
    OperationState,
    PathElem,
    SliceState,
    Substrate,
)
from nfvo.lifecycle import Orchestrator
from nfvo.lifecycle.push import apply_changeset
from nfvo.resources import example_template
from nfvo.store import Store
from simulator.lab.lab import Lab

FOREIGN = "foreign-tool-slice"


@pytest.fixture
def full_lab(lab_substrate: Substrate) -> Iterator[Lab]:
    with Lab(lab_substrate, ephemeral_ports=True, enforce_capacity=True) as running:
        yield running


def fill_edges(lab: Lab) -> None:
    """Another tool puts a big function on each edge site through the core controller."""
    root = (PathElem("slices"), PathElem("slice", (("name", FOREIGN),)))
    edits = tuple(
        ConfigEdit(
            EditOp.MERGE,
            (*root, PathElem("function", (("name", f"upf-{site}"),))),
            {"kind": "upf", "site": site, "cpu": 30.0, "memory-gb": 8.0},
        )
        for site in ("edge-1", "edge-2")
    )
    cs = ChangeSet("foreign", Domain.CORE, "core-ctl", "another tool", edits, ())
    apply_changeset(connect, lab.substrate.controller_for(Domain.CORE), cs, confirm_timeout_s=10)


def deploy(lab: Lab, path: Path, twin: str) -> tuple[OperationState, list[str], SliceState]:
    store = Store(f"sqlite:///{path}")
    orch = Orchestrator(store, lab.substrate, confirm_timeout_s=10, twin=twin)  # type: ignore[arg-type]
    try:
        instance, operation = orch.instantiate(example_template("urllc"))
        done = orch.wait(operation.id, timeout_s=60)
        return done.state, [s.name for s in done.steps], store.get_slice(instance.id).state
    finally:
        orch.close()
        store.close()


def test_live_twin_refuses_what_the_ledger_twin_lets_through(full_lab: Lab, tmp_path: Path) -> None:
    fill_edges(full_lab)
    core = full_lab.gnmi[Domain.CORE]
    before = (
        core.snapshot(),
        full_lab.netconf[Domain.TRANSPORT].running_xml(),
        full_lab.gnmi[Domain.RAN].snapshot(),
    )

    state, steps, slice_state = deploy(full_lab, tmp_path / "ledger.db", "ledger")
    assert state is OperationState.ROLLED_BACK
    assert "push:transport" in steps and "undo:transport" in steps  # pushed, then undone: wasted

    state, steps, slice_state = deploy(full_lab, tmp_path / "live.db", "live")
    assert state is OperationState.ROLLED_BACK
    assert slice_state is SliceState.NOT_INSTANTIATED
    assert not [s for s in steps if s.startswith(("push:", "undo:"))]  # refused before any push
    after = (
        core.snapshot(),
        full_lab.netconf[Domain.TRANSPORT].running_xml(),
        full_lab.gnmi[Domain.RAN].snapshot(),
    )
    assert after == before


def test_live_twin_names_the_full_site(full_lab: Lab, tmp_path: Path) -> None:
    fill_edges(full_lab)
    store = Store(f"sqlite:///{tmp_path / 'nfvo.db'}")
    orch = Orchestrator(store, full_lab.substrate, confirm_timeout_s=10, twin="live")
    try:
        _, operation = orch.instantiate(example_template("urllc"))
        done = orch.wait(operation.id, timeout_s=60)
    finally:
        orch.close()
        store.close()
    assert done.error is not None
    assert done.error.code == "plan-rejected-by-twin"
    assert "step 'core'" in done.error.detail and "vCPU free" in done.error.detail, done.error.detail


def test_with_nothing_foreign_both_twins_deploy(full_lab: Lab, tmp_path: Path) -> None:
    for twin in ("ledger", "live"):
        state, steps, _ = deploy(full_lab, tmp_path / f"{twin}.db", twin)
        assert state is OperationState.COMPLETED, steps
