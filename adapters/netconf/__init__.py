"""NETCONF southbound: the only package that imports ncclient (see adapter.NetconfAdapter)."""

from adapters.netconf.adapter import TRANSPORT_NS, NetconfAdapter

__all__ = ["TRANSPORT_NS", "NetconfAdapter"]
