"""Debian's yuma123 netconfd behind OpenSSH's netconf subsystem, loaded with our YANG
module, on 127.0.0.1 in a temporary directory (the recipe of NOTES.md). Authentication is
by an SSH key made for the run. Skips when the programs are missing, unless CI=true, where
that fails. Used by the contract suite and by test_netconf_netconfd."""

from __future__ import annotations

import contextlib
import getpass
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import paramiko
import pytest

from nfvo.domain import Controller, Domain, Protocol

NETCONFD = Path("/usr/sbin/netconfd")
SUBSYSTEM = Path("/usr/sbin/netconf-subsystem")
SSHD = Path("/usr/sbin/sshd")
YANG = Path(__file__).resolve().parents[2] / "models" / "yang" / "nfvo-transport.yang"
MODULE_CAPABILITY = "urn:nfvo-slices:transport?module=nfvo-transport&revision=2026-11-23"


def require_programs() -> None:
    missing = [str(p) for p in (NETCONFD, SUBSYSTEM, SSHD) if not p.exists()]
    if missing:
        message = f"{', '.join(missing)} not found: apt-get install -y netconfd openssh-server"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (CI=true: a missing server is a failure, not a skip)")
        pytest.skip(message)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(ready: Path | int, proc: subprocess.Popen[bytes], log: Path, timeout_s: float = 15) -> None:
    """Until a Unix socket file exists or a TCP port accepts; fail early if `proc` died."""
    deadline = time.monotonic() + timeout_s
    while True:
        if proc.poll() is not None:
            pytest.fail(f"{proc.args[0]} exited with {proc.returncode}:\n{log.read_text(errors='replace')}")
        if isinstance(ready, Path):
            if ready.exists():
                return
        else:
            try:
                with socket.create_connection(("127.0.0.1", ready), timeout=1):
                    return
            except OSError:
                pass
        if time.monotonic() > deadline:
            pytest.fail(f"{proc.args[0]} not ready after {timeout_s} s:\n{log.read_text(errors='replace')}")
        time.sleep(0.02)


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=5)  # netconfd takes 0.5-2 s to stop
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


@dataclass(frozen=True)
class Yuma:
    controller: Controller
    key_file: Path
    known_hosts: Path


@contextlib.contextmanager
def running_netconfd(d: Path) -> Iterator[Yuma]:
    """netconfd and sshd in directory `d`, until the block ends."""
    require_programs()
    (d / "yuma" / "data").mkdir(parents=True)  # netconfd fails to start without it (txid file)
    (d / "startup.xml").write_text('<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"/>\n')
    host_key = paramiko.RSAKey.generate(2048)
    host_key.write_private_key_file(str(d / "host_key"))
    client_key = paramiko.RSAKey.generate(2048)
    client_key.write_private_key_file(str(d / "client_key"))
    (d / "authorized_keys").write_text(f"{client_key.get_name()} {client_key.get_base64()}\n")
    port = free_port()
    sock = d / "ncxserver.sock"
    (d / "sshd_config").write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {d / 'host_key'}\nPidFile {d / 'sshd.pid'}\n"
        f"AuthorizedKeysFile {d / 'authorized_keys'}\nPubkeyAuthentication yes\nPasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\nUsePAM no\nStrictModes no\n"
        # The PORT@path form is required: with a bare path the option is silently ignored.
        f'Subsystem netconf "{SUBSYSTEM} --ncxserver-sockname={port}@{sock}"\n'
    )
    # sshd refuses to start without it; a user who may not create it runs sshd unprivileged.
    with contextlib.suppress(PermissionError):
        Path("/run/sshd").mkdir(exist_ok=True)
    user = getpass.getuser()
    netconfd_log, sshd_log = d / "netconfd.out", d / "sshd.out"
    with netconfd_log.open("wb") as out:
        netconfd = subprocess.Popen(
            [
                str(NETCONFD), f"--module={YANG}", f"--modpath={YANG.parent}:/usr/share/yuma/modules",
                f"--startup={d / 'startup.xml'}", f"--superuser={user}", f"--port={port}",
                f"--ncxserver-sockname={sock}", f"--log={d / 'netconfd.log'}",
            ],
            env={**os.environ, "YUMA_HOME": str(d / "yuma")},
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        wait_until(sock, netconfd, d / "netconfd.log")
        with sshd_log.open("wb") as out:
            sshd = subprocess.Popen(
                [str(SSHD), "-D", "-e", "-f", str(d / "sshd_config")],
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        try:
            wait_until(port, sshd, sshd_log)
            controller = Controller(
                "yuma", Domain.TRANSPORT, Protocol.NETCONF, "127.0.0.1", port, user, "", timeout_s=10
            )
            # sshd's host key, trusted the OpenSSH way: the adapter verifies it.
            (d / "known_hosts").write_text(
                f"[127.0.0.1]:{port} {host_key.get_name()} {host_key.get_base64()}\n"
            )
            yield Yuma(controller, d / "client_key", d / "known_hosts")
        finally:
            stop(sshd)
    finally:
        stop(netconfd)
