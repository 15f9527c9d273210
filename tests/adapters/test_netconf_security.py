"""SSH host-key verification and credential hygiene of the NETCONF adapter, and what the
factory passes it."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import paramiko
import pytest
from changesets import transport_changeset
from pairs import unused_port

from adapters.factory import connect
from adapters.netconf import NetconfAdapter
from nfvo.domain import AdapterError, Controller, NfvoError, TemporaryError
from simulator.lab.faults import Fault, FaultKind, Op
from simulator.lab.netconf_server import NetconfServer


def known_hosts_with(tmp_path: Path, line: str) -> str:
    path = tmp_path / "known_hosts"
    path.write_text(line + "\n")
    return str(path)


@pytest.fixture
def empty_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A HOME without ~/.ssh/known_hosts, so only what a test gives is trusted."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    return home


@pytest.mark.usefixtures("empty_home")
def test_host_key_verification_is_on_by_default(nc_controller: Controller) -> None:
    adapter = NetconfAdapter(nc_controller)
    with pytest.raises(AdapterError, match="host key") as caught:
        adapter.open()
    assert not isinstance(caught.value, TemporaryError)  # retrying cannot fix a host key


@pytest.mark.usefixtures("empty_home")
def test_known_hosts_file_with_the_right_key_is_accepted_and_a_wrong_key_refused(
    nc_controller: Controller, nc_adapter_host_key: paramiko.RSAKey, tmp_path: Path
) -> None:
    key = nc_adapter_host_key
    right = known_hosts_with(
        tmp_path, f"[127.0.0.1]:{nc_controller.port} {key.get_name()} {key.get_base64()}"
    )
    adapter = NetconfAdapter(nc_controller, known_hosts=right)
    adapter.open()
    adapter.close()

    other = paramiko.RSAKey.generate(1024)
    wrong = known_hosts_with(tmp_path, f"127.0.0.1 {other.get_name()} {other.get_base64()}")
    with pytest.raises(AdapterError, match="Unknown host key"):
        NetconfAdapter(nc_controller, known_hosts=wrong).open()
    with pytest.raises(AdapterError, match="Unknown host key"):
        NetconfAdapter(nc_controller, known_hosts=str(tmp_path / "missing")).open()


def test_verification_can_be_switched_off(nc_controller: Controller) -> None:
    adapter = NetconfAdapter(nc_controller, hostkey_verify=False)
    adapter.open()
    adapter.close()


def test_the_factory_verifies_every_controller_but_loopback_ones(nc_controller: Controller) -> None:
    assert isinstance(connect(nc_controller), NetconfAdapter)
    assert connect(nc_controller)._hostkey_verify is False  # type: ignore[attr-defined]
    remote = replace(nc_controller, host="192.0.2.7")
    assert connect(remote)._hostkey_verify is True  # type: ignore[attr-defined]
    pinned = connect(nc_controller, known_hosts="/etc/nfvo/known_hosts", hostkey_verify=True)
    assert pinned._hostkey_verify is True  # type: ignore[attr-defined]
    assert pinned._known_hosts == "/etc/nfvo/known_hosts"  # type: ignore[attr-defined]


@pytest.mark.usefixtures("empty_home")
def test_the_substrate_can_demand_verification_on_loopback_with_its_known_hosts(
    nc_controller: Controller, nc_adapter_host_key: paramiko.RSAKey, tmp_path: Path
) -> None:
    key = nc_adapter_host_key
    right = known_hosts_with(
        tmp_path, f"[127.0.0.1]:{nc_controller.port} {key.get_name()} {key.get_base64()}"
    )
    pinned = replace(nc_controller, hostkey_verify=True, known_hosts=right)
    adapter = connect(pinned)
    adapter.open()  # verified against the substrate's known_hosts file
    adapter.close()
    with pytest.raises(AdapterError, match=r"host key|Unknown host key"):
        connect(replace(nc_controller, hostkey_verify=True)).open()  # verified, and not known


def test_credentials_never_reach_logs_or_errors(
    nc_controller: Controller,
    nc_lab_server: NetconfServer,
    nc_known_hosts: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    secret = nc_controller.password
    errors: list[NfvoError] = []
    caplog.set_level(logging.DEBUG)  # ncclient and paramiko log every message at DEBUG
    # A wrong password, a refused port, a rejected change set, a dropped session.
    for ctl in (replace(nc_controller, password=secret + "x"), replace(nc_controller, port=unused_port())):
        with pytest.raises(AdapterError) as caught:
            NetconfAdapter(ctl, known_hosts=nc_known_hosts, timeout_s=3).open()
        errors.append(caught.value)
    adapter = NetconfAdapter(nc_controller, known_hosts=nc_known_hosts, timeout_s=3)
    adapter.open()
    with pytest.raises(AdapterError) as caught:
        adapter.stage(transport_changeset("bad", bandwidth=-1.0))
    errors.append(caught.value)
    adapter.discard()
    nc_lab_server.inject(Fault(FaultKind.DROP, Op.COMMIT))
    adapter.stage(transport_changeset("ok"))
    with pytest.raises(AdapterError) as caught:
        adapter.commit()
    errors.append(caught.value)
    adapter.close()
    assert caplog.records, "nothing was logged: the check would prove nothing"
    assert secret not in caplog.text
    for err in errors:
        assert secret not in str(err) and secret not in repr(err) and secret not in err.hint
        assert secret not in repr(err.__cause__) and secret not in str(err.__cause__)
    assert secret not in repr(nc_controller)
