"""Log lines that can be followed across a request and the operation it starts.

Three context variables say what a line is about: the request (`request_id`, set by the
API for each request), the operation and the slice (set by the lifecycle runner in the
operation's worker thread). The formatters add them to every line written while they are
set, so `grep <request id>` finds the request's access line and the lines of the
operation it started. `configure("json")` writes one JSON object per line.

Standard library only, so that every layer may import it. Secrets are not logged by the
code; as a safety net the formatters also mask anything shaped like an API key.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Literal, TextIO

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
operation_id: contextvars.ContextVar[str] = contextvars.ContextVar("operation_id", default="")
slice_id: contextvars.ContextVar[str] = contextvars.ContextVar("slice_id", default="")

LogFormat = Literal["json", "text"]
# Fields of an access line (passed as `extra=`), copied into the JSON object when present.
ACCESS_FIELDS = ("method", "path", "status", "duration_ms", "client")
# nfvo_<12 hex id>_<secret>: the id is public, the secret is not.
_KEY_SECRET = re.compile(r"(nfvo_[0-9a-f]{12}_)[A-Za-z0-9_-]+")
_HANDLER_NAME = "nfvo"


@contextmanager
def bound(*, operation: str = "", slice_: str = "") -> Iterator[None]:
    """Lines logged inside are about this operation and slice."""
    tokens = []
    if operation:
        tokens.append((operation_id, operation_id.set(operation)))
    if slice_:
        tokens.append((slice_id, slice_id.set(slice_)))
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


def mask_secrets(text: str) -> str:
    return _KEY_SECRET.sub(r"\1***", text)


def _context(record: logging.LogRecord) -> dict[str, str]:
    found = {
        "request_id": request_id.get(),
        "operation_id": operation_id.get(),
        "slice_id": slice_id.get(),
    }
    for name in found:  # an explicit `extra=` wins over the context
        value = getattr(record, name, "")
        if value:
            found[name] = str(value)
    return {k: v for k, v in found.items() if v}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the ids in context, and
    the access fields (method, path, status, duration_ms) of an access line."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": mask_secrets(record.getMessage()),
            **_context(record),
        }
        for name in ACCESS_FIELDS:
            if hasattr(record, name):
                line[name] = getattr(record, name)
        if record.exc_info:
            line["exception"] = mask_secrets(self.formatException(record.exc_info))
        return json.dumps(line, default=str)


class TextFormatter(logging.Formatter):
    """For a terminal: the usual line, then the ids in context."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        ids = " ".join(f"{k}={v}" for k, v in _context(record).items())
        return mask_secrets(super().format(record) + (f" [{ids}]" if ids else ""))


def configure(fmt: LogFormat = "text", *, level: int = logging.INFO, stream: TextIO | None = None) -> None:
    """Send the `nfvo` loggers' lines to `stream` (stderr) in `fmt`. Calling it again
    replaces the handler it installed (uvicorn keeps its own)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    logger = logging.getLogger("nfvo")
    for old in [h for h in logger.handlers if h.get_name() == _HANDLER_NAME]:
        logger.removeHandler(old)
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
