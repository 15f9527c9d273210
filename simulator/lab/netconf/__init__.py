"""The lab's NETCONF server, in parts: framing, data model, datastores, operations,
sessions and the SSH server that ties them together (see `server.NetconfServer`)."""

from simulator.lab.netconf.server import CAPABILITIES, NetconfServer

__all__ = ["CAPABILITIES", "NetconfServer"]
