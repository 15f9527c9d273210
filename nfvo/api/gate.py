"""The gate every request passes: who is calling (API key), whether they may call this
often (token bucket), and, on the way out, the audit entry of what they did.

A plain ASGI middleware: it runs outside the routes, so its refusals are rendered here
with the same problem+json as the routes' errors.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import anyio.to_thread
from sqlalchemy.exc import SQLAlchemyError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nfvo.api import problems
from nfvo.api.auth import ANONYMOUS, KeyCache, Principal, presented_token, principal_of
from nfvo.api.ratelimit import TokenBuckets
from nfvo.domain import NfvoError
from nfvo.domain.access import AuditEntry, RateLimited, Unauthenticated
from nfvo.store import Store, audit, utcnow

log = logging.getLogger("nfvo.api.audit")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SLICE_IN_PATH = re.compile(r"/slices/([^/]+)")
OPERATION_IN_PATH = re.compile(r"/operations/([^/]+)")


class Gate:
    def __init__(
        self,
        app: ASGIApp,
        *,
        store: Store,
        keys: KeyCache,
        buckets: TokenBuckets | None,
        audit_reads: bool,
    ) -> None:
        self.app = app
        self.store = store
        self.keys = keys
        self.buckets = buckets
        self.audit_reads = audit_reads

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state: dict[str, Any] = scope.setdefault("state", {})
        client = scope["client"][0] if scope.get("client") else ""
        principal = ANONYMOUS
        try:
            principal = await self._authenticate(scope)
            self._throttle((principal.key_id and f"key:{principal.key_id}") or f"addr:{client}")
        except NfvoError as exc:
            response = problems.from_error(exc)
            await self._audit(scope, principal, response.status_code, None)
            await response(scope, receive, send)
            return
        state["principal"] = principal

        async def audited_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                await self._audit(scope, principal, int(message["status"]), message)
            await send(message)

        try:
            await self.app(scope, receive, audited_send)
        except Exception:
            await self._audit(scope, principal, 500, None)  # a bug: the handler raised
            raise

    async def _authenticate(self, scope: Scope) -> Principal:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        token = presented_token(headers)
        if token is None:
            return ANONYMOUS
        key = self.keys.cached(token) or await anyio.to_thread.run_sync(self.keys.lookup, token)
        if key is None:
            client = scope["client"][0] if scope.get("client") else ""
            self._throttle(f"addr:{client}")  # guessing keys spends the address's tokens
            raise Unauthenticated(
                "the API key is unknown or revoked",
                hint="check the key; an admin lists keys: GET /api/v1/keys",
            )
        return principal_of(key)

    def _throttle(self, client: str) -> None:
        if self.buckets is None:
            return
        wait_s = self.buckets.take(client)
        if wait_s > 0:
            raise RateLimited(
                f"too many requests from {client.split(':', 1)[0]} {client.split(':', 1)[1]!r}; "
                f"try again in {wait_s:.1f} s",
                hint="slow down; see the Retry-After header",
                retry_after_s=wait_s,
            )

    async def _audit(self, scope: Scope, principal: Principal, status: int, start: Message | None) -> None:
        method = str(scope["method"])
        if method in SAFE_METHODS and not self.audit_reads and status not in (401, 403):
            return
        path = str(scope["path"])
        slice_id, operation_id = touched(scope)
        if start is not None and not operation_id:
            for name, value in start.get("headers", ()):
                if name.lower() == b"location":
                    operation_id = _first(OPERATION_IN_PATH, value.decode("latin-1"))
        entry = AuditEntry(
            at=utcnow(),
            key_id=principal.key_id,
            tenant=principal.tenant,
            role=principal.role.value if principal.role else "anonymous",
            method=method,
            path=path,
            status=status,
            client=scope["client"][0] if scope.get("client") else "",
            slice_id=slice_id[:40],
            operation_id=operation_id[:40],
        )
        try:
            await anyio.to_thread.run_sync(audit.record, self.store, entry)
        except SQLAlchemyError:
            # The request has had its effect; losing its audit entry must not hide that.
            log.exception("could not write the audit entry %s", entry)


def touched(scope: Scope) -> tuple[str, str]:
    """The slice and operation a request touched, as its route noted them (see `note`) or
    else as its path names them; for the audit entry and the access line alike."""
    path = str(scope["path"])
    noted: dict[str, str] = scope.get("state", {}).get("audit", {})
    slice_id = noted.get("slice_id") or _first(SLICE_IN_PATH, path)
    operation_id = noted.get("operation_id") or _first(OPERATION_IN_PATH, path)
    return slice_id, operation_id


def _first(pattern: re.Pattern[str], text: str) -> str:
    found = pattern.search(text)
    return found.group(1) if found else ""


def note(scope_state: dict[str, Any], *, slice_id: str = "", operation_id: str = "") -> None:
    """Tell the audit entry which slice and operation a request created or touched."""
    noted = scope_state.setdefault("audit", {})
    if slice_id:
        noted["slice_id"] = slice_id
    if operation_id:
        noted["operation_id"] = operation_id
