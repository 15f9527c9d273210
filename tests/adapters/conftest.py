"""Fixtures for the adapters' tests: real servers on 127.0.0.1 and change sets to push.

`pair` is what the contract suite runs over: one (adapter, server) combination each, all
speaking the same change sets (tests/adapters/changesets.py) and judged by the same
assertions. The NETCONF emulator is also run without :confirmed-commit and without
:candidate, to hold the adapter's fallbacks to the same contract.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import paramiko
import pytest
from changesets import SLICES
from pairs import Pair
from yuma import Yuma, running_netconfd

from adapters.base import DomainAdapter
from adapters.gnmi import GnmiAdapter
from adapters.netconf import NetconfAdapter
from nfvo.domain import ChangeSet, ConfigEdit, Controller, Domain, EditOp, Protocol
from simulator.lab.gnmi_server import GnmiServer
from simulator.lab.netconf_server import NetconfServer

NC_USER = "nfvo"
NC_PASSWORD = "s3cret-lab-password"


@pytest.fixture(scope="session")
def nc_adapter_host_key() -> paramiko.RSAKey:
    return paramiko.RSAKey.generate(2048)


@pytest.fixture(scope="session")
def nc_known_hosts(tmp_path_factory: pytest.TempPathFactory, nc_adapter_host_key: paramiko.RSAKey) -> str:
    """An OpenSSH known_hosts file trusting the emulators' host key on 127.0.0.1 (any port)."""
    path = tmp_path_factory.mktemp("ssh") / "known_hosts"
    key = nc_adapter_host_key
    path.write_text(f"127.0.0.1 {key.get_name()} {key.get_base64()}\n")
    return str(path)


@pytest.fixture
def nc_lab_server(nc_adapter_host_key: paramiko.RSAKey) -> Iterator[NetconfServer]:
    with NetconfServer(username=NC_USER, password=NC_PASSWORD, host_key=nc_adapter_host_key) as server:
        yield server


@pytest.fixture
def nc_controller(nc_lab_server: NetconfServer) -> Controller:
    return Controller(
        name="transport-ctl",
        domain=Domain.TRANSPORT,
        protocol=Protocol.NETCONF,
        host="127.0.0.1",
        port=nc_lab_server.port,
        username=NC_USER,
        password=NC_PASSWORD,
        timeout_s=10,
    )


@pytest.fixture(scope="session")
def yuma(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Yuma]:
    with running_netconfd(tmp_path_factory.mktemp("yuma")) as server:
        yield server


# --- the (adapter, server) pairs of the contract suite -------------------------------------------


def no_negative_numbers(config: Mapping[str, Any]) -> str | None:
    """A gNMI validator standing in for YANG's `range "0..max"` on bandwidth-mbps."""
    for entry in config.get("slices", {}).get("slice", []):
        for vlink in entry.get("vlink", []):
            if vlink.get("bandwidth-mbps", 0) < 0:
                return f"bandwidth-mbps of vlink {vlink.get('id')} is below 0"
    return None


@pytest.fixture
def gnmi_pair() -> Iterator[Pair]:
    with GnmiServer("transport-gnmi", validator=no_negative_numbers) as server:
        controller = server.controller(Domain.TRANSPORT, timeout_s=5)

        def make(**kw: Any) -> DomainAdapter:
            ctl = kw.pop("controller", controller)
            return GnmiAdapter(ctl, **kw)

        yield Pair("gnmi-emulator", controller, make, server.snapshot, server.faults, "UNAVAILABLE")


def _emulator_pair(
    name: str, host_key: paramiko.RSAKey, known_hosts: str, **server_options: bool
) -> Iterator[Pair]:
    with NetconfServer(username=NC_USER, password=NC_PASSWORD, host_key=host_key, **server_options) as server:
        controller = Controller(
            "transport-ctl", Domain.TRANSPORT, Protocol.NETCONF, "127.0.0.1", server.port,
            NC_USER, NC_PASSWORD, timeout_s=5,
        )  # fmt: skip

        def make(**kw: Any) -> DomainAdapter:
            ctl = kw.pop("controller", controller)
            return NetconfAdapter(ctl, known_hosts=known_hosts, **kw)

        yield Pair(name, controller, make, server.running_xml, server.faults, "lock-denied")


def _netconfd_factory(yuma: Yuma) -> Callable[..., DomainAdapter]:
    def make(**kw: Any) -> DomainAdapter:
        ctl = kw.pop("controller", yuma.controller)
        return NetconfAdapter(ctl, key_filename=str(yuma.key_file), known_hosts=str(yuma.known_hosts), **kw)

    return make


@pytest.fixture(scope="session")
def netconfd_observer(yuma: Yuma) -> Iterator[DomainAdapter]:
    """A second session on netconfd, for looking and tidying up (SSH setup costs ~1 s)."""
    observer = _netconfd_factory(yuma)()
    observer.open()
    yield observer
    observer.close()


@pytest.fixture
def netconfd_pair(yuma: Yuma, netconfd_observer: DomainAdapter) -> Iterator[Pair]:
    def state() -> object:
        return netconfd_observer.read([SLICES])

    yield Pair("netconfd", yuma.controller, _netconfd_factory(yuma), state)
    # The server outlives the test: leave it empty for the next one.
    netconfd_observer.stage(
        ChangeSet("wipe", Domain.TRANSPORT, "yuma", "", (ConfigEdit(EditOp.DELETE, SLICES),), ())
    )
    netconfd_observer.commit()


PAIRS = (
    "netconf-emulator",
    "netconf-no-confirmed-commit",
    "netconf-running-only",
    "netconfd",
    "gnmi-emulator",
)
EMULATED = ("netconf-emulator", "gnmi-emulator")


@pytest.fixture(params=PAIRS)
def pair(
    request: pytest.FixtureRequest, nc_adapter_host_key: paramiko.RSAKey, nc_known_hosts: str
) -> Iterator[Pair]:
    yield from _open(request, nc_adapter_host_key, nc_known_hosts)


@pytest.fixture(params=EMULATED)
def emulated(
    request: pytest.FixtureRequest, nc_adapter_host_key: paramiko.RSAKey, nc_known_hosts: str
) -> Iterator[Pair]:
    """The pairs whose server takes injected faults."""
    yield from _open(request, nc_adapter_host_key, nc_known_hosts)


def _open(request: pytest.FixtureRequest, host_key: paramiko.RSAKey, known_hosts: str) -> Iterator[Pair]:
    name = request.param
    if name in ("gnmi-emulator", "netconfd"):
        fixture = "gnmi_pair" if name == "gnmi-emulator" else "netconfd_pair"
        pairs: Iterator[Pair] = iter([request.getfixturevalue(fixture)])
    else:
        options = {
            "netconf-emulator": {},
            "netconf-no-confirmed-commit": {"confirmed_commit": False},
            "netconf-running-only": {"candidate": False},
        }[name]
        pairs = _emulator_pair(name, host_key, known_hosts, **options)
    for p in pairs:
        p.adapter = p.make()
        p.adapter.open()
        try:
            yield p
        finally:
            p.adapter.close()
