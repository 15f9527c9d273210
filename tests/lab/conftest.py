"""Fixtures for the lab emulators' tests: a NETCONF server on 127.0.0.1 and ncclient sessions."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import paramiko
import pytest
from ncclient import manager

# Imported for its side effect: it lowers ncclient's polling tick, the one place that does.
import adapters.netconf  # noqa: F401
from simulator.lab.netconf_server import NetconfServer

NC_USER = "lab"
NC_PASSWORD = "lab-secret"


@pytest.fixture(scope="session")
def nc_host_key() -> paramiko.RSAKey:
    # One key for every server of the run: RSA generation is the slowest part of a start.
    return paramiko.RSAKey.generate(2048)


@pytest.fixture
def netconf_server(nc_host_key: paramiko.RSAKey) -> Iterator[NetconfServer]:
    with NetconfServer(username=NC_USER, password=NC_PASSWORD, host_key=nc_host_key) as server:
        yield server


@pytest.fixture
def nc_connect(netconf_server: NetconfServer) -> Iterator[Callable[..., Any]]:
    """Opens ncclient sessions to `netconf_server` (closed at the end of the test)."""
    opened: list[Any] = []

    def connect(**extra: Any) -> Any:
        m = manager.connect(
            host="127.0.0.1",
            port=netconf_server.port,
            username=NC_USER,
            password=NC_PASSWORD,
            hostkey_verify=False,
            look_for_keys=False,
            allow_agent=False,
            timeout=10,
            **extra,
        )
        opened.append(m)
        return m

    yield connect
    for m in opened:
        if m.connected:
            m.close_session()
