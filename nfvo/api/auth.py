"""Who is calling (API keys) and what they may touch (roles, tenant scope).

The gate (gate.py) turns the request's key into a `Principal` once; each route declares
the least role it needs with `access(...)`, which also publishes it in the OpenAPI as
`x-required-role`. A tenant's view is narrowed here: another tenant's slice or operation
answers 404 exactly like one that does not exist, so its existence does not leak.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from nfvo.domain import NotFoundError, Operation, SliceInstance
from nfvo.domain.access import ApiKey, Forbidden, Role, Unauthenticated
from nfvo.store import Store, keys


@dataclass(frozen=True)
class Principal:
    key_id: str  # "" when anonymous
    role: Role | None
    tenant: str | None  # set for (and only for) tenant keys

    @property
    def scope(self) -> str:
        """Whose Idempotency-Keys these are: a tenant's, or a single key's."""
        return f"tenant:{self.tenant}" if self.tenant else f"key:{self.key_id}"

    def sees_tenant(self, tenant: str) -> bool:
        return self.role is not None and (self.role.at_least(Role.OPERATOR) or self.tenant == tenant)


ANONYMOUS = Principal("", None, None)


def presented_token(headers: Mapping[str, str]) -> str | None:
    """The key in `Authorization: Bearer`, `Authorization: Basic` (the key as user name,
    as `curl -u KEY:` sends it) or `X-API-Key`; None when there is none."""
    found: list[str] = []
    authorization = headers.get("authorization")
    if authorization:
        scheme, _, value = authorization.partition(" ")
        value = value.strip()
        if scheme.lower() == "bearer" and value:
            found.append(value)
        elif scheme.lower() == "basic" and value:
            found.append(_basic_user(value))
        else:
            raise Unauthenticated(
                "the Authorization header is neither 'Bearer <key>' nor 'Basic <key:>'",
                hint="send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'",
            )
    api_key = headers.get("x-api-key")
    if api_key:
        found.append(api_key.strip())
    if len(set(found)) > 1:
        raise Unauthenticated("two different API keys in one request", hint="send one key")
    return found[0] if found else None


def _basic_user(value: str) -> str:
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise Unauthenticated("the Basic credentials are not base64 of 'key:'") from exc
    user, _, password = decoded.partition(":")
    return user or password


class KeyCache:
    """Verified keys, kept `ttl_s` so that each request does not hash and read the store.
    A key revoked through this process is forgotten at once; through another, within ttl_s."""

    def __init__(self, store: Store, ttl_s: float) -> None:
        self.store = store
        self.ttl_s = ttl_s
        self._lock = threading.Lock()
        self._known: dict[str, tuple[ApiKey, float]] = {}

    def cached(self, token: str) -> ApiKey | None:
        """The key if it was verified less than ttl_s ago; no store access (the gate calls
        this on the event loop, and goes to a thread for `lookup` only on a miss)."""
        fingerprint = hashlib.sha256(token.encode("utf-8")).hexdigest()
        with self._lock:
            hit = self._known.get(fingerprint)
        return hit[0] if hit is not None and hit[1] > time.monotonic() else None

    def lookup(self, token: str) -> ApiKey | None:
        hit = self.cached(token)
        if hit is not None:
            return hit
        fingerprint = hashlib.sha256(token.encode("utf-8")).hexdigest()
        now = time.monotonic()
        key = keys.verify(self.store, token)
        with self._lock:
            if key is None:
                self._known.pop(fingerprint, None)
            elif self.ttl_s > 0:
                if len(self._known) > 10_000:
                    self._known.clear()
                self._known[fingerprint] = (key, now + self.ttl_s)
        return key

    def forget(self, key_id: str) -> None:
        with self._lock:
            self._known = {f: hit for f, hit in self._known.items() if hit[0].id != key_id}


def principal_of(key: ApiKey) -> Principal:
    return Principal(key.id, key.role, key.tenant)


# --- per-route access ------------------------------------------------------------------

# Declared for the OpenAPI (the "Authorize" button of /docs); the gate reads the headers.
_bearer = HTTPBearer(auto_error=False, description="Authorization: Bearer <API key>")
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="the API key")


# The dependencies below are `async def` on purpose: they do no I/O, and FastAPI runs a
# plain `def` dependency on the thread pool, one thread hop each per request.
async def current_principal(request: Request) -> Principal:
    principal = request.scope.get("state", {}).get("principal")
    return principal if isinstance(principal, Principal) else ANONYMOUS


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def _require(role: Role) -> Any:
    async def check(
        principal: PrincipalDep,
        _bearer_key: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
        _header_key: Annotated[str | None, Security(_api_key)],
    ) -> Principal:
        if principal.role is None:
            raise Unauthenticated(
                "this endpoint needs an API key",
                hint="send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'; an admin makes keys "
                "(POST /api/v1/keys)",
            )
        if not principal.role.at_least(role):
            raise Forbidden(
                f"this needs the {role.value} role; key {principal.key_id} has {principal.role.value}",
                hint="ask an admin for a key with that role",
            )
        return principal

    return check


def access(role: Role | None) -> dict[str, Any]:
    """Route keyword arguments: who may call it (None: anyone), enforced and published."""
    if role is None:
        return {"openapi_extra": {"x-required-role": "anonymous"}}
    return {"dependencies": [Depends(_require(role))], "openapi_extra": {"x-required-role": role.value}}


# --- tenant scope ------------------------------------------------------------------------


def visible_slice(store: Store, principal: Principal, slice_id: str) -> SliceInstance:
    instance = store.get_slice(slice_id)
    if not principal.sees_tenant(instance.tenant):
        raise NotFoundError(f"no slice with id {slice_id!r}", hint="GET /api/v1/slices lists them")
    return instance


def visible_operation(store: Store, principal: Principal, operation_id: str) -> Operation:
    operation = store.get_operation(operation_id)
    if principal.role is not Role.TENANT:
        return operation
    if store.get_slice(operation.slice_id).tenant != principal.tenant:
        raise NotFoundError(f"no operation with id {operation_id!r}")
    return operation
