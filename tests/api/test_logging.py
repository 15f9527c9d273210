"""Structured logs: the log lines of real requests (uvicorn on 127.0.0.1) and of the
operation one of them starts, captured as written and parsed as JSON."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from secured_api import Secured, make_secured

from nfvo import logs
from nfvo.api.settings import Security
from nfvo.lifecycle import Orchestrator
from nfvo.store import Store
from simulator.lab.lab import Lab


@pytest.fixture
def api(lab: Lab, tmp_path: Path) -> Iterator[Secured]:
    store = Store(f"sqlite:///{tmp_path / 'nfvo.db'}")
    orchestrator = Orchestrator(store, lab.substrate, confirm_timeout_s=10)
    try:
        yield from make_secured(orchestrator, lab, Security(rate_limit=None))
    finally:
        orchestrator.close()
        store.close()


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """What the `nfvo` loggers write, as JSON lines; the loggers are put back afterwards."""
    logger = logging.getLogger("nfvo")
    saved = (list(logger.handlers), logger.level, logger.propagate)
    stream = io.StringIO()
    logs.configure("json", stream=stream)
    yield stream
    logger.handlers[:] = saved[0]
    logger.setLevel(saved[1])
    logger.propagate = saved[2]


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]  # each one a JSON object


def test_a_request_gets_an_id_and_one_access_line(api: Secured, captured: io.StringIO) -> None:
    reply = api.call("admin", "GET", "/api/v1/slices", headers={"X-Request-ID": "req-42"})
    assert reply.status_code == 200
    assert reply.headers["X-Request-ID"] == "req-42"

    access = [line for line in lines(captured) if line["logger"] == "nfvo.api.access"]
    assert len(access) == 1
    line = access[0]
    assert line["request_id"] == "req-42"
    assert (line["method"], line["path"], line["status"], line["level"]) == (
        "GET",
        "/api/v1/slices",
        200,
        "INFO",
    )
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["time"].endswith("+00:00") and line["message"].startswith("GET /api/v1/slices 200")


def test_an_id_is_made_when_none_or_garbage_is_sent(api: Secured, captured: io.StringIO) -> None:
    made = api.call("admin", "GET", "/api/v1/health").headers["X-Request-ID"]
    garbage = api.call("admin", "GET", "/api/v1/health", headers={"X-Request-ID": 'x" injected=1'})
    assert len(made) == 32 and garbage.headers["X-Request-ID"] not in ('x" injected=1', made)
    refused = api.call("anonymous", "GET", "/api/v1/slices", headers={"X-Request-ID": "who-am-i"})
    assert refused.status_code == 401 and refused.headers["X-Request-ID"] == "who-am-i"

    ids = [line["request_id"] for line in lines(captured) if line["logger"] == "nfvo.api.access"]
    assert ids == [made, garbage.headers["X-Request-ID"], "who-am-i"]


def test_an_operation_logs_with_its_ids_and_the_request_that_started_it(
    api: Secured, captured: io.StringIO
) -> None:
    reply = api.call(
        "tenant-a", "POST", "/api/v1/slices", json={"template": "mmtc"}, headers={"X-Request-ID": "create-1"}
    )
    assert reply.status_code == 202, reply.text
    operation = api.wait(reply.json()["operation"]["id"])
    slice_id = reply.json()["slice"]["id"]
    api.orchestrator.wait(operation["id"], timeout_s=30)  # its thread has written its last line

    written = lines(captured)
    access = [line for line in written if line["logger"] == "nfvo.api.access" and line["method"] == "POST"]
    assert [(a["request_id"], a["status"], a["slice_id"], a["operation_id"]) for a in access] == [
        ("create-1", 202, slice_id, operation["id"])
    ]
    runner = [line for line in written if line["logger"] == "nfvo.lifecycle.runner"]
    assert [line["message"].split()[-1] for line in runner] == ["started", "finished"]
    for line in runner:
        assert (line["operation_id"], line["slice_id"], line["request_id"]) == (
            operation["id"],
            slice_id,
            "create-1",
        )


def test_no_key_is_ever_logged(api: Secured, captured: io.StringIO) -> None:
    api.call("admin", "GET", "/api/v1/slices")
    api.call("admin", "GET", "/api/v1/keys", headers={"X-API-Key": api.tokens["admin"]})
    api.call(
        "anonymous", "GET", "/api/v1/slices", headers={"Authorization": "Bearer nfvo_0123456789ab_guess"}
    )
    logging.getLogger("nfvo.test").warning("someone pasted %s", api.tokens["tenant-a"])

    text = captured.getvalue()
    assert all(token not in text for token in api.tokens.values())
    key_id = api.key_ids["tenant-a"]
    assert f"someone pasted nfvo_{key_id}_***" in text  # the public id stays, the secret goes


def test_text_lines_carry_the_ids_too() -> None:
    stream = io.StringIO()
    logger = logging.getLogger("nfvo")
    saved = (list(logger.handlers), logger.level, logger.propagate)
    try:
        logs.configure("text", stream=stream)
        with logs.bound(operation="op-1", slice_="s-1"):
            logging.getLogger("nfvo.x").info("hello")
    finally:
        logger.handlers[:] = saved[0]
        logger.setLevel(saved[1])
        logger.propagate = saved[2]
    assert stream.getvalue().rstrip().endswith("nfvo.x: hello [operation_id=op-1 slice_id=s-1]")
