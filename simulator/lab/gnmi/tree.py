"""The lab gNMI server's datastore: a schema-less configuration tree.

Rendered as JSON the tree follows RFC 7951: a list is an array of objects, each carrying its
key leaves (see `nodes` for the values it holds).

There is no YANG schema. The key names of a list are learned the first time the list is
addressed by a path with keys (``/slices/slice[name=s1]``) and enforced from then on; that is
what lets a JSON value holding nested lists (a subtree a Get returned, replayed by a rollback)
be read back into keyed entries. A `Tree` is not thread-safe: the server serialises access.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence

from nfvo.domain import PathElem, format_path, parse_path
from simulator.lab.gnmi.nodes import (
    Container,
    Json,
    KeyedList,
    Node,
    PathNotFound,
    TreeError,
    key_text,
    local_name,
    parse_leaf,
    parse_scalar,
    prune,
    render,
)

__all__ = ["Json", "PathNotFound", "Tree", "TreeError"]

SchemaPath = tuple[str, ...]  # element names only, keys left out: where a list lives

# Keys guessed for an array of objects met in a JSON value before any path has named its
# list's keys; the common YANG spellings, tried in order.
_GUESSED_KEYS = ("name", "id", "key")


class Tree:
    def __init__(
        self, list_keys: Mapping[str, Sequence[str]] | None = None, containers: Sequence[str] = ()
    ) -> None:
        """`list_keys` pre-declares list keys by schema path, e.g. {"/slices/slice": ["name"]};
        `containers` names the model's containers (e.g. "/slices"), which exist even empty."""
        self.root: Container = {}
        self.schema: dict[SchemaPath, tuple[str, ...]] = {}
        for text, keys in (list_keys or {}).items():
            self.schema[_names(parse_path(text))] = tuple(keys)
        self.containers = frozenset(_names(parse_path(text)) for text in containers)

    def copy(self) -> Tree:
        clone = Tree()
        clone.root = copy.deepcopy(self.root)
        clone.schema = dict(self.schema)
        clone.containers = self.containers
        return clone

    def to_json(self) -> dict[str, Json]:
        return {name: render(child) for name, child in self.root.items()}

    # --- the four operations ------------------------------------------------------------

    def get(self, path: Sequence[PathElem]) -> Json:
        if not path:
            return self.to_json()
        parent = self._parent(path, create=False)
        last = path[-1]
        if parent is not None and last.keys:
            entry = self._entry(parent, path, create=False)
            if entry is not None:
                return render(entry)
        elif parent is not None and last.name in parent:
            return render(parent[last.name])
        # Empty containers and lists are pruned, yet a client reading "/slices" on a
        # controller holding no slice expects "no data", not an error: tell the two apart.
        names = _names(path)
        in_schema = (
            not last.keys
            and any(known[: len(names)] == names for known in (*self.containers, *self.schema))
            and self._entries_exist(path)
        )
        raise PathNotFound(f"nothing at {format_path(tuple(path))}", in_schema=in_schema)

    def _entries_exist(self, path: Sequence[PathElem]) -> bool:
        """Whether every list entry named on the way down exists (containers may be absent)."""
        keyed = [i for i, elem in enumerate(path) if elem.keys]
        if not keyed:
            return True
        sub = path[: keyed[-1] + 1]
        parent = self._parent(sub, create=False)
        return parent is not None and self._entry(parent, sub, create=False) is not None

    def delete(self, path: Sequence[PathElem]) -> None:
        """Remove the subtree; deleting what is absent is not an error."""
        if not path:
            self.root.clear()
            return
        self._refuse_key_leaf(path, None)
        parent = self._parent(path, create=False)
        if parent is None:
            return
        last = path[-1]
        if last.keys:
            lst = self._list(parent, path, create=False)
            if lst is not None:
                lst.entries.pop(self._key(lst, path), None)
        else:
            parent.pop(last.name, None)
        prune(self.root)

    def replace(self, path: Sequence[PathElem], value: object) -> None:
        if not path:
            self.root = self._parse_container(_object(value, "/"), ())
        else:
            self._refuse_key_leaf(path, value)
            parent = self._parent(path, create=True)
            assert parent is not None  # created
            schema = _names(path)
            if path[-1].keys:
                lst = self._list(parent, path, create=True)
                assert lst is not None
                key = self._key(lst, path)
                body = self._parse_container(_object(value, format_path(tuple(path))), schema)
                lst.entries[key] = self._with_keys(body, lst, key, path)
            else:
                parent[path[-1].name] = self._parse_member(value, schema)
        prune(self.root)

    def update(self, path: Sequence[PathElem], value: object) -> None:
        """Merge: leaves given are set, containers and list entries merged, the rest kept."""
        if not path:
            self._merge_into(self.root, _object(value, "/"), ())
        else:
            self._refuse_key_leaf(path, value)
            parent = self._parent(path, create=True)
            assert parent is not None
            schema = _names(path)
            if path[-1].keys:
                entry = self._entry(parent, path, create=True)
                assert entry is not None
                obj = _object(value, format_path(tuple(path)))
                lst = parent[path[-1].name]
                assert isinstance(lst, KeyedList)
                self._with_keys(self._parse_container(obj, schema), lst, self._key(lst, path), path)
                self._merge_into(entry, obj, schema)
            else:
                self._merge_member(parent, path[-1].name, value, schema)
        prune(self.root)

    # --- walking paths ------------------------------------------------------------------

    def _parent(self, path: Sequence[PathElem], *, create: bool) -> Container | None:
        """The container that holds the last element of `path` (None: absent)."""
        node = self.root
        for depth in range(len(path) - 1):
            sub = path[: depth + 1]
            elem = path[depth]
            if elem.keys:
                entry = self._entry(node, sub, create=create)
                if entry is None:
                    return None
                node = entry
                continue
            if self.schema.get(_names(sub)) is not None:
                raise TreeError(f"{format_path(tuple(sub))} is a list: give the keys of one entry")
            child = node.get(elem.name)
            if child is None:
                if not create:
                    return None
                child = node[elem.name] = {}
            if not isinstance(child, dict):
                raise TreeError(f"{format_path(tuple(sub))} is not a container")
            node = child
        return node

    def _list(self, parent: Container, path: Sequence[PathElem], *, create: bool) -> KeyedList | None:
        elem = path[-1]
        schema = _names(path)
        given = tuple(name for name, _ in elem.keys)
        known = self.schema.get(schema)
        if known is not None and sorted(known) != sorted(given):
            raise TreeError(f"list {format_path(tuple(path))} is keyed by {list(known)}, not {list(given)}")
        child = parent.get(elem.name)
        if child is None:
            if not create:
                return None
            child = parent[elem.name] = KeyedList(known or given)
            self.schema[schema] = child.key_names
        if not isinstance(child, KeyedList):
            raise TreeError(f"{format_path(tuple(path))}: {elem.name} is not a list")
        return child

    def _entry(self, parent: Container, path: Sequence[PathElem], *, create: bool) -> Container | None:
        lst = self._list(parent, path, create=create)
        if lst is None:
            return None
        key = self._key(lst, path)
        entry = lst.entries.get(key)
        if entry is None and create:
            entry = lst.entries[key] = dict(zip(lst.key_names, key, strict=True))
        return entry

    @staticmethod
    def _key(lst: KeyedList, path: Sequence[PathElem]) -> tuple[str, ...]:
        given = dict(path[-1].keys)
        return tuple(given[name] for name in lst.key_names)

    def _refuse_key_leaf(self, path: Sequence[PathElem], value: object) -> None:
        """A key leaf is the entry's identity: it may be restated, never changed or removed."""
        if len(path) < 2 or path[-1].keys:
            return
        keys = dict(path[-2].keys)
        name = path[-1].name
        if name in keys and (value is None or key_text(value) != keys[name]):
            raise TreeError(f"{format_path(tuple(path))} is a list key: it cannot be changed or deleted")

    # --- reading JSON values ------------------------------------------------------------

    def _parse_container(self, obj: Mapping[str, object], schema: SchemaPath) -> Container:
        out: Container = {}
        for raw, value in obj.items():
            name = local_name(raw)
            out[name] = self._parse_member(value, (*schema, name))
        return out

    def _parse_member(self, value: object, schema: SchemaPath) -> Node:
        where = "/" + "/".join(schema)
        if isinstance(value, dict):
            if schema in self.schema:
                raise TreeError(f"{where} is a list: give an array of entries")
            return self._parse_container(value, schema)
        if self._is_list(value, schema):
            assert isinstance(value, list)
            lst = KeyedList(self._list_keys(value, schema))
            self._merge_entries(lst, value, schema)
            return lst
        return parse_leaf(value, where)

    def _is_list(self, value: object, schema: SchemaPath) -> bool:
        if schema in self.schema:
            if not isinstance(value, list):
                raise TreeError(f"/{'/'.join(schema)} is a list, not a leaf")
            return True
        return isinstance(value, list) and any(isinstance(item, dict) for item in value)

    def _list_keys(self, items: list[object], schema: SchemaPath) -> tuple[str, ...]:
        known = self.schema.get(schema)
        if known is not None:
            return known
        for guess in _GUESSED_KEYS:
            if all(isinstance(item, dict) and guess in item for item in items):
                self.schema[schema] = (guess,)
                return (guess,)
        raise TreeError(f"cannot tell the keys of list /{'/'.join(schema)}: create its entries by path first")

    def _merge_entries(self, lst: KeyedList, items: list[object], schema: SchemaPath) -> None:
        where = "/" + "/".join(schema)
        for item in items:
            if not isinstance(item, dict):
                raise TreeError(f"{where}: a list entry must be a JSON object")
            missing = [name for name in lst.key_names if name not in item]
            if missing:
                raise TreeError(f"{where}: entry lacks its key leaves {missing}")
            key = tuple(key_text(parse_scalar(item[name], where)) for name in lst.key_names)
            entry = lst.entries.get(key)
            if entry is None:
                lst.entries[key] = self._parse_container(item, schema)
            else:
                self._merge_into(entry, item, schema)

    def _merge_into(self, node: Container, obj: Mapping[str, object], schema: SchemaPath) -> None:
        for raw, value in obj.items():
            name = local_name(raw)
            self._merge_member(node, name, value, (*schema, name))

    def _merge_member(self, node: Container, name: str, value: object, schema: SchemaPath) -> None:
        where = "/" + "/".join(schema)
        existing = node.get(name)
        if isinstance(value, dict):
            if schema in self.schema:
                raise TreeError(f"{where} is a list: give an array of entries")
            if existing is None:
                existing = node[name] = {}
            if not isinstance(existing, dict):
                raise TreeError(f"{where} is a leaf or list, not a container")
            self._merge_into(existing, value, schema)
        elif self._is_list(value, schema):
            assert isinstance(value, list)
            if existing is None:
                existing = node[name] = KeyedList(self._list_keys(value, schema))
            if not isinstance(existing, KeyedList):
                raise TreeError(f"{where} is not a list")
            self._merge_entries(existing, value, schema)
        else:
            if isinstance(existing, dict | KeyedList):
                raise TreeError(f"{where} is a container or list: it cannot take a leaf value")
            node[name] = parse_leaf(value, where)

    @staticmethod
    def _with_keys(
        body: Container, lst: KeyedList, key: tuple[str, ...], path: Sequence[PathElem]
    ) -> Container:
        """The entry with its key leaves first; refuses a body whose key leaves contradict the path."""
        entry: Container = {}
        for name, text in zip(lst.key_names, key, strict=True):
            given = body.pop(name, text)
            if key_text(given) != text:
                raise TreeError(f"{format_path(tuple(path))}: leaf {name}={given!r} contradicts the path key")
            entry[name] = given
        entry.update(body)
        return entry


def _names(path: Sequence[PathElem]) -> SchemaPath:
    return tuple(e.name for e in path)


def _object(value: object, where: str) -> Mapping[str, object]:
    if not isinstance(value, dict):
        raise TreeError(f"{where} takes a JSON object, got {type(value).__name__}")
    return value
