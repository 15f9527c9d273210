"""The gNMI domain adapter: the `DomainAdapter` contract over grpc and the gNMI stubs.

gNMI has no candidate datastore, no validate and no confirmed commit, so the adapter
supplies them itself:

- stage() only records edits; validate() checks them locally; diff() compares them with
  what Get returns.
- commit() first snapshots, with Get, every subtree the edits touch and turns the snapshot
  into an undo (replace each subtree that existed with what it held, delete each that did
  not), then sends ALL staged edits as ONE Set, which the server applies atomically.
- With a confirm_timeout the undo is kept until confirm(); rollback() sends it as one atomic
  Set. There is no server-side timer in plain gNMI: nothing reverts by itself when the
  timeout passes, or when this process dies. The timeout is recorded (`confirm_deadline`)
  and the caller (the lifecycle saga) must call rollback() or confirm().
- Several unconfirmed commits stack their undos; rollback() applies them newest first,
  each atomically, so the controller ends as it was before the first of them.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import grpc
from pygnmi.spec.v080 import gnmi_pb2, gnmi_pb2_grpc

from adapters.gnmi.errors import closed_channel, status_of, translate
from adapters.gnmi.paths import (
    BadReply,
    covering,
    decode,
    json_value,
    leaves_json,
    problems,
    sequential,
    show,
    to_gnmi_path,
)
from nfvo.domain import (
    ChangeSet,
    ConfigEdit,
    ConfigPath,
    ConfigRejected,
    Controller,
    ControllerUnavailable,
    EditOp,
    UnsupportedCapability,
    format_path,
)

# Reconnect quickly once a controller comes back (gRPC's default backoff grows to 120 s,
# which would keep failing calls long after a lab controller restarted).
_CHANNEL_OPTIONS: list[tuple[str, str | int]] = [
    ("grpc.initial_reconnect_backoff_ms", 200),
    ("grpc.min_reconnect_backoff_ms", 200),
    ("grpc.max_reconnect_backoff_ms", 2000),
]


@dataclass(frozen=True)
class _Undo:
    """What restores the subtrees one commit touched, as the parts of one Set."""

    replace: tuple[tuple[ConfigPath, object], ...]
    delete: tuple[ConfigPath, ...]

    def request(self) -> Any:
        return gnmi_pb2.SetRequest(
            delete=[to_gnmi_path(p) for p in self.delete],
            replace=[gnmi_pb2.Update(path=to_gnmi_path(p), val=json_value(v)) for p, v in self.replace],
        )


class GnmiAdapter:
    def __init__(
        self,
        controller: Controller,
        *,
        tls: bool = False,
        root_certificates: bytes | None = None,
        timeout_s: float | None = None,
        server_name: str | None = None,
    ) -> None:
        """`tls` selects a secure channel verified against `root_certificates` (PEM; None:
        the system's roots); plaintext only when tls is False. `server_name` overrides the
        name the certificate must carry (when dialling an address). Every call gets a
        deadline of `timeout_s`, by default the controller's."""
        self.controller = controller
        self._tls = tls
        self._root_certificates = root_certificates
        self._server_name = server_name
        self._timeout_s = timeout_s if timeout_s is not None else controller.timeout_s
        self._channel: grpc.Channel | None = None
        self._stub: Any = None
        self._capabilities: tuple[str, ...] = ()
        self._staged: list[ConfigEdit] = []
        self._undo: list[_Undo] = []  # one per unconfirmed commit, oldest first
        self.confirm_deadline: float | None = None  # time.monotonic() by which to confirm

    # --- session ------------------------------------------------------------------------

    def open(self) -> None:
        self.close()
        host = f"[{self.controller.host}]" if ":" in self.controller.host else self.controller.host
        target = f"{host}:{self.controller.port}"
        options = list(_CHANNEL_OPTIONS)
        if self._server_name:
            options.append(("grpc.ssl_target_name_override", self._server_name))
        if self._tls:
            creds = grpc.ssl_channel_credentials(root_certificates=self._root_certificates)
            self._channel = grpc.secure_channel(target, creds, options=options)
        else:
            self._channel = grpc.insecure_channel(target, options=options)
        self._stub = gnmi_pb2_grpc.gNMIStub(self._channel)
        try:
            reply = self._call("open", "Capabilities", gnmi_pb2.CapabilityRequest())
            encodings = {gnmi_pb2.Encoding.Name(e) for e in reply.supported_encodings}
            self._capabilities = (
                *(f"model:{m.organization}/{m.name}@{m.version}" for m in reply.supported_models),
                *(f"encoding:{e}" for e in sorted(encodings)),
                f"gnmi-version:{reply.gNMI_version}",
            )
            if "JSON_IETF" not in encodings:
                raise UnsupportedCapability(
                    f"gNMI controller {self.controller.name} does not support JSON_IETF encoding "
                    f"(it offers {sorted(encodings)})",
                    controller=self.controller.name,
                )
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Drop the channel. Staged edits and pending undos are kept: after open() again,
        a commit can still be confirmed or rolled back."""
        channel, self._channel, self._stub = self._channel, None, None
        if channel is not None:
            channel.close()

    def capabilities(self) -> Sequence[str]:
        """Entries "model:<org>/<name>@<version>", "encoding:<name>" and "gnmi-version:<v>"."""
        if self._stub is None:
            raise closed_channel(self.controller.name, "capabilities")
        return self._capabilities

    def __enter__(self) -> GnmiAdapter:
        self.open()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # --- configuration ------------------------------------------------------------------

    def stage(self, changeset: ChangeSet) -> None:
        """Record the edits (after any staged before); nothing is sent until commit()."""
        self._staged.extend(changeset.edits)

    def validate(self) -> None:
        found = [p for edit in self._staged for p in problems(edit)]
        if found:
            raise ConfigRejected(
                f"gNMI controller {self.controller.name}: invalid edits: " + "; ".join(found),
                controller=self.controller.name,
            )

    def diff(self) -> str:
        """One block per edit that changes something: '+' creates, '~' changes, '-' removes.
        Each edit is compared with the running configuration on its own."""
        lines: list[str] = []
        for edit in sequential(self._staged):
            where = format_path(edit.path)
            current = self._get(edit.path, "diff")
            if edit.op is EditOp.DELETE:
                if current is not None:
                    lines += [f"- {where}", f"-     {show(current)}"]
                continue
            held = current if isinstance(current, dict) else {}
            changes = []
            for name, value in leaves_json(edit.leaves).items():
                if name not in held:
                    changes.append(f"+     {name}: {show(value)}")
                elif held[name] != value:
                    changes.append(f"~     {name}: {show(held[name])} -> {show(value)}")
            if current is None:
                lines += [f"+ {where}", *changes]
            elif changes:
                lines += [f"~ {where}", *changes]
        return "\n".join(lines) + ("\n" if lines else "")

    def commit(self, confirm_timeout: float | None = None) -> None:
        edits = sequential(self._staged)
        if edits:
            self.validate()
            undo = self._snapshot(edits)
            try:
                self._call("commit", "Set", _set_request(edits))
            except ControllerUnavailable:
                # The outcome is unknown (the Set may have been applied before the reply was
                # lost). Keep the undo: rollback() restores the old state either way.
                self._undo.append(undo)
                raise
            self._undo.append(undo)
            self._staged.clear()
        if confirm_timeout is None:
            # A plain commit is final and, as in NETCONF, confirms any pending one.
            self.confirm()
        elif self._undo:
            self.confirm_deadline = time.monotonic() + confirm_timeout

    def confirm(self) -> None:
        self._undo.clear()
        self.confirm_deadline = None

    def discard(self) -> None:
        self._staged.clear()

    def rollback(self) -> None:
        """Undo unconfirmed commits (newest first, one atomic Set each) and drop staged
        edits. An undo is dropped only once sent, so a failed rollback can be retried."""
        while self._undo:
            self._call("rollback", "Set", self._undo[-1].request())
            self._undo.pop()
        self.confirm_deadline = None
        self._staged.clear()

    def read(self, paths: Sequence[ConfigPath]) -> Mapping[str, object]:
        """{format_path(p): subtree or None}. A list entry reads as a dict with its keys, a
        container as a dict whose lists are arrays of such entries, a list as an array."""
        return {format_path(p): self._get(p, "read") for p in paths}

    def measure(self, paths: Sequence[ConfigPath]) -> Mapping[str, object]:
        """Like read, with operational state (telemetry) too: a Get of type ALL."""
        return {format_path(p): self._get(p, "measure", gnmi_pb2.GetRequest.ALL) for p in paths}

    # --- helpers ------------------------------------------------------------------------

    def _snapshot(self, edits: Sequence[ConfigEdit]) -> _Undo:
        """The undo of `edits`, from the current state of every subtree they touch."""
        replaces: list[tuple[ConfigPath, object]] = []
        deletes: list[ConfigPath] = []
        for path in covering(e.path for e in edits):
            value = self._get(path, "commit")
            if value is not None:
                replaces.append((path, value))
                continue
            # Absent: delete the topmost absent ancestor, because the Set will also create
            # any missing list entries on the way down (with their key leaves) and an exact
            # undo must remove those too.
            top = path
            while len(top) > 1 and self._get(top[:-1], "commit") is None:
                top = top[:-1]
            deletes.append(top)
        return _Undo(tuple(replaces), tuple(covering(deletes)))

    def _get(self, path: ConfigPath, action: str, data_type: int = gnmi_pb2.GetRequest.CONFIG) -> object:
        request = gnmi_pb2.GetRequest(path=[to_gnmi_path(path)], type=data_type, encoding=gnmi_pb2.JSON_IETF)
        reply = self._call(action, "Get", request, absent_ok=True)
        if reply is None:
            return None
        try:
            for notification in reply.notification:
                for update in notification.update:
                    return decode(update.val)
        except BadReply as err:
            raise ConfigRejected(
                f"gNMI {action} on {self.controller.name}: malformed reply for {format_path(path)}: {err}",
                controller=self.controller.name,
            ) from err
        return None

    def _call(self, action: str, rpc: str, request: Any, *, absent_ok: bool = False) -> Any:
        """One RPC with a deadline; every grpc failure comes out as an AdapterError
        (None for NOT_FOUND when `absent_ok`)."""
        if self._stub is None:
            raise closed_channel(self.controller.name, action)
        metadata = None
        if self.controller.username:
            metadata = [("username", self.controller.username), ("password", self.controller.password)]
        try:
            return getattr(self._stub, rpc)(request, timeout=self._timeout_s, metadata=metadata)
        except grpc.RpcError as err:
            if absent_ok and status_of(err)[0] is grpc.StatusCode.NOT_FOUND:
                return None
            raise translate(err, self.controller.name, action) from err
        except ValueError as err:  # grpc: "Cannot invoke RPC on closed channel!"
            raise closed_channel(self.controller.name, action) from err


def _set_request(edits: Sequence[ConfigEdit]) -> Any:
    return gnmi_pb2.SetRequest(
        delete=[to_gnmi_path(e.path) for e in edits if e.op is EditOp.DELETE],
        update=[
            gnmi_pb2.Update(path=to_gnmi_path(e.path), val=json_value(leaves_json(e.leaves)))
            for e in edits
            if e.op is EditOp.MERGE
        ],
    )
