"""The physical substrate: sites with compute, links with latency and bandwidth, and the
controller through which each domain is configured."""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace


class Domain(enum.StrEnum):
    RAN = "ran"
    TRANSPORT = "transport"
    CORE = "core"


class SiteRole(enum.StrEnum):
    CELL = "cell"  # RAN access site: radio units, DU/gNB
    EDGE = "edge"  # edge data centre
    REGIONAL = "regional"
    CORE = "core"  # central / core data centre


class Protocol(enum.StrEnum):
    NETCONF = "netconf"
    GNMI = "gnmi"


@dataclass(frozen=True)
class Resources:
    cpu: float = 0.0  # vCPU
    memory_gb: float = 0.0

    def __add__(self, other: Resources) -> Resources:
        return Resources(self.cpu + other.cpu, self.memory_gb + other.memory_gb)

    def __sub__(self, other: Resources) -> Resources:
        return Resources(self.cpu - other.cpu, self.memory_gb - other.memory_gb)

    def fits_in(self, capacity: Resources) -> bool:
        # A small tolerance: capacities are sums of floats.
        eps = 1e-9
        return self.cpu <= capacity.cpu + eps and self.memory_gb <= capacity.memory_gb + eps


@dataclass(frozen=True)
class Site:
    name: str
    role: SiteRole
    capacity: Resources
    cost_per_cpu: float = 1.0  # relative price of hosting one vCPU here


@dataclass(frozen=True)
class Link:
    a: str
    b: str
    latency_ms: float
    capacity_mbps: float

    @property
    def key(self) -> str:
        return link_key(self.a, self.b)


def link_key(a: str, b: str) -> str:
    """Links are undirected; this is their canonical identity."""
    x, y = sorted((a, b))
    return f"{x}--{y}"


@dataclass(frozen=True)
class Controller:
    """How a domain is configured: protocol and address of its controller."""

    name: str
    domain: Domain
    protocol: Protocol
    host: str
    port: int
    username: str = ""
    password: str = field(default="", repr=False)
    # Digital-twin parameters: how long a commit takes and how many run at once.
    commit_latency_ms: float = 50.0
    max_concurrent: int = 1
    timeout_s: float = 10.0
    # Transport security. NETCONF over SSH: `hostkey_verify` None means on, except for a
    # loopback address (the lab's emulators make a fresh host key at each start);
    # `known_hosts` is an OpenSSH known_hosts file trusted besides ~/.ssh/known_hosts.
    hostkey_verify: bool | None = None
    known_hosts: str = ""
    # gNMI: TLS, verified against the PEM bundle `tls_ca` (empty: the system's roots), the
    # certificate carrying `tls_server_name` when given (e.g. when dialling an address).
    tls: bool = False
    tls_ca: str = ""
    tls_server_name: str = ""

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class Substrate:
    name: str
    sites: tuple[Site, ...]
    links: tuple[Link, ...]
    controllers: tuple[Controller, ...]

    def site(self, name: str) -> Site:
        for site in self.sites:
            if site.name == name:
                return site
        raise KeyError(name)

    def link(self, a: str, b: str) -> Link:
        key = link_key(a, b)
        for link in self.links:
            if link.key == key:
                return link
        raise KeyError(key)

    def controller_for(self, domain: Domain) -> Controller:
        for ctl in self.controllers:
            if ctl.domain is domain:
                return ctl
        raise KeyError(domain.value)

    def sites_with_role(self, role: SiteRole) -> Iterator[Site]:
        return (s for s in self.sites if s.role is role)

    def with_controllers(self, controllers: Mapping[Domain, Controller]) -> Substrate:
        """The same substrate configured through other controllers (e.g. a lab's ports)."""
        merged = {c.domain: c for c in self.controllers} | dict(controllers)
        return replace(self, controllers=tuple(merged.values()))


@dataclass(frozen=True)
class Usage:
    """What is held on the substrate: per-site resources and per-link bandwidth; and, for
    isolation, how many functions each site hosts and which sites a dedicated function holds
    exclusively (no other slice may place anything there)."""

    sites: Mapping[str, Resources] = field(default_factory=dict)
    links_mbps: Mapping[str, float] = field(default_factory=dict)
    hosted: Mapping[str, int] = field(default_factory=dict)  # site → functions held there
    exclusive: frozenset[str] = frozenset()  # sites held by a dedicated function

    def __add__(self, other: Usage) -> Usage:
        sites = dict(self.sites)
        for name, res in other.sites.items():
            sites[name] = sites.get(name, Resources()) + res
        links = dict(self.links_mbps)
        for key, bw in other.links_mbps.items():
            links[key] = links.get(key, 0.0) + bw
        hosted = dict(self.hosted)
        for name, count in other.hosted.items():
            hosted[name] = hosted.get(name, 0) + count
        return Usage(sites, links, hosted, self.exclusive | other.exclusive)

    def __sub__(self, other: Usage) -> Usage:
        sites = dict(self.sites)
        for name, res in other.sites.items():
            sites[name] = sites.get(name, Resources()) - res
        links = dict(self.links_mbps)
        for key, bw in other.links_mbps.items():
            links[key] = links.get(key, 0.0) - bw
        # Counts never go below zero: a ledger that does not record them (an older store)
        # minus a placement's own usage must not invent negative functions.
        hosted = dict(self.hosted)
        for name, count in other.hosted.items():
            left = hosted.get(name, 0) - count
            if left > 0:
                hosted[name] = left
            else:
                hosted.pop(name, None)
        # A site is exclusive to one slice at a time, so removing that slice frees it.
        return Usage(sites, links, hosted, self.exclusive - other.exclusive)

    def cover(self, other: Usage) -> Usage:
        """Per resource, the larger of the two: what holding either one at a time needs
        (e.g. a slice between its old and new placement, or the ledger against what the
        controllers are seen to hold)."""
        sites = dict(self.sites)
        for name, res in other.sites.items():
            mine = sites.get(name, Resources())
            sites[name] = Resources(max(mine.cpu, res.cpu), max(mine.memory_gb, res.memory_gb))
        links = dict(self.links_mbps)
        for key, bw in other.links_mbps.items():
            links[key] = max(links.get(key, 0.0), bw)
        hosted = dict(self.hosted)
        for name, count in other.hosted.items():
            hosted[name] = max(hosted.get(name, 0), count)
        return Usage(sites, links, hosted, self.exclusive | other.exclusive)

    def site_free(self, site: Site) -> Resources:
        return site.capacity - self.sites.get(site.name, Resources())

    def link_free_mbps(self, link: Link) -> float:
        return link.capacity_mbps - self.links_mbps.get(link.key, 0.0)
