"""SSH host-key verification for NETCONF sessions.

ncclient checks ~/.ssh/known_hosts when hostkey_verify is on; a `known_hosts` file given to
the adapter is checked as well, through ncclient's unknown-host callback (it hands over the
MD5 fingerprint of the key the server presented). Entries are looked up as OpenSSH writes
them: "host" for port 22, "[host]:port" otherwise; hashed host names work too.
"""

from __future__ import annotations

from collections.abc import Callable

import paramiko


def fingerprint(key: paramiko.PKey) -> str:
    """The MD5 fingerprint in ncclient's spelling (colon-separated hex)."""
    return ":".join(f"{b:02x}" for b in key.get_fingerprint())


def known_hosts_check(path: str, port: int) -> Callable[[str, str], bool]:
    """An unknown_host_cb accepting the keys `path` lists for the host (at `port`). A
    missing or unreadable file accepts nothing: the connection is then refused."""

    def accept(host: str, presented: str) -> bool:
        keys = paramiko.HostKeys()
        try:
            keys.load(path)
        except (OSError, paramiko.SSHException):
            return False
        for name in (host, f"[{host}]:{port}"):
            entry = keys.lookup(name)
            if entry is not None and any(fingerprint(k) == presented for k in entry.values()):
                return True
        return False

    return accept
