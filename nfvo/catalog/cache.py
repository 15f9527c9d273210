"""A bounded, thread-safe LRU of analysed templates, keyed by content hash.

An entry remembers the files the template imported (path, mtime, size): when one of them
changed since, the entry is stale and the template is analysed again.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterable, Mapping
from pathlib import Path
from typing import Generic, TypeVar

V = TypeVar("V")
Signature = tuple[tuple[str, int, int], ...]


def content_key(data: bytes, inputs: Mapping[str, object] | None, *extra: Hashable) -> tuple[Hashable, ...]:
    digest = hashlib.sha256(data).hexdigest()
    given = json.dumps(dict(inputs or {}), sort_keys=True, default=repr)
    return (digest, given, *extra)


def signature(files: Iterable[Path]) -> Signature | None:
    """What identifies the files' versions; None when one cannot be read (do not cache)."""
    sig = []
    for file in files:
        try:
            st = file.stat()
        except OSError:
            return None
        sig.append((str(file), st.st_mtime_ns, st.st_size))
    return tuple(sig)


class LRUCache(Generic[V]):
    def __init__(self, maxsize: int = 128) -> None:
        self.maxsize = maxsize
        self._items: OrderedDict[Hashable, tuple[V, Signature]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            item = self._items.get(key)
            if item is not None and signature(Path(p) for p, _, _ in item[1]) == item[1]:
                self._items.move_to_end(key)
                self.hits += 1
                return item[0]
            if item is not None:
                del self._items[key]
            self.misses += 1
            return None

    def put(self, key: Hashable, value: V, deps: Iterable[Path]) -> None:
        sig = signature(deps)
        if sig is None or self.maxsize <= 0:
            return
        with self._lock:
            self._items[key] = (value, sig)
            self._items.move_to_end(key)
            while len(self._items) > self.maxsize:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._items)
