"""A deployment plan: ordered per-domain change sets, each with its undo and its checks.

Configuration is described protocol-neutrally, as edits on a YANG-like tree addressed by
paths such as ``/slices/slice[name=s1]/vlink[id=v1]``. The NETCONF adapter renders an edit
as XML in our module's namespace, the gNMI adapter as a gNMI Update/Delete: the planner
never knows which protocol a domain speaks.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from nfvo.domain.substrate import Domain, Usage

Scalar = str | int | float | bool
Leaf = Scalar | tuple[Scalar, ...]  # a tuple is a leaf-list


@dataclass(frozen=True)
class PathElem:
    name: str
    keys: tuple[tuple[str, str], ...] = ()

    def __str__(self) -> str:
        return self.name + "".join(f"[{k}={v}]" for k, v in self.keys)


ConfigPath = tuple[PathElem, ...]

_ELEM = re.compile(r"([A-Za-z_][\w.-]*)((?:\[[^=\]]+=[^\]]*\])*)")
_KEY = re.compile(r"\[([^=\]]+)=([^\]]*)\]")


def format_path(path: ConfigPath) -> str:
    return "/" + "/".join(str(e) for e in path)


def parse_path(text: str) -> ConfigPath:
    """Inverse of `format_path`. Key values may not contain '/' or ']'."""
    elems: list[PathElem] = []
    for part in filter(None, text.strip().split("/")):
        match = _ELEM.fullmatch(part)
        if match is None:
            raise ValueError(f"bad path element {part!r} in {text!r}")
        keys = tuple((k, v) for k, v in _KEY.findall(match.group(2)))
        elems.append(PathElem(match.group(1), keys))
    return tuple(elems)


class EditOp(enum.StrEnum):
    MERGE = "merge"  # create or update the entry and set the given leaves
    DELETE = "delete"  # remove the entry and everything below it


@dataclass(frozen=True)
class ConfigEdit:
    op: EditOp
    path: ConfigPath
    # Leaves set under `path` for MERGE (list keys are implied by the path and need not be
    # repeated). Empty for DELETE.
    leaves: Mapping[str, Leaf] = field(default_factory=dict)


@dataclass(frozen=True)
class ChangeSet:
    """One transaction on one domain controller."""

    id: str  # unique within the plan, e.g. "transport"
    domain: Domain
    controller: str  # Controller.name
    description: str
    edits: tuple[ConfigEdit, ...]
    undo: tuple[ConfigEdit, ...]  # restores the state before `edits`
    # The substrate capacity this change set takes when applied (the twin checks it);
    # its inverse needs none.
    demand: Usage = field(default_factory=Usage)

    def inverse(self) -> ChangeSet:
        """The change set that undoes this one (used to compensate after a commit)."""
        return ChangeSet(
            id=f"{self.id}/undo",
            domain=self.domain,
            controller=self.controller,
            description=f"undo: {self.description}",
            edits=self.undo,
            undo=self.edits,
            demand=Usage(),  # undoing frees capacity, it never needs any
        )


@dataclass(frozen=True)
class DeploymentPlan:
    slice_name: str
    changesets: tuple[ChangeSet, ...]  # in the order they are applied

    def teardown(self) -> DeploymentPlan:
        """The plan that removes this slice: every undo, in reverse order."""
        return DeploymentPlan(
            slice_name=self.slice_name,
            changesets=tuple(cs.inverse() for cs in reversed(self.changesets)),
        )


@dataclass(frozen=True)
class StepTiming:
    changeset: str
    start_s: float
    end_s: float


@dataclass(frozen=True)
class Verdict:
    """The digital twin's prediction for a plan."""

    ok: bool
    failed_step: str | None = None
    reason: str = ""
    simulated_duration_s: float = 0.0
    steps: tuple[StepTiming, ...] = ()
