"""gRPC status → the project's errors: nothing from grpc leaves the adapter."""

from __future__ import annotations

import grpc

from nfvo.domain import AdapterError, ConfigRejected, ControllerUnavailable, UnsupportedCapability

# Worth retrying: the controller was unreachable, too slow, shutting down or busy.
_TEMPORARY = frozenset(
    {
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.CANCELLED,
        grpc.StatusCode.ABORTED,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
    }
)
_AUTH = frozenset({grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED})


def status_of(err: grpc.RpcError) -> tuple[grpc.StatusCode, str]:
    """Code and message of a failed call; an RpcError that is not a Call (rare) has neither."""
    code = err.code() if hasattr(err, "code") else grpc.StatusCode.UNKNOWN
    details = err.details() if hasattr(err, "details") else str(err)
    return code, str(details or "")


def translate(err: grpc.RpcError, controller: str, action: str) -> AdapterError:
    code, details = status_of(err)
    detail = f"gNMI {action} on {controller}: {code.name}: {details}"
    if code in _TEMPORARY:
        hint = "the controller may be down or overloaded; retry later"
        return ControllerUnavailable(detail, controller=controller, hint=hint)
    if code is grpc.StatusCode.UNIMPLEMENTED:
        return UnsupportedCapability(detail, controller=controller)
    if code in _AUTH:
        return ConfigRejected(detail, controller=controller, hint="check the controller's credentials")
    return ConfigRejected(detail, controller=controller)


def closed_channel(controller: str, action: str) -> ControllerUnavailable:
    detail = f"gNMI {action} on {controller}: the session is closed"
    return ControllerUnavailable(detail, controller=controller, hint="call open() again")
