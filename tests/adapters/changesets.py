"""Change sets like the planner's transport ones, used against every adapter and server
(the gNMI emulator is schema-less, so it takes them as they are)."""

from __future__ import annotations

from nfvo.domain import ChangeSet, ConfigEdit, ConfigPath, Domain, EditOp, PathElem

SLICES: ConfigPath = (PathElem("slices"),)


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
