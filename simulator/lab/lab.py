"""The emulated lab: one real controller server on 127.0.0.1 per domain of a substrate.

Transport speaks NETCONF over SSH, RAN and core speak gNMI, as the substrate file says.
Each server holds the configuration pushed to it, so anyone can read it back with an
ordinary client (ncclient, pygnmi, netconf-console, gnmic).
"""

from __future__ import annotations

from dataclasses import replace
from types import TracebackType

from nfvo.domain import Controller, Domain, Protocol, Substrate
from simulator.lab.gnmi_server import GnmiServer
from simulator.lab.netconf_server import NetconfServer

LAB_USERNAME = "nfvo"
LAB_PASSWORD = "nfvo-lab"  # a lab-only credential on loopback; real controllers use their own


class Lab:
    def __init__(self, substrate: Substrate, *, ephemeral_ports: bool = False) -> None:
        """`ephemeral_ports` ignores the substrate's ports and lets the OS pick free ones
        (tests, parallel labs); `self.substrate` then points at the real ports."""
        self._given = substrate
        self._ephemeral = ephemeral_ports
        self.netconf: dict[Domain, NetconfServer] = {}
        self.gnmi: dict[Domain, GnmiServer] = {}
        self.substrate = substrate

    def start(self) -> Lab:
        controllers: dict[Domain, Controller] = {}
        try:
            for ctl in self._given.controllers:
                port = 0 if self._ephemeral else ctl.port
                if ctl.protocol is Protocol.NETCONF:
                    username = ctl.username or LAB_USERNAME
                    password = ctl.password or LAB_PASSWORD
                    nc = NetconfServer(host="127.0.0.1", port=port, username=username, password=password)
                    nc.start()
                    self.netconf[ctl.domain] = nc
                    controllers[ctl.domain] = replace(
                        ctl, host="127.0.0.1", port=nc.port, username=username, password=password
                    )
                else:
                    gn = GnmiServer(name=ctl.name, host="127.0.0.1", port=port)
                    gn.start()
                    self.gnmi[ctl.domain] = gn
                    controllers[ctl.domain] = replace(ctl, host="127.0.0.1", port=gn.port)
        except BaseException:
            self.stop()
            raise
        self.substrate = self._given.with_controllers(controllers)
        return self

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
