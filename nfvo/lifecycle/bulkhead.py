"""A bulkhead per controller: at most `max_concurrent` sessions on it from this process.

It keeps a slow or busy domain from taking every worker thread, and keeps concurrent
slices from fighting over a NETCONF candidate datastore (which has one lock). It wraps
`connect`, so the saga does not know about it: a session's slot is taken by open() and
given back by close().
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence

from adapters.base import DomainAdapter, Json
from nfvo.domain import ChangeSet, ConfigPath, Controller, ControllerUnavailable
from nfvo.lifecycle.push import Connect


class Bulkhead:
    def __init__(self, connect: Connect) -> None:
        self._connect = connect
        self._slots: dict[str, threading.BoundedSemaphore] = {}
        self._lock = threading.Lock()

    def __call__(self, controller: Controller) -> DomainAdapter:
        with self._lock:
            slot = self._slots.setdefault(
                controller.name, threading.BoundedSemaphore(max(1, controller.max_concurrent))
            )
        return _Guarded(self._connect(controller), slot)


class _Guarded:
    """A DomainAdapter that holds a bulkhead slot from open() to close()."""

    def __init__(self, inner: DomainAdapter, slot: threading.BoundedSemaphore) -> None:
        self._inner = inner
        self._slot = slot
        self._held = False
        self.controller = inner.controller

    def open(self) -> None:
        if not self._slot.acquire(timeout=self.controller.timeout_s):
            raise ControllerUnavailable(
                f"controller {self.controller.name} is busy: {self.controller.max_concurrent} session(s) "
                f"from this orchestrator for {self.controller.timeout_s:.0f} s",
                controller=self.controller.name,
            )
        self._held = True
        try:
            self._inner.open()
        except BaseException:
            self._release()
            raise

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            self._release()

    def _release(self) -> None:
        if self._held:
            self._held = False
            self._slot.release()

    def capabilities(self) -> Sequence[str]:
        return self._inner.capabilities()

    def stage(self, changeset: ChangeSet) -> None:
        self._inner.stage(changeset)

    def diff(self) -> str:
        return self._inner.diff()

    def validate(self) -> None:
        self._inner.validate()

    def commit(self, confirm_timeout: float | None = None) -> None:
        self._inner.commit(confirm_timeout)

    def confirm(self) -> None:
        self._inner.confirm()

    def discard(self) -> None:
        self._inner.discard()

    def rollback(self) -> None:
        self._inner.rollback()

    def read(self, paths: Sequence[ConfigPath]) -> Mapping[str, Json]:
        return self._inner.read(paths)
