"""ConfigPath ↔ gnmi.Path, the JSON values the adapter sends and reads, and the local
checks and rewrites applied to staged edits before they become one gNMI Set."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from pygnmi.spec.v080 import gnmi_pb2

from nfvo.domain import ConfigEdit, ConfigPath, EditOp, Leaf, format_path

_NAME = re.compile(r"(?:[A-Za-z_][\w.-]*:)?[A-Za-z_][\w.-]*")


class BadReply(ValueError):
    """The controller's answer could not be decoded."""


def to_gnmi_path(path: ConfigPath) -> Any:
    return gnmi_pb2.Path(elem=[gnmi_pb2.PathElem(name=e.name, key=dict(e.keys)) for e in path])


def encode(value: object) -> bytes:
    # allow_nan=False: NaN/Infinity are not JSON and a server would refuse them anyway.
    return json.dumps(value, allow_nan=False, separators=(",", ":")).encode()


def show(value: object) -> str:
    """Compact JSON for people (diff); never fails, even on values a server would refuse."""
    return json.dumps(value, separators=(",", ":"), default=repr)


def json_value(value: object) -> Any:
    """A TypedValue carrying `value` as JSON_IETF."""
    return gnmi_pb2.TypedValue(json_ietf_val=encode(value))


def leaves_json(leaves: Mapping[str, Leaf]) -> dict[str, object]:
    """Leaves as a JSON object: a leaf-list (tuple) becomes an array."""
    return {name: list(value) if isinstance(value, tuple) else value for name, value in leaves.items()}


def decode(val: Any) -> object:
    """The content of a TypedValue from a Get reply."""
    kind = val.WhichOneof("value")
    if kind in ("json_ietf_val", "json_val"):
        try:
            return json.loads(getattr(val, kind))
        except (UnicodeDecodeError, ValueError) as err:
            raise BadReply(f"{kind} is not valid JSON: {err}") from err
    if kind in ("string_val", "int_val", "uint_val", "bool_val", "double_val", "float_val"):
        scalar: object = getattr(val, kind)
        return scalar
    if kind == "leaflist_val":
        return [decode(item) for item in val.leaflist_val.element]
    if kind is None:
        return None
    raise BadReply(f"unexpected value encoding {kind}")


def within(path: ConfigPath, ancestor: ConfigPath) -> bool:
    """True when `path` is `ancestor` or lies below it."""
    return path[: len(ancestor)] == ancestor


def covering(paths: Iterable[ConfigPath]) -> list[ConfigPath]:
    """The paths not lying within another one (first-seen order, no duplicates)."""
    unique = list(dict.fromkeys(paths))
    return [p for p in unique if not any(q != p and within(p, q) for q in unique)]


def sequential(edits: Sequence[ConfigEdit]) -> list[ConfigEdit]:
    """Rewrite edits meant to apply one after the other so that one gNMI Set, which applies
    every delete before any update, gives the same result: a MERGE whose effect a later
    DELETE wipes out is dropped (or loses the deleted leaf)."""
    out: list[ConfigEdit] = []
    for edit in edits:
        if edit.op is EditOp.DELETE:
            kept: list[ConfigEdit] = []
            for prior in out:
                if prior.op is EditOp.MERGE and within(prior.path, edit.path):
                    continue
                if prior.op is EditOp.MERGE and _is_leaf_of(edit.path, prior):
                    name = edit.path[-1].name
                    kept.append(replace(prior, leaves={k: v for k, v in prior.leaves.items() if k != name}))
                else:
                    kept.append(prior)
            out = kept
        out.append(edit)
    return out


def _is_leaf_of(path: ConfigPath, merge: ConfigEdit) -> bool:
    return (
        len(path) == len(merge.path) + 1
        and path[:-1] == merge.path
        and not path[-1].keys
        and path[-1].name in merge.leaves
    )


def problems(edit: ConfigEdit) -> list[str]:
    """What is wrong with one edit, checked locally (gNMI has no candidate to validate)."""
    where = format_path(edit.path)
    found: list[str] = []
    for elem in edit.path:
        if not _NAME.fullmatch(elem.name):
            found.append(f"{where}: bad element name {elem.name!r}")
        names = [k for k, _ in elem.keys]
        if len(set(names)) != len(names):
            found.append(f"{where}: repeated key in {elem}")
        found += [f"{where}: bad key name {k!r}" for k in names if not _NAME.fullmatch(k)]
    if edit.op is EditOp.DELETE:
        if not edit.path:
            found.append("refusing to delete the whole configuration (empty path)")
        if edit.leaves:
            found.append(f"{where}: a delete carries no leaves")
        return found
    if not edit.leaves and not (edit.path and edit.path[-1].keys):
        found.append(f"{where}: a merge must set leaves (or create a list entry)")
    keys = dict(edit.path[-1].keys) if edit.path else {}
    for name, value in edit.leaves.items():
        if not _NAME.fullmatch(name):
            found.append(f"{where}: bad leaf name {name!r}")
        for item in value if isinstance(value, tuple) else (value,):
            if not isinstance(item, str | int | float | bool) or (
                isinstance(item, float) and not math.isfinite(item)
            ):
                found.append(f"{where}: leaf {name} has an invalid value {item!r}")
        if name in keys and _key_text(value) != keys[name]:
            found.append(f"{where}: leaf {name}={value!r} contradicts the path key")
    return found


def _key_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
