"""The (adapter, server) pair the contract suite runs over, and small helpers for it."""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass, replace

from adapters.base import DomainAdapter
from nfvo.domain import Controller
from simulator.lab.faults import Fault, FaultBox


def unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Pair:
    name: str
    controller: Controller
    make: Callable[..., DomainAdapter]  # a fresh adapter, not opened; keywords override defaults
    state: Callable[[], object]  # the server's whole configuration, as the server holds it
    faults: FaultBox | None = None  # None: this server takes no injected faults
    temporary_status: str = ""  # a REJECT status the adapter must treat as temporary
    adapter: DomainAdapter | None = None  # opened by the fixture, closed after the test

    def inject(self, fault: Fault) -> None:
        assert self.faults is not None, f"{self.name} takes no injected faults"
        self.faults.inject(fault)

    @property
    def opened(self) -> DomainAdapter:
        assert self.adapter is not None
        return self.adapter


def gone(controller: Controller) -> Controller:
    """The same controller record, pointing where nothing listens."""
    return replace(controller, port=unused_port())
