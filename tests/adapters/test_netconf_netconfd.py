"""What only a NETCONF server nobody here wrote can tell: Debian's yuma123 netconfd (see
yuma.py) loads our YANG module, and its traps are handled. The push, read, rollback,
rejection and idempotent-delete behaviour is checked by the contract suite
(test_adapter_contract.py, pair "netconfd")."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from changesets import slice_path, transport_changeset, vlink_path
from yuma import Yuma

from adapters.netconf import NetconfAdapter
from nfvo.domain import ConfigRejected, ControllerUnavailable, format_path

MODULE_CAPABILITY = "urn:nfvo-slices:transport?module=nfvo-transport&revision=2026-11-23"


@pytest.fixture
def yuma_adapter(yuma: Yuma) -> Iterator[NetconfAdapter]:
    adapter = NetconfAdapter(
        yuma.controller, key_filename=str(yuma.key_file), known_hosts=str(yuma.known_hosts)
    )
    adapter.open()
    yield adapter
    adapter.discard()
    adapter.stage(transport_changeset("y1").inverse())
    adapter.commit()
    adapter.close()


def test_netconfd_loads_our_module(yuma_adapter: NetconfAdapter) -> None:
    caps = yuma_adapter.capabilities()
    assert MODULE_CAPABILITY in caps
    assert "urn:ietf:params:netconf:capability:confirmed-commit:1.1" in caps


def test_validate_then_commit_keeps_the_change_on_netconfd(yuma_adapter: NetconfAdapter) -> None:
    # <validate> of <candidate/> followed by <commit> drops the change on netconfd
    # (NOTES.md); the adapter validates an inline copy instead.
    yuma_adapter.stage(transport_changeset("y1"))
    yuma_adapter.validate()
    yuma_adapter.commit(confirm_timeout=30)
    yuma_adapter.confirm()
    vlink = yuma_adapter.read([vlink_path("y1", "v1")])[format_path(vlink_path("y1", "v1"))]
    assert isinstance(vlink, dict) and vlink["hop"] == ["a", "m", "b"]


def test_netconfd_rejections_name_the_leaf(yuma_adapter: NetconfAdapter) -> None:
    with pytest.raises(ConfigRejected) as exc:
        yuma_adapter.stage(transport_changeset("y3", bandwidth=-5.0))
    assert "bandwidth-mbps" in exc.value.detail and "invalid-value" in exc.value.detail
    yuma_adapter.discard()
    assert yuma_adapter.diff() == ""


def test_netconfd_lock_held_elsewhere_is_temporary(yuma: Yuma, yuma_adapter: NetconfAdapter) -> None:
    yuma_adapter.stage(transport_changeset("y4"))
    other = NetconfAdapter(
        yuma.controller, key_filename=str(yuma.key_file), known_hosts=str(yuma.known_hosts)
    )
    other.open()
    try:
        with pytest.raises(ControllerUnavailable, match="lock-denied"):
            other.stage(transport_changeset("y5"))
    finally:
        other.close()
    yuma_adapter.discard()
    assert yuma_adapter.read([slice_path("y4")]) == {format_path(slice_path("y4")): None}
