"""The store: atomic admission, the ledger, compare-and-set transitions."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from nfvo.domain import (
    SLA,
    BlockingConstraint,
    ConflictError,
    InfeasibleError,
    NotFoundError,
    Operation,
    OperationKind,
    OperationState,
    Resources,
    SliceInstance,
    SliceRequest,
    SliceState,
    SliceType,
    TemplateVersion,
    Usage,
)
from nfvo.store import Store

CAPACITY = 10.0
REQUEST = SliceRequest("t", SLA(SliceType.EMBB), (), ())


def admit_one(store: Store, slice_id: str, cpu: float) -> None:
    def decide(held: Usage, origin: TemplateVersion) -> tuple[SliceInstance, Operation, Usage]:
        used = held.sites.get("edge-1", Resources()).cpu
        if used + cpu > CAPACITY:
            raise InfeasibleError(BlockingConstraint("site-capacity", "edge-1", cpu, CAPACITY - used))
        now = datetime.now(UTC)
        instance = SliceInstance(slice_id, slice_id, "t1", origin.ref, SliceState.INSTANTIATING, REQUEST, now)
        op = Operation(f"op-{slice_id}", slice_id, OperationKind.INSTANTIATE, OperationState.STARTING, now)
        return instance, op, Usage({"edge-1": Resources(cpu, cpu * 2)}, {"a--b": 100.0})

    store.admit(("t", "template: content"), decide)


def test_admission_records_slice_operation_and_reservation_together(store: Store) -> None:
    admit_one(store, "s1", 4)
    assert store.get_slice("s1").state is SliceState.INSTANTIATING
    assert store.get_slice("s1").template == "t@1"
    assert store.get_operation("op-s1").kind is OperationKind.INSTANTIATE
    assert store.usage() == Usage({"edge-1": Resources(4, 8)}, {"a--b": 100.0})


def test_a_refused_admission_writes_nothing(store: Store) -> None:
    with pytest.raises(InfeasibleError):
        admit_one(store, "big", CAPACITY + 1)
    assert store.list_slices() == [] and store.list_operations() == []
    assert store.usage() == Usage()
    assert store.list_templates() == []  # not even the template version


def test_concurrent_admissions_never_oversubscribe(store: Store) -> None:
    accepted: list[str] = []
    refused: list[str] = []
    lock = threading.Lock()

    def worker(i: int) -> None:
        try:
            admit_one(store, f"s{i}", 3)
        except InfeasibleError:
            with lock:
                refused.append(f"s{i}")
        else:
            with lock:
                accepted.append(f"s{i}")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(accepted) == 3 and len(refused) == 21  # three slices of 3 vCPU fit in 10
    assert store.usage().sites["edge-1"].cpu == 9
    assert sorted(s.id for s in store.list_slices()) == sorted(accepted)


def test_transition_is_compare_and_set(store: Store) -> None:
    admit_one(store, "s1", 1)
    store.update_slice("s1", state=SliceState.ACTIVE)
    store.transition("s1", (SliceState.ACTIVE,), SliceState.TERMINATING)
    with pytest.raises(ConflictError, match="TERMINATING"):
        store.transition("s1", (SliceState.ACTIVE,), SliceState.TERMINATING)
    with pytest.raises(NotFoundError):
        store.transition("nope", (SliceState.ACTIVE,), SliceState.TERMINATING)


def test_release_frees_capacity_with_the_state_change(store: Store) -> None:
    admit_one(store, "s1", 2)
    store.update_slice("s1", state=SliceState.TERMINATED, release=True)
    assert store.usage() == Usage()
    assert store.get_slice("s1").state is SliceState.TERMINATED


def test_timestamps_come_back_timezone_aware(store: Store) -> None:
    admit_one(store, "s1", 1)
    assert store.get_slice("s1").created_at.tzinfo is not None
    assert store.get_operation("op-s1").started_at.utcoffset() is not None


def test_template_versions_follow_content(store: Store) -> None:
    assert store.add_template("x", "a").version == 1
    assert store.add_template("x", "a").version == 1
    assert store.add_template("x", "b").version == 2
    assert store.add_template("x", "a").version == 1  # an old content is its old version
    assert store.get_template("x")[1] == "b"
    assert store.get_template("x", 1)[1] == "a"
    assert [t.version for t in store.template_versions("x")] == [1, 2]
    assert [(t.name, t.version) for t in store.list_templates()] == [("x", 2)]
    with pytest.raises(NotFoundError):
        store.get_template("x", 3)


def test_the_ledger_keeps_hosted_functions_and_exclusive_sites(store: Store) -> None:
    # Isolation needs more than resources: how many functions a site hosts, and which sites a
    # dedicated function holds exclusively (nfvo/placement refuses other slices there).
    def decide(held: Usage, origin: TemplateVersion) -> tuple[SliceInstance, Operation, Usage]:
        now = datetime.now(UTC)
        instance = SliceInstance("d1", "d1", "t1", origin.ref, SliceState.INSTANTIATING, REQUEST, now)
        op = Operation("op-d1", "d1", OperationKind.INSTANTIATE, OperationState.STARTING, now)
        held_now = Usage({"edge-1": Resources(2, 4)}, {}, {"edge-1": 2, "cell-1": 1}, frozenset({"edge-1"}))
        return instance, op, held_now

    store.admit(("t", "template: content"), decide)
    admit_one(store, "s2", 1)
    usage = store.usage()
    assert usage.hosted == {"edge-1": 2, "cell-1": 1}  # a function with no resources still counts
    assert usage.exclusive == frozenset({"edge-1"})
    assert usage.sites["edge-1"] == Resources(3, 6)
    store.release("d1")
    assert store.usage().exclusive == frozenset() and store.usage().hosted == {}
