"""Pick the adapter for a controller by the protocol the substrate says it speaks.

Transport security comes from the Controller record (the substrate file), and the keyword
arguments override it. SSH host keys: `known_hosts` names an OpenSSH known_hosts file to
trust besides ~/.ssh/known_hosts. Verification is on for every controller except those on
a loopback address (the lab's emulators, which make a fresh host key at each start),
unless `hostkey_verify` says otherwise. Loopback traffic never crosses a network, so there
is no one in the middle for the check to catch; a controller reached through a local
tunnel is checked by the tunnel. gNMI: `tls` with the PEM bundle `tls_ca` (else the
system's roots) and `tls_server_name`.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path

from adapters.base import DomainAdapter
from nfvo.domain import Controller, ControllerUnavailable, Protocol, UnsupportedCapability


def connect(
    controller: Controller, *, known_hosts: str | None = None, hostkey_verify: bool | None = None
) -> DomainAdapter:
    """An adapter for `controller`, not yet opened."""
    # Imported here so that using one protocol never loads the other's library.
    if controller.protocol is Protocol.NETCONF:
        from adapters.netconf import NetconfAdapter

        if hostkey_verify is None:
            hostkey_verify = controller.hostkey_verify
        verify = hostkey_verify if hostkey_verify is not None else not is_loopback(controller.host)
        trusted = known_hosts or (
            str(Path(controller.known_hosts).expanduser()) if controller.known_hosts else None
        )
        return NetconfAdapter(controller, hostkey_verify=verify, known_hosts=trusted)
    if controller.protocol is Protocol.GNMI:
        from adapters.gnmi import GnmiAdapter

        if not controller.tls:
            return GnmiAdapter(controller)
        try:
            roots = Path(controller.tls_ca).expanduser().read_bytes() if controller.tls_ca else None
        except OSError as exc:
            raise ControllerUnavailable(
                f"controller {controller.name}: cannot read its tls_ca {controller.tls_ca!r}: {exc.strerror}",
                controller=controller.name,
                hint="fix tls_ca in the substrate file",
            ) from exc
        return GnmiAdapter(
            controller, tls=True, root_certificates=roots, server_name=controller.tls_server_name or None
        )
    raise UnsupportedCapability(f"no adapter speaks {controller.protocol!r}", controller=controller.name)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
