"""The running and candidate datastores, shared by every session of one server.

Also holds what RFC 6241 makes server-wide: the global locks (§7.5), and the pending
confirmed commit (§8.4) with its revert timer. One mutex serialises every operation, so a
session sees each RPC apply atomically.
"""

from __future__ import annotations

import threading
from copy import deepcopy
from dataclasses import dataclass, field

from lxml import etree

from simulator.lab.netconf.edit import apply_edit, leave_one_out
from simulator.lab.netconf.errors import element, qn, rpc_error
from simulator.lab.netconf.schema import NS, canonicalize, validate
from simulator.lab.netconf.subtree import select
from simulator.lab.telemetry import LatencyModel

DATASTORES = ("running", "candidate")


def empty_tree() -> etree._Element:
    return element(qn("data"))


@dataclass(eq=False)
class _Pending:
    """A confirmed commit waiting for its confirmation."""

    backup: etree._Element  # running as it was before the first confirmed commit
    session_id: int
    persist: str | None
    timer: threading.Timer = field(init=False)


class Datastores:
    def __init__(
        self,
        initial: etree._Element | None = None,
        *,
        candidate: bool = True,
        confirmed_commit: bool = True,
        telemetry: LatencyModel | None = None,
    ) -> None:
        """Without `candidate` the server is :writable-running only: edits go straight to
        running (validated whole, at once) and there is no commit."""
        self.has_candidate = candidate
        self.has_confirmed_commit = confirmed_commit and candidate
        self.telemetry = telemetry
        self._mutex = threading.RLock()
        self._running = empty_tree()
        if initial is not None:
            self._running.extend(deepcopy(c) for c in initial.iterchildren(etree.Element))
            validate(self._running)
            canonicalize(self._running)
        self._candidate = deepcopy(self._running)
        self._locks: dict[str, int] = {}
        self._pending: _Pending | None = None

    # --- reading ------------------------------------------------------------------------

    def get(self, source: str, subtree: etree._Element | None) -> etree._Element:
        with self._mutex:
            return select(self._tree(source), subtree)

    def get_state(self, subtree: etree._Element | None) -> etree._Element:
        """What <get> returns: running plus the state the model adds to it (the measured
        latency of every vlink, from `telemetry`), filtered."""
        with self._mutex:
            tree = deepcopy(self._running)
        if self.telemetry is not None:
            for vlink in tree.iter(f"{{{NS}}}vlink"):
                hops = [h.text or "" for h in vlink.iterchildren(f"{{{NS}}}hop")]
                ends = [vlink.findtext(f"{{{NS}}}src-site") or "", vlink.findtext(f"{{{NS}}}dst-site") or ""]
                measured = self.telemetry.measure(hops or ends)
                if measured is not None:
                    element(f"{{{NS}}}measured-latency-ms", NS, vlink).text = f"{measured:.3f}"
        return select(tree, subtree)

    @property
    def writable(self) -> str:
        """The datastore edit-config may target."""
        return "candidate" if self.has_candidate else "running"

    def serialize(self, source: str) -> str:
        with self._mutex:
            return etree.tostring(self._tree(source), pretty_print=True, encoding="unicode")

    def _tree(self, name: str) -> etree._Element:
        if name == "running":
            return self._running
        if name == "candidate" and self.has_candidate:
            return self._candidate
        raise rpc_error(
            "invalid-value", f"no datastore {name!r} (running and candidate exist)", error_type="protocol"
        )

    # --- candidate ------------------------------------------------------------------------

    def edit(
        self,
        session_id: int,
        config: etree._Element,
        default_operation: str,
        *,
        test_only: bool,
        target: str = "candidate",
    ) -> None:
        with self._mutex:
            self._check_lock(session_id, target)
            if default_operation == "replace":
                # The config becomes the whole datastore (RFC 6241 §7.2).
                work, default_operation = empty_tree(), "merge"
            else:
                work = deepcopy(self._tree(target))
            apply_edit(work, config, default_operation)  # on error the datastore is untouched
            if target == "running":
                validate(work)  # no commit comes later to check the whole tree
            if test_only:
                return
            if target == "running":
                self._running = work
                self._candidate = deepcopy(work)
            else:
                self._candidate = work

    def discard(self, session_id: int) -> None:
        with self._mutex:
            self._tree("candidate")  # a server without one has nothing to discard
            self._check_lock(session_id, "candidate")
            self._candidate = deepcopy(self._running)

    def validate(self, source: str | etree._Element) -> None:
        with self._mutex:
            if isinstance(source, str):
                validate(self._tree(source))
            else:
                validate(source, "/nc:rpc/nc:validate/nc:source/nc:config")

    # --- commit -----------------------------------------------------------------------------

    def commit(
        self,
        session_id: int,
        *,
        confirmed: bool = False,
        timeout_s: float = 600.0,
        persist: str | None = None,
        persist_id: str | None = None,
        partial: bool = False,
    ) -> None:
        """`partial`: an injected fault; one changed leaf of the candidate is left out of
        running, and the client is told all went well."""
        if not self.has_candidate or (confirmed and not self.has_confirmed_commit):
            what = ":confirmed-commit" if self.has_candidate else ":candidate"
            raise rpc_error("operation-not-supported", f"this server has no {what}", error_type="protocol")
        with self._mutex:
            self._check_lock(session_id, "running")
            self._check_lock(session_id, "candidate")
            pending = self._pending
            if pending is not None:
                self._check_owner(pending, session_id, persist_id)
            elif persist_id is not None:
                raise rpc_error("invalid-value", "no confirmed commit is pending for this persist-id")
            validate(self._candidate)
            if pending is not None:
                pending.timer.cancel()
                self._pending = None
            backup = pending.backup if pending is not None else self._running
            self._running = deepcopy(self._candidate)
            if partial:
                leave_one_out(self._running, backup)
            if confirmed:
                # A confirmed commit during another one extends it; the backup stays the
                # configuration before the first.
                self._pending = _Pending(backup, session_id, persist)
                self._pending.timer = threading.Timer(timeout_s, self._expire, args=(self._pending,))
                self._pending.timer.daemon = True
                self._pending.timer.start()

    def cancel_commit(self, session_id: int, persist_id: str | None) -> None:
        with self._mutex:
            pending = self._pending
            if pending is None:
                raise rpc_error("operation-failed", "no confirmed commit is pending")
            self._check_owner(pending, session_id, persist_id)
            self._revert(pending)

    def _check_owner(self, pending: _Pending, session_id: int, persist_id: str | None) -> None:
        if pending.persist is not None:
            if persist_id != pending.persist:
                raise rpc_error("invalid-value", "persist-id does not match the pending confirmed commit")
        elif pending.session_id != session_id:
            raise rpc_error(
                "in-use",
                f"session {pending.session_id} has a confirmed commit pending",
                error_type="protocol",
                info=(("session-id", str(pending.session_id)),),
            )

    def _expire(self, pending: _Pending) -> None:
        with self._mutex:
            if self._pending is pending:  # not confirmed or cancelled meanwhile
                self._revert(pending)

    def _revert(self, pending: _Pending) -> None:
        pending.timer.cancel()
        self._pending = None
        self._running = pending.backup
        # The candidate was built on the configuration being reverted: start it afresh.
        self._candidate = deepcopy(self._running)

    @property
    def confirm_pending(self) -> bool:
        with self._mutex:
            return self._pending is not None

    # --- locks and sessions -------------------------------------------------------------------

    def lock(self, session_id: int, target: str) -> None:
        with self._mutex:
            self._tree(target)
            holder = self._locks.get(target)
            if holder is not None:
                raise _lock_denied(f"{target} is locked by session {holder}", holder)
            if target == "candidate" and not _same(self._candidate, self._running):
                raise _lock_denied("the candidate holds changes that were neither committed nor discarded", 0)
            pending = self._pending
            if target == "running" and pending is not None and pending.session_id != session_id:
                raise _lock_denied("a confirmed commit of another session is pending", pending.session_id)
            self._locks[target] = session_id

    def unlock(self, session_id: int, target: str) -> None:
        with self._mutex:
            self._tree(target)
            if self._locks.get(target) != session_id:
                raise rpc_error(
                    "operation-failed", f"this session holds no lock on {target}", error_type="protocol"
                )
            del self._locks[target]

    def _check_lock(self, session_id: int, target: str) -> None:
        holder = self._locks.get(target)
        if holder is not None and holder != session_id:
            raise rpc_error(
                "in-use",
                f"{target} is locked by session {holder}",
                error_type="protocol",
                info=(("session-id", str(holder)),),
            )

    def session_closed(self, session_id: int) -> None:
        """Release what a session held: its locks, its uncommitted candidate (when it held
        the candidate lock), and its confirmed commit unless that was made persistent."""
        with self._mutex:
            if self._locks.get("candidate") == session_id:
                self._candidate = deepcopy(self._running)
            for target in [t for t, holder in self._locks.items() if holder == session_id]:
                del self._locks[target]
            pending = self._pending
            if pending is not None and pending.persist is None and pending.session_id == session_id:
                self._revert(pending)

    def close(self) -> None:
        with self._mutex:
            if self._pending is not None:
                self._pending.timer.cancel()


def _same(a: etree._Element, b: etree._Element) -> bool:
    return etree.tostring(a, method="c14n") == etree.tostring(b, method="c14n")


def _lock_denied(message: str, holder: int) -> Exception:
    return rpc_error("lock-denied", message, error_type="protocol", info=(("session-id", str(holder)),))
