"""The emulated lab: one real controller server on 127.0.0.1 per domain of a substrate.

Transport speaks NETCONF over SSH, RAN and core speak gNMI, as the substrate file says.
Each server holds the configuration pushed to it, so anyone can read it back with an
ordinary client (ncclient, pygnmi, netconf-console, gnmic).

Faults are switched per domain at run time (`inject`, `clear_faults`; see
simulator.lab.faults), and every controller measures the latency of the paths configured
on it from the substrate's link latencies (`latency`; see docs/southbound.md).
"""

from __future__ import annotations

from dataclasses import replace
from types import TracebackType

from nfvo.domain import Controller, Domain, Protocol, Substrate
from simulator.lab.capacity import SiteCapacity
from simulator.lab.faults import Fault, FaultBox
from simulator.lab.gnmi_server import GnmiServer
from simulator.lab.netconf_server import NetconfServer
from simulator.lab.telemetry import LatencyModel

LAB_USERNAME = "nfvo"
LAB_PASSWORD = "nfvo-lab"  # a lab-only credential on loopback; real controllers use their own


class Lab:
    def __init__(
        self,
        substrate: Substrate,
        *,
        ephemeral_ports: bool = False,
        jitter_ms: float = 0.0,
        seed: int | None = None,
        enforce_capacity: bool = False,
    ) -> None:
        """`ephemeral_ports` ignores the substrate's ports and lets the OS pick free ones
        (tests, parallel labs); `self.substrate` then points at the real ports.
        `jitter_ms` adds uniform noise to every latency measurement (reproducible with `seed`).
        `enforce_capacity` makes the gNMI controllers refuse a Set that would overfill a
        site's cpu or memory (see simulator.lab.capacity); `self.capacity` is then set."""
        self._given = substrate
        self._ephemeral = ephemeral_ports
        self.latency: dict[Domain, LatencyModel] = {
            ctl.domain: LatencyModel(substrate.links, jitter_ms=jitter_ms, seed=seed)
            for ctl in substrate.controllers
        }
        self.netconf: dict[Domain, NetconfServer] = {}
        self.gnmi: dict[Domain, GnmiServer] = {}
        self.substrate = substrate
        self.capacity = SiteCapacity(substrate) if enforce_capacity else None

    def start(self) -> Lab:
        controllers: dict[Domain, Controller] = {}
        try:
            for ctl in self._given.controllers:
                port = 0 if self._ephemeral else ctl.port
                if ctl.protocol is Protocol.NETCONF:
                    username = ctl.username or LAB_USERNAME
                    password = ctl.password or LAB_PASSWORD
                    nc = NetconfServer(
                        host="127.0.0.1",
                        port=port,
                        username=username,
                        password=password,
                        telemetry=self.latency[ctl.domain],
                    )
                    nc.start()
                    self.netconf[ctl.domain] = nc
                    controllers[ctl.domain] = replace(
                        ctl, host="127.0.0.1", port=nc.port, username=username, password=password
                    )
                else:
                    gn = GnmiServer(
                        name=ctl.name,
                        host="127.0.0.1",
                        port=port,
                        telemetry=self.latency[ctl.domain],
                        validator=None if self.capacity is None else self.capacity.validator(ctl.domain),
                    )
                    gn.start()
                    self.gnmi[ctl.domain] = gn
                    controllers[ctl.domain] = replace(ctl, host="127.0.0.1", port=gn.port)
        except BaseException:
            self.stop()
            raise
        self.substrate = self._given.with_controllers(controllers)
        return self

    def faults(self, domain: Domain) -> FaultBox:
        """The faults pending on, and acted out by, the controller of `domain`."""
        if domain in self.netconf:
            return self.netconf[domain].faults
        if domain in self.gnmi:
            return self.gnmi[domain].faults
        raise KeyError(f"the lab runs no controller for {domain} (is it started?)")

    def inject(self, domain: Domain, fault: Fault) -> None:
        """Make the controller of `domain` act out `fault` on its next matching operation(s)."""
        if domain in self.gnmi:
            self.gnmi[domain].inject(fault)  # checks a gRPC status name
        else:
            self.faults(domain).inject(fault)

    def clear_faults(self, domain: Domain | None = None) -> None:
        """Drop pending faults (of one domain, or all) and end delays and hangs in progress."""
        for d in [domain] if domain is not None else [*self.netconf, *self.gnmi]:
            self.faults(d).clear()

    def stop(self) -> None:
        for nc in self.netconf.values():
            nc.stop()
        for gn in self.gnmi.values():
            gn.stop()
        self.netconf.clear()
        self.gnmi.clear()

    def __enter__(self) -> Lab:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
