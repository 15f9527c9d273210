"""The NETCONF adapter: DomainAdapter over ncclient, with candidate + confirmed commit.

    open → stage (lock candidate, edit-config) → [diff] → [validate] → commit(confirm_timeout)
         → read → confirm (confirming commit, unlock) | rollback (cancel-commit, unlock)

The candidate lock is held from stage until the change set is final (committed without
a timeout, confirmed, discarded or rolled back), so no other session slips its edits into
our commit. A dropped session needs no cleanup: the server releases the lock, drops the
candidate and reverts an unconfirmed commit by itself (RFC 6241 §7.5, §8.4).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import ncclient.transport.session
from lxml import etree
from ncclient import manager

from adapters.netconf import render
from adapters.netconf.errors import Translator
from adapters.netconf.tree import Json, Shape, diff, flatten, lookup, value_at
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
CONFIRMED_COMMIT = ":confirmed-commit"
VALIDATE = ":validate"


class NetconfAdapter:
    def __init__(
        self,
        controller: Controller,
        *,
        namespace: str = TRANSPORT_NS,
        hostkey_verify: bool = False,
        timeout_s: float | None = None,
        key_filename: str | None = None,
        list_keys: Mapping[str, tuple[str, ...]] = TRANSPORT_LISTS,
        leaf_lists: Collection[str] = TRANSPORT_LEAF_LISTS,
    ) -> None:
        """`key_filename`: a private key for SSH public-key authentication (the password,
        if any, then unlocks it or is tried after it). `timeout_s` bounds the connection
        and every RPC (default: the controller's timeout_s). `list_keys` and `leaf_lists`
        describe the module under `namespace` (default: nfvo-transport)."""
        self.controller = controller
        self.namespace = namespace
        self._hostkey_verify = hostkey_verify
        self._timeout = timeout_s if timeout_s is not None else controller.timeout_s
        self._key_filename = key_filename
        self._shape = Shape(namespace, dict(list_keys), frozenset(leaf_lists))
        self._errors = Translator(controller)
        self._manager: Any = None  # ncclient.manager.Manager (untyped)
        self._capabilities: tuple[str, ...] = ()
        self._locked = False
        self._confirm_pending = False

    # --- session ----------------------------------------------------------------------------

    def open(self) -> None:
        if self._manager is not None:
            return
        ctl = self.controller
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
            )
            self._capabilities = tuple(str(c) for c in self._manager.server_capabilities)
        if not any(c.split("?")[0] == CANDIDATE for c in self._capabilities):
            self.close()
            raise self._errors.unsupported("the server has no :candidate datastore, which this adapter needs")

    def close(self) -> None:
        """Best effort, never raises: the server releases what a closed session held."""
        m, self._manager = self._manager, None
        self._locked = self._confirm_pending = False
        if m is None:
            return
        try:
            if m.connected:
                m.close_session()
        except Exception as exc:  # the session may be gone already; nothing left to release
            log.debug("closing the NETCONF session to %s: %s", self.controller.name, exc)
            try:
                m._session.close()
            except Exception as inner:
                log.debug("closing the SSH transport to %s: %s", self.controller.name, inner)

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
            raise self._errors.unavailable("using the session", "the session was closed by the server")
        return m

    def _has(self, capability: str) -> bool:
        m = self._manager
        return m is not None and capability in m.server_capabilities

    # --- the transaction -----------------------------------------------------------------------

    def stage(self, changeset: ChangeSet) -> None:
        """Lock the candidate (once per transaction) and edit the change set into it.

        Leaf-lists given in MERGE edits replace the old values: those are read from the
        candidate and removed by a first edit-config. If any edit fails, the whole
        candidate is discarded (with what earlier stages of this transaction put there)
        and the lock is kept for discard()/close() to release."""
        try:
            configs = render.render(changeset.edits, self.namespace)
        except ValueError as exc:
            raise self._errors.rejected(f"change set {changeset.id}", f"cannot render it: {exc}") from None
        m = self._session()
        if not self._locked:
            with self._errors.errors("lock candidate"):
                m.lock("candidate")
            self._locked = True
        try:
            removal = self._leaf_list_removal(changeset)
            bodies = ([removal] if removal is not None else []) + configs
            for i, body in enumerate(bodies):
                # Only the last edit validates the candidate: an entry may get its
                # mandatory leaves from a later edit of the same change set.
                last = i == len(bodies) - 1
                test_option = None if last or not self._has(VALIDATE) else "set"
                with self._errors.errors(f"edit-config of change set {changeset.id}"):
                    m.edit_config(target="candidate", config=body, test_option=test_option)
        except Exception:
            self._discard_quietly()
            raise

    def _leaf_list_removal(self, changeset: ChangeSet) -> etree._Element | None:
        wanted = render.leaf_lists(changeset.edits)
        if not wanted:
            return None
        data = self._get_config("candidate", [path for path, _ in wanted])
        current: dict[tuple[ConfigPath, str], list[str]] = {}
        for path, name in wanted:
            if (path, name) in current:
                continue
            values = current.setdefault((path, name), [])
            for entry in lookup(data, path, self._shape):
                values.extend(e.text or "" for e in entry.iterchildren(f"{{{self.namespace}}}{name}"))
        return render.render_removals(current, self.namespace)

    def _discard_quietly(self) -> None:
        # After a failed stage, leave the candidate as it was: the change set is all or nothing.
        m = self._manager
        try:
            if m is not None and m.connected:
                m.discard_changes()
        except Exception as exc:
            log.debug("discard after a failed stage on %s: %s", self.controller.name, exc)

    def diff(self) -> str:
        """What commit would change in our module: "+ path = value" / "- path = value" lines."""
        candidate = flatten(self._get_config("candidate", None), self._shape)
        running = flatten(self._get_config("running", None), self._shape)
        return diff(running, candidate)

    def validate(self) -> None:
        if not self._has(VALIDATE):
            return  # nothing to ask; commit still refuses an invalid candidate
        m = self._session()
        # Validate a copy of the candidate, not <candidate/> itself: yuma123's netconfd
        # answers <ok/> to <validate><source><candidate/> but then drops the staged
        # change on the next <commit> (NOTES.md). An inline copy is checked the same way.
        data = self._get_config("candidate", None)
        config = render.new_config()
        config.extend(list(data))
        with self._errors.errors("validate"):
            m.validate(source=config)

    def commit(self, confirm_timeout: float | None = None) -> None:
        """With a timeout (rounded up to whole seconds), a confirmed commit that the server
        reverts unless confirm() comes in time; the lock is kept until then. Without one,
        or on a server without :confirmed-commit, a plain commit that releases the lock."""
        m = self._session()
        if confirm_timeout is not None and self._has(CONFIRMED_COMMIT):
            seconds = max(1, math.ceil(confirm_timeout))  # confirm-timeout is whole seconds
            with self._errors.errors("confirmed commit"):
                m.commit(confirmed=True, timeout=str(seconds))
            self._confirm_pending = True
            return
        if confirm_timeout is not None:
            log.info("%s has no :confirmed-commit; committing without a revert timer", self.controller.name)
        with self._errors.errors("commit"):
            m.commit()
        self._confirm_pending = False
        self._unlock()

    def confirm(self) -> None:
        m = self._session()
        if self._confirm_pending:
            with self._errors.errors("confirming commit"):
                m.commit()
            self._confirm_pending = False
        self._unlock()

    def discard(self) -> None:
        if not self._locked:
            return  # nothing of ours is staged; the candidate may hold another session's work
        m = self._session()
        with self._errors.errors("discard-changes"):
            m.discard_changes()
        self._unlock()

    def rollback(self) -> None:
        """cancel-commit when a confirmed commit is pending, then drop the candidate."""
        if not self._confirm_pending:
            self.discard()
            return
        m = self._session()
        with self._errors.errors("cancel-commit"):
            m.cancel_commit()
        self._confirm_pending = False
        self.discard()  # the server reverted the candidate too; this also unlocks

    def _unlock(self) -> None:
        if not self._locked:
            return
        m = self._session()
        self._locked = False
        with self._errors.errors("unlock candidate"):
            m.unlock("candidate")

    # --- reading ---------------------------------------------------------------------------------

    def read(self, paths: Sequence[ConfigPath]) -> Mapping[str, Json]:
        """Running config under each path, fetched with one filtered get-config."""
        data = self._get_config("running", paths)
        return {format_path(p): value_at(data, p, self._shape) for p in paths}

    def _get_config(self, source: str, paths: Sequence[ConfigPath] | None) -> etree._Element:
        m = self._session()
        filt = render.subtree_filter(paths, self.namespace) if paths is not None else None
        with self._errors.errors(f"get-config from {source}"):
            data = m.get_config(source=source, filter=filt).data_ele
        if not isinstance(data, etree._Element):
            raise self._errors.unavailable(f"get-config from {source}", "the reply holds no <data>")
        return data
