"""Fixtures for the adapters' tests: real servers on 127.0.0.1 and change sets to push."""

from __future__ import annotations

from collections.abc import Iterator

import paramiko
import pytest

from nfvo.domain import Controller, Domain, Protocol
from simulator.lab.netconf_server import NetconfServer

NC_USER = "nfvo"
NC_PASSWORD = "s3cret-lab-password"


@pytest.fixture(scope="session")
def nc_adapter_host_key() -> paramiko.RSAKey:
    return paramiko.RSAKey.generate(2048)


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
