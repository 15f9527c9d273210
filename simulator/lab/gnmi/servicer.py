"""The gNMI service of the lab server: Capabilities, Get and an atomic Set over a `Tree`.

Implemented against the compiled stubs pygnmi ships (gNMI 0.8.0). The servicer does not
subclass the generated `gNMIServicer`: `add_gNMIServicer_to_server` only looks the four
methods up by name, and the generated base is untyped.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import grpc
from pygnmi.spec.v080 import gnmi_pb2

from nfvo.domain import PathElem
from simulator.lab.faults import Fault, FaultBox, FaultKind, Op
from simulator.lab.gnmi.tree import Json, PathNotFound, Tree, TreeError
from simulator.lab.telemetry import LatencyModel

GNMI_VERSION = "0.8.0"
_WILDCARDS = frozenset({"*", "..."})
# The protocol-neutral operation of each RPC, for fault injection (simulator.lab.faults).
RPC_OPS = {"Capabilities": Op.OPEN, "Get": Op.READ, "Set": Op.COMMIT, "Subscribe": Op.READ}

# Checks a candidate configuration (the whole tree as JSON) before a Set takes effect, like
# YANG must/leafref validation on a real controller: returns why it is refused, or None.
Validator = Callable[[Mapping[str, Json]], str | None]


@dataclass(frozen=True)
class ModelInfo:
    """One data model the server advertises in Capabilities."""

    name: str
    organization: str
    version: str


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
        self,
        store: Datastore,
        faults: FaultBox,
        models: Sequence[ModelInfo],
        encodings: Sequence[str],
        telemetry: LatencyModel | None = None,
    ) -> None:
        self._telemetry = telemetry
        self._store = store
        self._faults = faults
        self._models = tuple(models)
        self._encodings = tuple(gnmi_pb2.Encoding.Value(e) for e in encodings)

    def Capabilities(self, request: Any, context: Any) -> Any:  # noqa: N802 - gRPC method name
        def answer(_fault: Fault | None) -> Any:
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
        def answer(_fault: Fault | None) -> Any:
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
                    elems = prefix + to_elems(path)
                    if elems and elems[0].name == "telemetry" and self._telemetry is not None:
                        value = self._measured(elems)
                    else:
                        value = self._store.get(elems)
                        if request.type != gnmi_pb2.GetRequest.CONFIG and self._telemetry is not None:
                            value = self._with_state(value)
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

    def _with_state(self, value: Json) -> Json:
        """Operational state for a Get of type ALL/STATE: every vlink (the only entries with a
        hop list) gains measured-latency-ms, as the NETCONF emulator's <get> reports it."""
        if isinstance(value, list):
            return [self._with_state(v) for v in value]
        if not isinstance(value, dict):
            return value
        out = {k: self._with_state(v) for k, v in value.items()}
        hops = value.get("hop")
        if isinstance(hops, list):
            assert self._telemetry is not None
            measured = self._telemetry.measure([str(h) for h in hops])
            if measured is not None:
                out["measured-latency-ms"] = round(measured, 3)
        return out

    def _measured(self, elems: tuple[PathElem, ...]) -> Json:
        """/telemetry/vlink[slice=S][id=V](/latency-ms): the latency measured along the
        hops configured at /slices/slice[name=S]/vlink[id=V]/hop."""
        keys = dict(elems[1].keys) if len(elems) > 1 else {}
        if (
            len(elems) not in (2, 3)
            or elems[1].name != "vlink"
            or set(keys) != {"slice", "id"}
            or (len(elems) == 3 and elems[2].name != "latency-ms")
        ):
            raise PathNotFound("telemetry offers /telemetry/vlink[slice=..][id=..]/latency-ms only")
        hop_path = (
            PathElem("slices"),
            PathElem("slice", (("name", keys["slice"]),)),
            PathElem("vlink", (("id", keys["id"]),)),
            PathElem("hop"),
        )
        hops = self._store.get(hop_path)
        assert self._telemetry is not None
        measured = self._telemetry.measure([str(h) for h in hops] if isinstance(hops, list) else [])
        if measured is None:
            raise PathNotFound(f"no measurable path for vlink {keys['id']} of slice {keys['slice']}")
        value = round(measured, 3)
        return value if len(elems) == 3 else {"slice": keys["slice"], "id": keys["id"], "latency-ms": value}

    def Set(self, request: Any, context: Any) -> Any:  # noqa: N802
        def answer(fault: Fault | None) -> Any:
            prefix = to_elems(request.prefix)
            # Decode everything before touching the tree: a bad path or value anywhere in
            # the request rejects the whole request.
            deletes = [prefix + to_elems(p) for p in request.delete]
            replaces = [(prefix + to_elems(u.path), from_typed_value(u.val)) for u in request.replace]
            updates = [(prefix + to_elems(u.path), from_typed_value(u.val)) for u in request.update]

            ops: list[Callable[[Tree], None]] = [
                # The order gNMI prescribes: all deletes, then replaces, then updates.
                *(_deleter(p) for p in deletes),
                *(_writer(Tree.replace, p, v) for p, v in replaces),
                *(_writer(Tree.update, p, v) for p, v in updates),
            ]
            if fault is not None and fault.kind is FaultKind.PARTIAL:
                ops = ops[:-1]  # an injected fault: the last operation is left out, silently

            def change(tree: Tree) -> None:
                for op in ops:
                    op(tree)

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
        def answer(_fault: Fault | None) -> Any:
            raise _Abort(grpc.StatusCode.UNIMPLEMENTED, "Subscribe is not implemented by the lab server")

        self._run("Subscribe", context, answer)
        return iter(())

    def _run(self, rpc: str, context: Any, answer: Callable[[Fault | None], Any]) -> Any:
        try:
            fault = self._faults.take(RPC_OPS[rpc])
            if fault is not None:
                self._act_out(fault, context)
            return answer(fault)
        except _Abort as err:
            # abort() raises, ending the RPC with this status and message.
            context.abort(err.code, err.details)
            raise  # unreachable: keeps type checkers sure the function never falls through

    def _act_out(self, fault: Fault, context: Any) -> None:
        """The parts of a fault that come before the answer (PARTIAL is Set's own)."""
        if fault.delay_ms and not self._faults.wait(fault.delay_ms / 1000):
            raise _Abort(grpc.StatusCode.UNAVAILABLE, "the server is stopping")
        if fault.kind is FaultKind.REJECT:
            code = grpc.StatusCode[fault.status] if fault.status else grpc.StatusCode.FAILED_PRECONDITION
            raise _Abort(code, fault.message)
        if fault.kind is FaultKind.DROP:
            # A servicer cannot cut its HTTP/2 connection; UNAVAILABLE with nothing applied
            # is what a client sees when it is cut.
            raise _Abort(grpc.StatusCode.UNAVAILABLE, f"{fault.message}: connection dropped")
        if fault.kind is FaultKind.TIMEOUT:
            self._faults.hang(until=lambda: not context.is_active())
            raise _Abort(grpc.StatusCode.DEADLINE_EXCEEDED, f"{fault.message}: no answer")


def _deleter(path: tuple[PathElem, ...]) -> Callable[[Tree], None]:
    return lambda tree: tree.delete(path)


def _writer(
    method: Callable[[Tree, tuple[PathElem, ...], object], None], path: tuple[PathElem, ...], value: object
) -> Callable[[Tree], None]:
    return lambda tree: method(tree, path, value)
