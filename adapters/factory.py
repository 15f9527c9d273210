"""Pick the adapter for a controller by the protocol the substrate says it speaks.

SSH host keys: `known_hosts` names an OpenSSH known_hosts file to trust besides
~/.ssh/known_hosts. Verification is on for every controller except those on a loopback
address (the lab's emulators, which make a fresh host key at each start), unless
`hostkey_verify` says otherwise. Loopback traffic never crosses a network, so there is no
one in the middle for the check to catch; a controller reached through a local tunnel is
checked by the tunnel. The Controller record has no field for this yet (docs/southbound.md).
"""

from __future__ import annotations

import ipaddress

from adapters.base import DomainAdapter
from nfvo.domain import Controller, Protocol, UnsupportedCapability


def connect(
    controller: Controller, *, known_hosts: str | None = None, hostkey_verify: bool | None = None
) -> DomainAdapter:
    """An adapter for `controller`, not yet opened."""
    # Imported here so that using one protocol never loads the other's library.
    if controller.protocol is Protocol.NETCONF:
        from adapters.netconf import NetconfAdapter

        verify = hostkey_verify if hostkey_verify is not None else not is_loopback(controller.host)
        return NetconfAdapter(controller, hostkey_verify=verify, known_hosts=known_hosts)
    if controller.protocol is Protocol.GNMI:
        from adapters.gnmi import GnmiAdapter

        return GnmiAdapter(controller)
    raise UnsupportedCapability(f"no adapter speaks {controller.protocol!r}", controller=controller.name)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
