"""Pick the adapter for a controller by the protocol the substrate says it speaks."""

from __future__ import annotations

from adapters.base import DomainAdapter
from nfvo.domain import Controller, Protocol, UnsupportedCapability


def connect(controller: Controller) -> DomainAdapter:
    """An adapter for `controller`, not yet opened."""
    # Imported here so that using one protocol never loads the other's library.
    if controller.protocol is Protocol.NETCONF:
        from adapters.netconf import NetconfAdapter

        return NetconfAdapter(controller)
    if controller.protocol is Protocol.GNMI:
        from adapters.gnmi import GnmiAdapter

        return GnmiAdapter(controller)
    raise UnsupportedCapability(f"no adapter speaks {controller.protocol!r}", controller=controller.name)
