"""Change sets like the planner's, and the push/read/undo/rollback scenarios that every
NETCONF server the adapter is tested against must pass (our lab server, yuma123)."""

from __future__ import annotations

from decimal import Decimal

from adapters.netconf import NetconfAdapter
from nfvo.domain import ChangeSet, ConfigEdit, ConfigPath, Domain, EditOp, PathElem, format_path


def slice_path(name: str) -> ConfigPath:
    return (PathElem("slices"), PathElem("slice", (("name", name),)))


def vlink_path(name: str, vid: str) -> ConfigPath:
    return (*slice_path(name), PathElem("vlink", (("id", vid),)))


def transport_changeset(
    name: str, *, bandwidth: float = 250.0, hops: tuple[str, ...] = ("a", "m", "b")
) -> ChangeSet:
    """What the planner sends a transport controller for one slice with one virtual link."""
    return ChangeSet(
        id=f"{name}/transport",
        domain=Domain.TRANSPORT,
        controller="transport-ctl",
        description=f"slice {name}",
        edits=(
            ConfigEdit(
                EditOp.MERGE, slice_path(name), {"slice-type": "urllc", "description": f"slice {name}"}
            ),
            ConfigEdit(
                EditOp.MERGE,
                vlink_path(name, "v1"),
                {
                    "src-site": "a",
                    "dst-site": "b",
                    "bandwidth-mbps": bandwidth,
                    "latency-ms": 1.25,
                    "hop": hops,
                },
            ),
        ),
        undo=(ConfigEdit(EditOp.DELETE, slice_path(name)),),
    )


def hop_path(name: str, vid: str) -> ConfigPath:
    return (*vlink_path(name, vid), PathElem("hop"))


def push_read_undo(adapter: NetconfAdapter, name: str) -> None:
    """Stage, diff, validate, confirmed commit, read back, confirm; change the hops; undo."""
    changeset = transport_changeset(name)
    adapter.stage(changeset)
    text = adapter.diff()
    assert f"+ /slices/slice[name={name}]/vlink[id=v1]/hop = [a, m, b]" in text, text
    assert f"+ /slices/slice[name={name}]/slice-type = urllc" in text, text
    adapter.validate()
    adapter.commit(confirm_timeout=30)
    found = adapter.read([slice_path(name), vlink_path(name, "v1"), hop_path(name, "v1")])
    vlink = found[format_path(vlink_path(name, "v1"))]
    assert isinstance(vlink, dict)
    assert (vlink["id"], vlink["src-site"], vlink["dst-site"]) == ("v1", "a", "b")
    assert Decimal(vlink["bandwidth-mbps"]) == Decimal(250) and Decimal(vlink["latency-ms"]) == Decimal(
        "1.25"
    )
    assert vlink["hop"] == ["a", "m", "b"] == found[format_path(hop_path(name, "v1"))]
    entry = found[format_path(slice_path(name))]
    assert isinstance(entry, dict)
    assert (entry["name"], entry["slice-type"], entry["vlink"]) == (name, "urllc", [vlink])
    adapter.confirm()
    assert adapter.diff() == ""

    # A second push replaces the hop list as a whole and updates the bandwidth.
    adapter.stage(transport_changeset(name, bandwidth=300.5, hops=("b", "a")))
    assert f"- /slices/slice[name={name}]/vlink[id=v1]/hop = [a, m, b]" in adapter.diff()
    adapter.commit()
    vlink = adapter.read([vlink_path(name, "v1")])[format_path(vlink_path(name, "v1"))]
    assert isinstance(vlink, dict)
    assert vlink["hop"] == ["b", "a"] and Decimal(vlink["bandwidth-mbps"]) == Decimal("300.5")

    # The inverse change set removes everything the first one made.
    adapter.stage(changeset.inverse())
    adapter.commit()
    assert adapter.read([slice_path(name), hop_path(name, "v1")]) == {
        format_path(slice_path(name)): None,
        format_path(hop_path(name, "v1")): None,
    }


def rollback_confirmed_commit(adapter: NetconfAdapter, name: str) -> None:
    """A confirmed commit is active until rolled back, then gone, and the lock released."""
    adapter.stage(transport_changeset(name))
    adapter.commit(confirm_timeout=60)
    assert adapter.read([slice_path(name)])[format_path(slice_path(name))] is not None
    adapter.rollback()
    assert adapter.read([slice_path(name)])[format_path(slice_path(name))] is None
    assert adapter.diff() == ""
    # Nothing left locked: a new change set can be staged and dropped.
    adapter.stage(transport_changeset(name))
    adapter.rollback()  # nothing committed: this discards
    assert adapter.diff() == ""
