"""The outermost middleware: a request id for every request, and one access line.

The id comes from the caller's X-Request-ID (when it is short printable text) or is made
here; it is sent back in X-Request-ID and set in `nfvo.logs.request_id`, so every line
logged while the request is handled carries it, including the lines of the operation
it starts (the runner copies the context into the operation's thread).

The access line (logger `nfvo.api.access`) says method, path (without the query string,
which never holds a key here but might hold anything), status, duration and the slice and
operation the request touched. Headers are never logged: they carry the API keys.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nfvo import logs
from nfvo.api.gate import touched

log = logging.getLogger("nfvo.api.access")
HEADER = b"x-request-id"
_ACCEPTABLE_ID = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,128}$")


def request_id_of(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name.lower() == HEADER:
            text = bytes(value).decode("latin-1")
            if _ACCEPTABLE_ID.match(text):
                return text
            break  # garbage (or a log-injection attempt): make our own
    return uuid.uuid4().hex


class AccessLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope)
        token = logs.request_id.set(request_id)
        started = time.perf_counter()
        status = 500  # unless a response starts: the handler raised
        logged = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, logged
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message["headers"] = [*message.get("headers", ()), (HEADER, request_id.encode("latin-1"))]
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                # Logged before the last bytes leave, so that a client that has its answer
                # finds the line written (the tests rely on it).
                logged = True
                self._log(scope, status, time.perf_counter() - started)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if not logged:
                self._log(scope, status, time.perf_counter() - started)
            logs.request_id.reset(token)

    @staticmethod
    def _log(scope: Scope, status: int, elapsed_s: float) -> None:
        if not log.isEnabledFor(logging.INFO):
            return
        method, path = str(scope["method"]), str(scope["path"])
        slice_id, operation_id = touched(scope)
        extra = {
            "method": method,
            "path": path,
            "status": status,
            "duration_ms": round(elapsed_s * 1000, 3),
            "slice_id": slice_id[:40],
            "operation_id": operation_id[:40],
        }
        log.info("%s %s %d %.1f ms", method, path, status, elapsed_s * 1000, extra=extra)
