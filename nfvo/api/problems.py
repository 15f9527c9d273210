"""Every error leaves the API as RFC 7807 problem+json, mapped here and nowhere else."""

from __future__ import annotations

import logging
import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from nfvo.domain import InfeasibleError, InputError, NfvoError, TemporaryError
from nfvo.domain.access import QuotaExceeded, Unauthenticated

log = logging.getLogger("nfvo.api")
MEDIA_TYPE = "application/problem+json"


def problem(status: int, code: str, title: str, detail: str, **extra: Any) -> JSONResponse:
    body = {"type": f"/problems/{code}", "title": title, "status": status, "detail": detail, "code": code}
    body.update({k: v for k, v in extra.items() if v not in (None, "", [], {})})
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE)


def _nfvo_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, NfvoError)
    return from_error(exc)


def from_error(exc: NfvoError) -> JSONResponse:
    """The problem+json of one of our errors (also used by the gate, outside the routes)."""
    extra: dict[str, Any] = {"hint": exc.hint}
    if isinstance(exc, InputError):
        extra["diagnostics"] = [
            {
                "code": d.code,
                "message": d.message,
                "path": d.path,
                "hint": d.hint,
                "file": d.file,
                "line": d.line,
                "column": d.column,
            }
            for d in exc.diagnostics
        ]
    if isinstance(exc, InfeasibleError):
        b = exc.blocking
        extra["blocking"] = {
            "kind": b.kind,
            "subject": b.subject,
            "required": _rounded(b.required),
            "best_achievable": _rounded(b.best_achievable),
            "unit": b.unit,
            **b.details,
        }
    if isinstance(exc, QuotaExceeded):
        extra["tenant"] = exc.tenant
        extra["quota"] = [
            {"quota": b.quota, "limit": b.limit, "in_use": b.in_use, "requested": b.requested}
            for b in exc.breaches
        ]
    response = problem(exc.http_status, exc.code, exc.title, exc.detail, **extra)
    if isinstance(exc, TemporaryError) and exc.retry_after_s is not None:
        response.headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after_s)))
    if isinstance(exc, Unauthenticated):
        response.headers["WWW-Authenticate"] = 'Bearer realm="nfvo"'
    return response


def _rounded(value: float | None) -> float | None:
    # Sums of link latencies carry float noise (0.8999999999999999); 6 decimals is plenty.
    return round(value, 6) if value is not None else None


def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    diagnostics = [
        {
            "code": "invalid-field",
            "path": ".".join(str(p) for p in err.get("loc", ())),
            "message": err.get("msg", ""),
        }
        for err in exc.errors()
    ]
    detail = "; ".join(f"{d['path']}: {d['message']}" for d in diagnostics)
    return problem(422, "invalid-request", "Invalid request", detail, diagnostics=diagnostics)


def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return problem(exc.status_code, f"http-{exc.status_code}", str(exc.detail), str(exc.detail))


def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
    # A bug: log it with its trace, but never send a trace to the client.
    log.exception("unhandled error", exc_info=exc)
    return problem(
        500, "internal-error", "Internal error", "an unexpected error occurred; it has been logged"
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(NfvoError, _nfvo_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
    _publish_problems(app)


PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 7807 problem details; `code` is stable, `hint` says what to do.",
    "type": "object",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "hint": {"type": "string"},
        "diagnostics": {"type": "array", "items": {"type": "object"}},
    },
}


def _publish_problems(app: FastAPI) -> None:
    """Say in the OpenAPI what every error really is: FastAPI documents its own 422 body
    (HTTPValidationError, application/json), which this module replaces with problem+json."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        spec = generate()
        spec.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        content = {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for path_item in spec.get("paths", {}).values():
            for operation in path_item.values():
                responses = operation.setdefault("responses", {})
                if "422" in responses:
                    responses["422"] = {"description": "Invalid request (problem+json)", "content": content}
                responses["default"] = {"description": "An error (problem+json)", "content": content}
        return spec

    app.openapi = openapi  # type: ignore[method-assign]
