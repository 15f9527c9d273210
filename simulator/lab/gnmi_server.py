"""A real gNMI server for the lab's RAN and core domain controllers, on loopback only.

Any gNMI client (pygnmi, gnmic, our adapter) can configure it: Capabilities, Get and an
atomic Set (deletes, replaces, updates: all applied or none) over a JSON configuration tree
whose list entries are addressed by keys, e.g. ``/slices/slice[name=s1]/function[name=upf]``.
Subscribe answers UNIMPLEMENTED. Faults (simulator.lab.faults) are switched at run time, and
with a `LatencyModel` a Get of /telemetry/vlink[slice=S][id=V]/latency-ms reports the
latency measured along a configured hop list.

    with GnmiServer("ran") as server:
        adapter = GnmiAdapter(server.controller(Domain.RAN))
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from types import TracebackType
from typing import Any

import grpc
from pygnmi.spec.v080 import gnmi_pb2_grpc

from nfvo.domain import Controller, Domain, Protocol
from simulator.lab.faults import Fault, FaultBox, FaultKind
from simulator.lab.gnmi.servicer import RPC_OPS, Datastore, GnmiServicer, ModelInfo, Validator
from simulator.lab.gnmi.tree import Json
from simulator.lab.telemetry import LatencyModel

ORGANIZATION = "nfvo-slices"
MODEL_VERSION = "0.1.0"
RAN_MODELS = (ModelInfo("nfvo-slices-ran", ORGANIZATION, MODEL_VERSION),)
CORE_MODELS = (ModelInfo("nfvo-slices-core", ORGANIZATION, MODEL_VERSION),)
DEFAULT_ENCODINGS = ("JSON", "JSON_IETF")
DEFAULT_CONTAINERS = ("/slices",)  # the top-level container of our slice models

__all__ = ["CORE_MODELS", "RAN_MODELS", "GnmiServer", "ModelInfo", "Validator"]


class GnmiServer:
    def __init__(
        self,
        name: str = "gnmi",
        host: str = "127.0.0.1",
        port: int = 0,
        models: Sequence[ModelInfo] = RAN_MODELS + CORE_MODELS,
        *,
        encodings: Sequence[str] = DEFAULT_ENCODINGS,
        list_keys: Mapping[str, Sequence[str]] | None = None,
        containers: Sequence[str] = DEFAULT_CONTAINERS,
        validator: Validator | None = None,
        tls: tuple[bytes, bytes] | None = None,
        max_workers: int = 8,
        telemetry: LatencyModel | None = None,
    ) -> None:
        """`port` 0 lets the OS pick one (read `.port` after start). `encodings` are
        gnmi.Encoding names. `list_keys` pre-declares list keys ({"/slices/slice": ["name"]});
        otherwise they are learned from the first path that names them. A Get of one of the
        model's `containers` (or of a list known so far) that holds no data answers a
        notification without updates; any other absent path NOT_FOUND. `validator` may refuse
        a candidate configuration (FAILED_PRECONDITION). `tls` is (private key PEM,
        certificate chain PEM); without it the server speaks plaintext. `telemetry` answers
        Gets of /telemetry/vlink[slice=S][id=V]/latency-ms for every configured
        /slices/slice[name=S]/vlink[id=V] with a `hop` leaf-list (see servicer)."""
        if not _is_loopback(host):
            raise ValueError(f"the lab gNMI server binds loopback only, not {host!r}")
        self.name = name
        self.host = host
        self._requested_port = port
        self._port = 0
        self._tls = tls
        self._max_workers = max_workers
        self._store = Datastore(list_keys, containers, validator)
        self.faults = FaultBox()
        self._servicer = GnmiServicer(self._store, self.faults, models, encodings, telemetry)
        self._server: grpc.Server | None = None
        self._executor: ThreadPoolExecutor | None = None

    @property
    def port(self) -> int:
        """The bound port (0 before the first start)."""
        return self._port

    @property
    def address(self) -> str:
        return f"{self.host}:{self._port}"

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> GnmiServer:
        """Start serving. After a stop() it restarts on the same port with the same
        configuration, which is how a lab test models a controller restart."""
        if self._server is not None:
            return self
        self.faults.rearm()
        self._executor = ThreadPoolExecutor(self._max_workers, thread_name_prefix=f"gnmi-{self.name}")
        # so_reuseport off: binding a port another server holds must fail, not share it.
        server = grpc.server(self._executor, options=[("grpc.so_reuseport", 0)])
        gnmi_pb2_grpc.add_gNMIServicer_to_server(self._servicer, server)
        target = f"{self.host}:{self._port or self._requested_port}"
        try:
            if self._tls is None:
                port = server.add_insecure_port(target)
            else:
                port = server.add_secure_port(target, grpc.ssl_server_credentials([self._tls]))
        except RuntimeError as err:  # newer grpcio raises instead of returning 0
            port = 0
            reason = str(err)
        else:
            reason = "port in use?"
        if not port:
            self._executor.shutdown(wait=False)
            self._executor = None
            raise OSError(f"gNMI server {self.name!r} could not bind {target} ({reason})")
        self._port = port
        server.start()
        self._server = server
        return self

    def stop(self) -> None:
        """Stop at once: in-flight RPCs are cancelled, injected delays cut short. Idempotent."""
        server, self._server = self._server, None
        self.faults.release()
        if server is not None:
            server.stop(grace=None).wait(5)
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    def snapshot(self) -> dict[str, Any]:
        """The whole configuration as JSON-like data (RFC 7951 shape: lists as arrays of
        entries). Typed loosely so callers can index into it without narrowing each level."""
        return self._store.snapshot()

    def load(self, config: Mapping[str, Json]) -> None:
        """Start afresh from `config` (RFC 7951 shape, as `snapshot()` returns it; `{}` to
        empty the server). List keys learned from earlier paths are forgotten, so lists in
        `config` need keys named name/id/key or declared with `list_keys`. Raises
        ValueError (TreeError) for data that does not fit."""
        self._store.reset(config)

    def inject_fault(
        self,
        rpc: str,
        code: str | None = "UNAVAILABLE",
        details: str = "injected fault",
        *,
        delay_s: float = 0.0,
        times: int = 1,
    ) -> None:
        """Make the next `times` calls of `rpc` ("Get", "Set", "Capabilities", "Subscribe")
        wait `delay_s` and then fail with status `code` (a grpc.StatusCode name, e.g.
        "INVALID_ARGUMENT"), or succeed after the delay when `code` is None. A shorthand
        for `inject` (simulator.lab.faults), which works by operation: Get and Subscribe
        are both READ."""
        if rpc not in RPC_OPS:
            raise ValueError(f"unknown gNMI RPC {rpc!r}")
        kind = FaultKind.REJECT if code is not None else FaultKind.DELAY
        self.inject(Fault(kind, RPC_OPS[rpc], delay_s * 1000, times, code, details))

    def inject(self, fault: Fault) -> None:
        """Act out `fault` (simulator.lab.faults) on the next matching RPC(s)."""
        if fault.status is not None and fault.status not in grpc.StatusCode.__members__:
            raise ValueError(f"unknown gRPC status code {fault.status!r}")
        self.faults.inject(fault)

    def clear_faults(self) -> None:
        self.faults.clear()

    def controller(self, domain: Domain, *, timeout_s: float = 10.0) -> Controller:
        """A Controller record pointing at this server (start it first)."""
        return Controller(
            name=self.name,
            domain=domain,
            protocol=Protocol.GNMI,
            host=self.host,
            port=self._port,
            timeout_s=timeout_s,
        )

    def __enter__(self) -> GnmiServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
