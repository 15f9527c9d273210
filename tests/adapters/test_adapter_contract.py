"""The adapter contract (adapters/base.py), one suite for every (adapter, server) pair.

Each test runs against: the NETCONF adapter and our NETCONF emulator (as is, without
:confirmed-commit, and without :candidate), the NETCONF adapter and yuma123's netconfd, and
the gNMI adapter and our gNMI emulator. Same change sets, same assertions; what the servers
hold is compared as each server holds it (`pair.state()`), so "restores exactly" means
byte for byte on the emulators.
"""

from __future__ import annotations

import inspect
import typing

import pytest
from changesets import SLICES, slice_path, transport_changeset, vlink_path
from pairs import Pair, gone

from adapters.base import DomainAdapter
from adapters.gnmi import GnmiAdapter
from adapters.netconf import NetconfAdapter
from nfvo.domain import ConfigRejected, ControllerUnavailable, PermanentError, TemporaryError, format_path
from nfvo.lifecycle.push import apply_changeset, verify


def push(adapter: DomainAdapter, *changesets: object, confirm_timeout: float | None = None) -> None:
    for cs in changesets:
        adapter.stage(cs)  # type: ignore[arg-type]
    adapter.commit(confirm_timeout)


def test_open_and_capabilities(pair: Pair) -> None:
    adapter = pair.opened
    assert isinstance(adapter, DomainAdapter)
    caps = adapter.capabilities()
    assert caps and all(isinstance(c, str) and c for c in caps)
    adapter.open()  # opening an open adapter is harmless


def test_stage_commit_read_back_confirm(pair: Pair) -> None:
    adapter = pair.opened
    cs = transport_changeset("c1")
    adapter.stage(cs)
    assert adapter.diff().strip(), "diff after stage must show the change"
    adapter.validate()
    adapter.commit(confirm_timeout=30)
    verify(adapter, cs)  # the orchestrator's own read-back check
    adapter.confirm()
    vlink = adapter.read([vlink_path("c1", "v1")])[format_path(vlink_path("c1", "v1"))]
    assert isinstance(vlink, dict)
    assert [str(h) for h in vlink["hop"]] == ["a", "m", "b"]
    assert adapter.diff().strip() == ""

    # A second push replaces the hop leaf-list as a whole and changes a leaf.
    second = transport_changeset("c1", bandwidth=300.5, hops=("b", "a"))
    push(adapter, second)
    verify(adapter, second)
    assert adapter.read([slice_path("nope")]) == {format_path(slice_path("nope")): None}


def test_measure_returns_the_configuration_plus_any_state(pair: Pair) -> None:
    # measure() is read() plus operational state; a server without telemetry (netconfd,
    # emulators started without a latency model) gives just the configuration.
    adapter = pair.opened
    push(adapter, transport_changeset("c1"))
    key = format_path(vlink_path("c1", "v1"))
    config = adapter.read([vlink_path("c1", "v1")])[key]
    measured = adapter.measure([vlink_path("c1", "v1")])[key]
    assert isinstance(config, dict) and isinstance(measured, dict)
    assert {leaf: measured[leaf] for leaf in config} == config
    assert adapter.measure([slice_path("nope")]) == {format_path(slice_path("nope")): None}


def test_discard_leaves_running_unchanged(pair: Pair) -> None:
    adapter = pair.opened
    push(adapter, transport_changeset("kept"))
    before = pair.state()
    adapter.stage(transport_changeset("dropped"))
    assert adapter.diff().strip()
    adapter.discard()
    assert adapter.diff().strip() == ""
    adapter.commit()  # nothing staged any more: commits nothing
    assert pair.state() == before


def test_confirmed_commit_then_confirm(pair: Pair) -> None:
    adapter = pair.opened
    cs = transport_changeset("c2")
    push(adapter, cs, confirm_timeout=30)
    adapter.confirm()
    adapter.rollback()  # nothing unconfirmed left: a no-op
    verify(adapter, cs)


def test_confirmed_commit_then_rollback_restores_exactly(pair: Pair) -> None:
    adapter = pair.opened
    push(adapter, transport_changeset("other"), transport_changeset("mod", bandwidth=100.0, hops=("a", "b")))
    before = pair.state()
    push(
        adapter,
        transport_changeset("mod", bandwidth=300.0, hops=("a", "m", "b")),  # modifies an entry
        transport_changeset("new").inverse(),  # removes nothing (absent)
        transport_changeset("new"),  # adds one
        transport_changeset("other").inverse(),  # removes one
        confirm_timeout=60,
    )
    assert pair.state() != before
    adapter.rollback()
    assert pair.state() == before
    assert adapter.diff().strip() == ""
    push(adapter, transport_changeset("after"))  # nothing left locked or pending
    verify(adapter, transport_changeset("after"))


def test_inverse_changeset_undoes(pair: Pair) -> None:
    adapter = pair.opened
    push(adapter, transport_changeset("base"))
    before = pair.state()
    cs = transport_changeset("temp")
    push(adapter, cs)
    push(adapter, cs.inverse())
    assert pair.state() == before


def test_delete_of_an_absent_entry_is_harmless(pair: Pair) -> None:
    # A terminate that runs twice (retry, crash recovery) must not fail the second time.
    before = pair.state()
    undo = transport_changeset("never").inverse()
    for _ in range(2):
        apply_changeset(lambda _ctl: pair.make(), pair.controller, undo, confirm_timeout_s=30)
    assert pair.state() == before


def test_rejected_config_is_config_rejected_and_changes_nothing(pair: Pair) -> None:
    adapter = pair.opened
    push(adapter, transport_changeset("good"))
    before = pair.state()
    with pytest.raises(ConfigRejected) as caught:
        # The NETCONF servers refuse at stage (edit-config), gNMI at commit (its only call).
        push(adapter, transport_changeset("bad", bandwidth=-5.0), confirm_timeout=30)
    assert isinstance(caught.value, PermanentError)
    assert caught.value.controller == pair.controller.name
    adapter.rollback()
    assert pair.state() == before
    push(adapter, transport_changeset("fine"))
    verify(adapter, transport_changeset("fine"))


def test_server_gone_is_controller_unavailable(pair: Pair) -> None:
    adapter = pair.make(controller=gone(pair.controller), timeout_s=3)
    with pytest.raises(ControllerUnavailable) as caught:
        adapter.open()
    assert isinstance(caught.value, TemporaryError)
    assert caught.value.controller == pair.controller.name
    with pytest.raises(ControllerUnavailable):
        adapter.read([SLICES])
    adapter.close()
    adapter.close()  # twice is fine


# --- signatures, NAPALM-style: every adapter offers exactly the Protocol's methods -------------


def _public(cls: type) -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(member)
        for name, member in inspect.getmembers(cls, inspect.isfunction)
        if not name.startswith("_")
    }


@pytest.mark.parametrize("cls", [NetconfAdapter, GnmiAdapter])
def test_public_methods_match_the_protocol(cls: type) -> None:
    wanted = _public(DomainAdapter)
    offered = _public(cls)
    assert set(wanted) <= set(offered), f"{cls.__name__} lacks {set(wanted) - set(offered)}"
    for name, signature in wanted.items():
        got = offered[name]
        assert [(p.name, p.kind, p.default) for p in got.parameters.values()] == [
            (p.name, p.kind, p.default) for p in signature.parameters.values()
        ], f"{cls.__name__}.{name}{got} differs from DomainAdapter.{name}{signature}"
        hints = typing.get_type_hints(getattr(cls, name))
        expected = typing.get_type_hints(getattr(DomainAdapter, name))
        assert hints == expected, f"{cls.__name__}.{name}: {hints} != {expected}"
    # Anything public beyond the contract is a smell: callers would come to depend on it.
    extra = set(offered) - set(wanted)
    assert extra == set(), f"{cls.__name__} has public methods outside the contract: {extra}"
