"""The gNMI service of the lab server: Capabilities, Get and an atomic Set over a `Tree`.

Implemented against the compiled stubs pygnmi ships (gNMI 0.8.0). The servicer does not
subclass the generated `gNMIServicer`: `add_gNMIServicer_to_server` only looks the four
methods up by name, and the generated base is untyped.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import grpc
from pygnmi.spec.v080 import gnmi_pb2

from nfvo.domain import PathElem
from simulator.lab.gnmi.tree import Json, PathNotFound, Tree, TreeError

GNMI_VERSION = "0.8.0"
_WILDCARDS = frozenset({"*", "..."})

# Checks a candidate configuration (the whole tree as JSON) before a Set takes effect, like
# YANG must/leafref validation on a real controller: returns why it is refused, or None.
Validator = Callable[[Mapping[str, Json]], str | None]


@dataclass(frozen=True)
class ModelInfo:
    """One data model the server advertises in Capabilities."""

    name: str
    organization: str
    version: str


@dataclass
class Fault:
    """An injected failure: the next `times` calls of `rpc` wait `delay_s`, then fail with
    `code` (a grpc.StatusCode name) unless it is None."""

    rpc: str
    code: str | None
    details: str
    delay_s: float
    times: int


class _Abort(Exception):
    """Internal: end the RPC with this status (raised from helpers, turned into context.abort)."""

    def __init__(self, code: grpc.StatusCode, details: str) -> None:
        super().__init__(details)
        self.code = code
        self.details = details


class Datastore:
    """The tree behind a lock; a Set works on a copy that replaces the tree only if every
    operation in it succeeded, so a failed Set changes nothing (gNMI 3.4.3)."""

    def __init__(
        self,
        list_keys: Mapping[str, Sequence[str]] | None,
        containers: Sequence[str],
        validator: Validator | None,
    ) -> None:
        self._lock = threading.Lock()
        self._list_keys = list_keys
        self._containers = containers
        self._tree = Tree(list_keys, containers)
        self._validator = validator

    def reset(self, config: Mapping[str, Json]) -> None:
        """Start afresh from `config`: list keys learned so far are forgotten too."""
        fresh = Tree(self._list_keys, self._containers)
        fresh.replace((), dict(config))
        with self._lock:
            self._tree = fresh

    def get(self, path: Sequence[PathElem]) -> Json:
        with self._lock:
            return self._tree.get(path)

    def snapshot(self) -> dict[str, Json]:
        with self._lock:
            return self._tree.to_json()

    def transact(self, change: Callable[[Tree], None]) -> None:
        with self._lock:
            work = self._tree.copy()
            change(work)
            if self._validator is not None:
                why = self._validator(work.to_json())
                if why is not None:
                    raise _Abort(grpc.StatusCode.FAILED_PRECONDITION, why)
            self._tree = work


class FaultPlan:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: deque[Fault] = deque()
        self.stopping = threading.Event()

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def apply(self, rpc: str) -> None:
        with self._lock:
            fault = next((f for f in self._faults if f.rpc == rpc), None)
            if fault is None:
                return
            fault.times -= 1
            if fault.times <= 0:
                self._faults.remove(fault)
        if fault.delay_s > 0:
            # An Event rather than sleep, so that stop() does not wait out injected delays.
            self.stopping.wait(fault.delay_s)
        if fault.code is not None:
            raise _Abort(grpc.StatusCode[fault.code], fault.details)


def to_elems(path: Any) -> tuple[PathElem, ...]:
    """gnmi.Path → our elements (origin and target are ignored: the tree has one namespace)."""
    if len(path.element) and not len(path.elem):
        raise _Abort(grpc.StatusCode.INVALID_ARGUMENT, "Path.element (deprecated) is not supported: use elem")
    elems = []
    for elem in path.elem:
        name = str(elem.name).rpartition(":")[2]
        if not name or name in _WILDCARDS or any(v in _WILDCARDS for v in elem.key.values()):
            raise _Abort(grpc.StatusCode.INVALID_ARGUMENT, f"bad or wildcard path element {elem.name!r}")
        elems.append(PathElem(name, tuple(sorted((str(k), str(v)) for k, v in elem.key.items()))))
    return tuple(elems)


def from_typed_value(val: Any) -> object:
    """A TypedValue's content: JSON for json(_ietf)_val, else the scalar (or leaf-list)."""
    kind = val.WhichOneof("value")
    if kind in ("json_ietf_val", "json_val"):
        try:
            return json.loads(getattr(val, kind))
        except (UnicodeDecodeError, ValueError) as err:
            raise _Abort(grpc.StatusCode.INVALID_ARGUMENT, f"{kind} is not valid JSON: {err}") from err
    if kind in ("string_val", "int_val", "uint_val", "bool_val", "double_val", "float_val"):
        value: object = getattr(val, kind)
        return value
    if kind == "leaflist_val":
        return [from_typed_value(item) for item in val.leaflist_val.element]
    raise _Abort(grpc.StatusCode.INVALID_ARGUMENT, f"unsupported value encoding {kind or 'none'}")


class GnmiServicer:
    def __init__(
        self, store: Datastore, faults: FaultPlan, models: Sequence[ModelInfo], encodings: Sequence[str]
    ) -> None:
        self._store = store
        self._faults = faults
        self._models = tuple(models)
        self._encodings = tuple(gnmi_pb2.Encoding.Value(e) for e in encodings)

    def Capabilities(self, request: Any, context: Any) -> Any:  # noqa: N802 - gRPC method name
        def answer() -> Any:
            return gnmi_pb2.CapabilityResponse(
                supported_models=[
                    gnmi_pb2.ModelData(name=m.name, organization=m.organization, version=m.version)
                    for m in self._models
                ],
                supported_encodings=list(self._encodings),
                gNMI_version=GNMI_VERSION,
            )

        return self._run("Capabilities", context, answer)

    def Get(self, request: Any, context: Any) -> Any:  # noqa: N802
        def answer() -> Any:
            if request.encoding not in self._encodings or request.encoding not in (
                gnmi_pb2.JSON,
                gnmi_pb2.JSON_IETF,
            ):
                name = gnmi_pb2.Encoding.Name(request.encoding)
                raise _Abort(grpc.StatusCode.UNIMPLEMENTED, f"encoding {name} is not supported")
            field = "json_ietf_val" if request.encoding == gnmi_pb2.JSON_IETF else "json_val"
            prefix = to_elems(request.prefix)
            paths = list(request.path) or [gnmi_pb2.Path()]
            notifications = []
            for path in paths:
                updates = []
                try:
                    value = self._store.get(prefix + to_elems(path))
                    typed = gnmi_pb2.TypedValue(**{field: json.dumps(value).encode()})
                    updates.append(gnmi_pb2.Update(path=path, val=typed))
                except PathNotFound as err:
                    if not err.in_schema:
                        raise _Abort(grpc.StatusCode.NOT_FOUND, str(err)) from err
                    # An empty container or list of the model: a notification without data.
                except TreeError as err:
                    raise _Abort(grpc.StatusCode.INVALID_ARGUMENT, str(err)) from err
                notifications.append(
                    gnmi_pb2.Notification(timestamp=time.time_ns(), prefix=request.prefix, update=updates)
                )
            return gnmi_pb2.GetResponse(notification=notifications)

        return self._run("Get", context, answer)

    def Set(self, request: Any, context: Any) -> Any:  # noqa: N802
        def answer() -> Any:
            prefix = to_elems(request.prefix)
            # Decode everything before touching the tree: a bad path or value anywhere in
            # the request rejects the whole request.
            deletes = [prefix + to_elems(p) for p in request.delete]
            replaces = [(prefix + to_elems(u.path), from_typed_value(u.val)) for u in request.replace]
            updates = [(prefix + to_elems(u.path), from_typed_value(u.val)) for u in request.update]

            def change(tree: Tree) -> None:
                # The order gNMI prescribes: all deletes, then replaces, then updates.
                for path in deletes:
                    tree.delete(path)
                for path, value in replaces:
                    tree.replace(path, value)
                for path, value in updates:
                    tree.update(path, value)

            try:
                self._store.transact(change)
            except TreeError as err:
                raise _Abort(grpc.StatusCode.INVALID_ARGUMENT, str(err)) from err
            op = gnmi_pb2.UpdateResult
            results = [op(path=p, op=op.DELETE) for p in request.delete]
            results += [op(path=u.path, op=op.REPLACE) for u in request.replace]
            results += [op(path=u.path, op=op.UPDATE) for u in request.update]
            return gnmi_pb2.SetResponse(prefix=request.prefix, response=results, timestamp=time.time_ns())

        return self._run("Set", context, answer)

    def Subscribe(self, request_iterator: Iterator[Any], context: Any) -> Iterator[Any]:  # noqa: N802
        def answer() -> Any:
            raise _Abort(grpc.StatusCode.UNIMPLEMENTED, "Subscribe is not implemented by the lab server")

        self._run("Subscribe", context, answer)
        return iter(())

    def _run(self, rpc: str, context: Any, answer: Callable[[], Any]) -> Any:
        try:
            self._faults.apply(rpc)
            return answer()
        except _Abort as err:
            # abort() raises, ending the RPC with this status and message.
            context.abort(err.code, err.details)
            raise  # unreachable: keeps type checkers sure the function never falls through
