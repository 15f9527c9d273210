"""The NETCONF session under the adapter: connecting (with host-key checks), dropping a
session that can no longer be trusted, and reading configuration back.

`NetconfAdapter` (adapter.py) adds the transaction on top; this part knows nothing of it
beyond the state it must reset when the session goes.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import ncclient.transport.session
from lxml import etree
from ncclient import manager

from adapters.netconf import render
from adapters.netconf.errors import Translator
from adapters.netconf.hostkeys import known_hosts_check
from adapters.netconf.tree import Json, Shape, value_at
from nfvo.domain import ChangeSet, ConfigPath, Controller, ControllerUnavailable, format_path

# ncclient's session thread waits up to TICK seconds (0.1 by default) before it sends a
# queued request, which adds ~100 ms to every RPC; at 5 ms an RPC takes 3-7 ms on loopback.
# Set once, here, because this package is the only code that uses ncclient.
ncclient.transport.session.TICK = 0.005

log = logging.getLogger(__name__)

TRANSPORT_NS = "urn:nfvo-slices:transport"
# What models/yang/nfvo-transport.yang declares, for turning XML into JSON-like values.
TRANSPORT_LISTS: Mapping[str, tuple[str, ...]] = {"slice": ("name",), "vlink": ("id",)}
TRANSPORT_LEAF_LISTS: Collection[str] = frozenset({"hop"})

CANDIDATE = "urn:ietf:params:netconf:capability:candidate:1.0"
WRITABLE_RUNNING = "urn:ietf:params:netconf:capability:writable-running:1.0"
CONFIRMED_COMMIT = ":confirmed-commit"
VALIDATE = ":validate"


class NetconfSession:
    def __init__(
        self,
        controller: Controller,
        *,
        namespace: str = TRANSPORT_NS,
        hostkey_verify: bool = True,
        known_hosts: str | None = None,
        timeout_s: float | None = None,
        key_filename: str | None = None,
        list_keys: Mapping[str, tuple[str, ...]] = TRANSPORT_LISTS,
        leaf_lists: Collection[str] = TRANSPORT_LEAF_LISTS,
    ) -> None:
        """`hostkey_verify` (on by default) accepts only a server whose SSH host key is in
        ~/.ssh/known_hosts or in `known_hosts` (an OpenSSH known_hosts file). `key_filename`:
        a private key for SSH public-key authentication (the password, if any, then unlocks
        it or is tried after it). `timeout_s` bounds the connection and every RPC (default:
        the controller's timeout_s). `list_keys` and `leaf_lists` describe the module under
        `namespace` (default: nfvo-transport)."""
        self.controller = controller
        self.namespace = namespace
        self._hostkey_verify = hostkey_verify
        self._known_hosts = known_hosts
        self._timeout = timeout_s if timeout_s is not None else controller.timeout_s
        self._key_filename = key_filename
        self._shape = Shape(namespace, dict(list_keys), frozenset(leaf_lists))
        self._errors = Translator(controller, on_broken=self._drop)
        self._manager: Any = None  # ncclient.manager.Manager (untyped)
        self._capabilities: tuple[str, ...] = ()
        self._target = "candidate"  # or "running" on a server without :candidate
        self._locked = False
        self._confirm_pending = False
        self._staged: list[ChangeSet] = []  # this transaction's change sets, for fallbacks
        # running as it was before an unconfirmed commit that no server timer reverts; kept
        # across close(), like gNMI's undo, so that rollback() can still restore it.
        self._saved: tuple[etree._Element, list[str]] | None = None

    # --- session ----------------------------------------------------------------------------

    def open(self) -> None:
        if self._manager is not None:
            return
        ctl = self.controller
        extra: dict[str, Any] = {}
        if self._hostkey_verify and self._known_hosts:
            extra["unknown_host_cb"] = known_hosts_check(self._known_hosts, ctl.port)
        with self._errors.errors("connect"):
            self._manager = manager.connect(
                host=ctl.host,
                port=ctl.port,
                username=ctl.username or None,
                password=ctl.password or None,
                key_filename=self._key_filename,
                hostkey_verify=self._hostkey_verify,
                look_for_keys=False,
                allow_agent=False,
                timeout=self._timeout,
                manager_params={"timeout": self._timeout},
                **extra,
            )
            self._capabilities = tuple(str(c) for c in self._manager.server_capabilities)
        bare = {c.split("?")[0] for c in self._capabilities}
        if CANDIDATE in bare:
            self._target = "candidate"
        elif WRITABLE_RUNNING in bare:
            self._target = "running"
        else:
            self.close()
            raise self._errors.unsupported("the server offers neither :candidate nor :writable-running")

    def close(self) -> None:
        """Best effort, never raises: the server releases what a closed session held."""
        m, self._manager = self._manager, None
        self._locked = self._confirm_pending = False
        self._staged.clear()
        if m is None:
            return
        try:
            if m.connected:
                m.close_session()
        except Exception as exc:  # the session may be gone already; nothing left to release
            log.debug("closing the NETCONF session to %s: %s", self.controller.name, exc)
            self._drop_transport(m)

    def _drop(self) -> None:
        """Abandon a session that can no longer be trusted (no <close-session>)."""
        m, self._manager = self._manager, None
        self._locked = self._confirm_pending = False
        if m is not None:
            self._drop_transport(m)

    def _drop_transport(self, m: Any) -> None:
        try:
            m._session.close()
        except Exception as exc:
            log.debug("closing the SSH transport to %s: %s", self.controller.name, exc)

    def capabilities(self) -> Sequence[str]:
        return self._capabilities

    def _session(self) -> Any:
        m = self._manager
        if m is None:
            raise ControllerUnavailable(
                f"NETCONF controller {self.controller.name}: no session (call open() first)",
                controller=self.controller.name,
            )
        if not m.connected:
            self._drop()
            raise self._errors.unavailable("using the session", "the session was closed by the server")
        return m

    def _has(self, capability: str) -> bool:
        m = self._manager
        return m is not None and capability in m.server_capabilities

    # --- reading ---------------------------------------------------------------------------------

    def read(self, paths: Sequence[ConfigPath]) -> Mapping[str, Json]:
        """Running config under each path, fetched with one filtered get-config."""
        data = self._get_config("running", paths)
        return {format_path(p): value_at(data, p, self._shape) for p in paths}

    def measure(self, paths: Sequence[ConfigPath]) -> Mapping[str, Json]:
        """Running config plus operational state under each path, with one filtered <get>."""
        m = self._session()
        with self._errors.errors("get"):
            data = m.get(filter=render.subtree_filter(paths, self.namespace)).data_ele
        if not isinstance(data, etree._Element):
            raise self._errors.unavailable("get", "the reply holds no <data>")
        return {format_path(p): value_at(data, p, self._shape) for p in paths}

    def _get_config(self, source: str, paths: Sequence[ConfigPath] | None) -> etree._Element:
        m = self._session()
        filt = render.subtree_filter(paths, self.namespace) if paths is not None else None
        with self._errors.errors(f"get-config from {source}"):
            data = m.get_config(source=source, filter=filt).data_ele
        if not isinstance(data, etree._Element):
            raise self._errors.unavailable(f"get-config from {source}", "the reply holds no <data>")
        return data
