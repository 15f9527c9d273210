"""The lab's NETCONF-over-SSH server: real RFC 6241/6242 on 127.0.0.1, serving our own
YANG module (models/yang/nfvo-transport.yang). The parts live in `simulator.lab.netconf`;
this module is the name the lab and the tests import."""

from simulator.lab.netconf.schema import LIST_KEYS, MODULE, NS
from simulator.lab.netconf.server import CAPABILITIES, NetconfServer

__all__ = ["CAPABILITIES", "LIST_KEYS", "MODULE", "NS", "NetconfServer"]
