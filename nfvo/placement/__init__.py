"""Placement engines: put a slice's functions on sites and its virtual links on paths.

Pure functions over the domain types (networkx inside): `place` (heuristic branch and
bound, the default), `first_fit` (a baseline), and `check_placement` (an independent
verifier of any engine's result). The exact engine is `nfvo.placement.milp.place_milp`,
imported from its module so that HiGHS and numpy load only where it is used.
"""

from nfvo.placement.check import achieved_latency, check_placement
from nfvo.placement.first_fit import first_fit
from nfvo.placement.heuristic import ENGINE_VERSION, place

__all__ = ["ENGINE_VERSION", "achieved_latency", "check_placement", "first_fit", "place"]
