"""Idempotency-Key on creating requests: the same key with the same request replays the
first answer (nothing is done twice); with a different request it is refused (422).

Keys belong to a tenant (or, for operator and admin keys, to the key), are kept in the
store for `Security.idempotency_ttl_s`, and are forgotten when the first request failed
before creating anything, so that it may simply be sent again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Annotated

from fastapi import Header
from fastapi.responses import JSONResponse

from nfvo.api.auth import Principal
from nfvo.domain.access import IdempotencyInProgress, IdempotencyKeyReused, StoredResponse
from nfvo.store import Store, audit

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        pattern=r"^[!-~]+$",
        description="any unique text (a UUID, say): sending the same request again with it "
        "replays the first answer instead of acting twice",
    ),
]

REPLAYED = "Idempotent-Replayed"


def fingerprint(method: str, path: str, body: object) -> str:
    canonical = json.dumps([method, path, body], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def run_once(
    store: Store,
    principal: Principal,
    key: str | None,
    request_fingerprint: str,
    run: Callable[[], StoredResponse],
) -> JSONResponse:
    """Run `run` unless a request with `key` already did; answer what it answered."""
    if key is None:
        return _respond(run(), replayed=False)
    outcome, stored = audit.claim(store, principal.scope, principal.tenant, key, request_fingerprint)
    if outcome == "mismatch":
        raise IdempotencyKeyReused(
            f"Idempotency-Key {key!r} was already used with a different request",
            hint="use a new key for a new request; resend the first request unchanged to get its answer",
        )
    if outcome == "done" and stored is not None:
        return _respond(stored, replayed=True)
    if outcome != "claimed":
        raise IdempotencyInProgress(
            f"the request with Idempotency-Key {key!r} has not finished yet",
            hint="wait a moment and send it again",
        )
    try:
        answer = run()
    except BaseException:
        audit.release(store, principal.scope, key)
        raise
    audit.complete(store, principal.scope, key, answer)
    return _respond(answer, replayed=False)


def _respond(answer: StoredResponse, *, replayed: bool) -> JSONResponse:
    headers = {"Location": answer.location} if answer.location else {}
    if replayed:
        headers[REPLAYED] = "true"
    return JSONResponse(dict(answer.body), status_code=answer.status, headers=headers)
