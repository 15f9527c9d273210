"""What the adapter needs on servers that lack :candidate or :confirmed-commit.

There, nothing on the server reverts a commit by itself, so the adapter keeps a saved copy
of the running configuration of every top-level node a transaction touches, and restores
it on rollback() with one edit-config: each saved node replaced by its copy, each node that
did not exist removed (RFC 6241 §7.2 "replace" and "remove", which every server has).
"""

from __future__ import annotations

from collections.abc import Iterable
from copy import deepcopy

from lxml import etree

from adapters.netconf.render import NC_OPERATION, format_scalar, new_config
from nfvo.domain import ChangeSet, EditOp, format_path


def top_level(changesets: Iterable[ChangeSet]) -> list[str]:
    """The names of the top-level nodes the change sets edit, in first-seen order."""
    return list(dict.fromkeys(e.path[0].name for cs in changesets for e in cs.edits if e.path))


def restoring_config(saved: etree._Element, tops: Iterable[str], namespace: str) -> etree._Element:
    """The <config> that puts `tops` back as they are in `saved` (a <data> element)."""
    config = new_config()
    for name in tops:
        found = saved.find(f"{{{namespace}}}{name}")
        if found is not None:
            copy = deepcopy(found)
            copy.set(NC_OPERATION, "replace")
            config.append(copy)
        else:
            # "remove" of an absent node is fine by RFC 6241; the servers these fallbacks
            # serve are not yuma123 (which has both capabilities, and mishandles "remove").
            gone = etree.SubElement(config, f"{{{namespace}}}{name}", nsmap={None: namespace})  # type: ignore[dict-item]
            gone.set(NC_OPERATION, "remove")
    return config


def describe(changesets: Iterable[ChangeSet]) -> str:
    """diff() where no candidate can be compared with running: the staged edits themselves,
    as "+ path/leaf = value" and "- path" lines, in the order they will be applied."""
    lines: list[str] = []
    for cs in changesets:
        for edit in cs.edits:
            where = format_path(edit.path)
            if edit.op is EditOp.DELETE:
                lines.append(f"- {where}")
                continue
            lines.append(f"+ {where}")
            for name, value in edit.leaves.items():
                text = (
                    "[" + ", ".join(format_scalar(v) for v in value) + "]"
                    if isinstance(value, tuple)
                    else format_scalar(value)
                )
                lines.append(f"+ {where}/{name} = {text}")
    return "\n".join(lines)
