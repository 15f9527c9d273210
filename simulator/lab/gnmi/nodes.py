"""The values a lab gNMI tree is made of, and how they are read from JSON and rendered back.

Containers are dicts, YANG lists are `KeyedList`s (entries indexed by the text of their key
values), leaves are scalars and leaf-lists are Python lists of scalars.
"""

from __future__ import annotations

import copy
import math
from typing import Union

Scalar = str | int | float | bool
Json = None | bool | int | float | str | list["Json"] | dict[str, "Json"]


class TreeError(ValueError):
    """The request is malformed or does not fit the tree (the server answers INVALID_ARGUMENT)."""


class PathNotFound(LookupError):
    """Nothing lives at the path. `in_schema`: the path names a container or list the model
    has, which merely holds no data (the server answers with no data, not NOT_FOUND)."""

    def __init__(self, message: str, *, in_schema: bool = False) -> None:
        super().__init__(message)
        self.in_schema = in_schema


class KeyedList:
    """A YANG list: entries indexed by the text of their key values, in `key_names` order."""

    __slots__ = ("entries", "key_names")

    def __init__(self, key_names: tuple[str, ...]) -> None:
        self.key_names = key_names
        self.entries: dict[tuple[str, ...], Container] = {}

    def __deepcopy__(self, memo: dict[int, object]) -> KeyedList:
        clone = KeyedList(self.key_names)
        clone.entries = copy.deepcopy(self.entries, memo)
        return clone


Node = Union[Scalar, list[Scalar], "Container", KeyedList]
Container = dict[str, Node]


def key_text(value: object) -> str:
    """How a key leaf's value is spelled in a path (JSON spelling for booleans)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def render(node: Node) -> Json:
    """JSON-like data for a node; list entries sorted by key, so output is deterministic
    whatever order entries were created or restored in."""
    if isinstance(node, dict):
        return {name: render(child) for name, child in node.items()}
    if isinstance(node, KeyedList):
        return [render(entry) for _, entry in sorted(node.entries.items())]
    if isinstance(node, list):
        return list(node)
    return node


def local_name(name: str) -> str:
    # JSON_IETF qualifies top-level names with their module ("nfvo-slices-ran:slices"); the
    # tree holds one namespace, so the qualifier is dropped.
    return name.rpartition(":")[2]


def prune(node: Container) -> None:
    """Drop empty containers and lists: in YANG a non-presence container or a list with no
    content does not exist, and an exact restore must not leave such husks behind."""
    for name in list(node):
        child = node[name]
        if isinstance(child, dict):
            prune(child)
            if not child:
                del node[name]
        elif isinstance(child, KeyedList):
            for entry in child.entries.values():
                prune(entry)
            if not child.entries:
                del node[name]


def parse_leaf(value: object, where: str) -> Scalar | list[Scalar]:
    if isinstance(value, list):
        return [parse_scalar(item, where) for item in value]
    return parse_scalar(value, where)


def parse_scalar(value: object, where: str) -> Scalar:
    if isinstance(value, float) and not math.isfinite(value):
        raise TreeError(f"{where}: {value} is not a valid leaf value")
    if isinstance(value, str | int | float | bool):
        return value
    raise TreeError(f"{where}: expected a scalar leaf value, got {type(value).__name__}")
