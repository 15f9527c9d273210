"""Southbound over gNMI: the only code (with the lab server) that imports grpc."""

from adapters.gnmi.adapter import GnmiAdapter

__all__ = ["GnmiAdapter"]
