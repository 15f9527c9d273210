"""Every operation of the published OpenAPI, fuzzed by schemathesis against a real uvicorn
on 127.0.0.1 over a real store and the emulated lab. What must hold for any request:

- no 5xx (schemathesis' not_a_server_error);
- every error (status >= 400) is RFC 7807 problem+json with a code (our own check);
- the answer conforms to the published status codes, media types and schemas;
- a refused request (4xx) changes nothing: every table of the store but the audit log
  (which records refusals on purpose), the ledger's usage and the lab's faults are the
  same before and after it.

The run is bounded and reproducible: hypothesis is derandomized, keeps no example database
and generates a few examples per operation and mode (positive and negative data).
An endpoint that can stream (text/event-stream: GET /events) is called with
`Accept: application/json`, which it documents as its one-page JSON answer: a stream
would never end.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from secured_api import Secured, make_secured
from sqlalchemy import select

from nfvo.api.settings import Security, Webhooks
from nfvo.domain import ConflictError, OperationState
from nfvo.lifecycle import Orchestrator
from nfvo.store import Store, studies
from nfvo.store.studies import StudyState
from nfvo.store.tables import Base
from simulator.lab.lab import Lab

EXAMPLES_PER_MODE = 12
MOVING = {OperationState.STARTING, OperationState.PROCESSING, OperationState.ROLLING_BACK}
UNCHECKED_TABLES = {"audit_log"}  # refusals are audited on purpose
AUTH_HEADERS = {"authorization", "x-api-key"}


@pytest.fixture
def fuzzed(lab: Lab, tmp_path: Path) -> Iterator[Secured]:
    """SQLite only: the PostgreSQL store runs the same repository code in tests/store."""
    store = Store(f"sqlite:///{tmp_path / 'nfvo.db'}")
    orchestrator = Orchestrator(store, lab.substrate, confirm_timeout_s=10)
    try:
        # No rate limit; neither the expiry sweeper nor webhook delivery runs during the fuzzing
        # (delivery writes its progress in the background, which the "refused requests change
        # nothing" check would see).
        yield from make_secured(
            orchestrator, lab, Security(rate_limit=None, expiry_sweep_s=3600, webhooks=Webhooks(poll_s=0))
        )
    finally:
        orchestrator.close()
        store.close()


def test_every_operation_holds_under_fuzzing(fuzzed: Secured, lab: Lab) -> None:
    base_url = str(fuzzed.client.base_url).rstrip("/")
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 30, [op.label for op in operations]
    known = _known_ids(fuzzed, lab)
    failures: list[str] = []
    for operation in operations:
        # Generated ids mostly miss (404); real ones reach the code behind the lookup.
        names = [p.name for p in operation.path_parameters]
        for ids in ({}, {n: known(operation.path, n) for n in names}) if names else ({},):
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                try:
                    _fuzz(operation, mode, ids, fuzzed, lab, base_url)
                except Unsatisfiable:
                    pass  # nothing to make invalid (no parameters, no body): no negative cases
                except (Exception, BaseExceptionGroup) as exc:  # report every operation's failure at once
                    failures.append(f"{operation.label} [{mode.value}, ids {ids}]: {_explain(exc)}")
    assert not failures, "\n\n".join(failures)


def _explain(exc: BaseException) -> str:
    # Hypothesis replays a failure; against a stateful API the replay may pass, and the
    # "flaky" group it raises then hides the first failure: show what is inside.
    if isinstance(exc, BaseExceptionGroup):
        return f"{exc}\n" + "\n".join(_explain(e) for e in exc.exceptions)
    return str(exc)


def _known_ids(api: Secured, lab: Lab) -> Any:
    """Real path parameters: tenant A's deployed slice and its operation, a template, a
    tenant, tenant B's key (revoking it is harmless here), a lab domain."""
    slice_id, operation_id = api.slice_for("tenant-a")
    values = {
        "slice_id": slice_id,
        "operation_id": operation_id,
        "version": 1,
        "key_id": api.key_ids["tenant-b"],
        "domain": next(iter(lab.netconf)).value,
    }

    def known(path: str, name: str) -> object:
        if name == "name":
            return "tenant-a" if "/tenants/" in path else "mmtc"
        return values.get(name, "unknown")

    return known


def _streams(definition: dict[str, Any]) -> bool:
    responses = definition.get("responses", {})
    return any("text/event-stream" in (r.get("content") or {}) for r in responses.values())


def _fuzz(
    operation: Any, mode: GenerationMode, ids: dict[str, object], api: Secured, lab: Lab, base_url: str
) -> None:
    # The key headers are fixed here (and set per caller in _exercise), so that negative
    # generation does not garble them and then blame the API for refusing the garble.
    fixed = {"Authorization": "Bearer -", "X-API-Key": "-"}
    if _streams(operation.definition.raw):
        fixed["Accept"] = "application/json"
    cases = operation.as_strategy(generation_mode=mode, path_parameters=ids or None, headers=fixed)

    @settings(
        max_examples=EXAMPLES_PER_MODE,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: the run stays bounded
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases, who=st.sampled_from(["admin", "tenant-a"]))
    def run(case: schemathesis.Case, who: str) -> None:
        _exercise(case, who, mode, api, lab, base_url)

    run()


def _exercise(
    case: schemathesis.Case, who: str, mode: GenerationMode, api: Secured, lab: Lab, base_url: str
) -> None:
    for name in [h for h in (case.headers or {}) if h.lower() in AUTH_HEADERS]:
        del case.headers[name]  # the caller's key is ours (below), not generated
    before = _state(api.orchestrator, lab)
    response = case.call(base_url=base_url, headers=api.headers(who), timeout=30)
    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
        problem_json,
    ]
    # Negative cases must never give a 5xx, a bare error or a state change (the checks
    # above and below). Whether each one is refused is not asked: pydantic's lax mode takes
    # "0" as a date (epoch) or 1 as 1.0 on purpose, and schemathesis counts those as
    # accepted schema violations. Fields where coercion would mislead are strict instead
    # (quota limits refuse true). Which negative examples are drawn depends on the schema,
    # so such a check would fail on unrelated schema changes.
    case.validate_response(response, checks=checks)
    status = response.status_code
    if 400 <= status < 500:
        after = _state(api.orchestrator, lab)
        changed = {k: (before[k], after[k]) for k in before if before[k] != after.get(k)}
        assert not changed, f"refused with {status} but changed {changed}\n{case.as_curl_command()}"
    elif case.method.upper() != "GET":
        _settle(api.orchestrator, lab)
        _stop_studies(api)


def problem_json(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case
) -> bool:
    """Every error is RFC 7807 problem+json with our code, never a bare body."""
    if response.status_code < 400:
        return True
    media_type = (response.headers.get("content-type") or [""])[0]
    assert media_type.startswith("application/problem+json"), (
        f"{response.status_code} answered with {media_type!r}: {response.text[:200]}"
    )
    body = response.json()
    assert isinstance(body, dict), body
    assert body.get("status") == response.status_code, body
    assert body.get("code") and body.get("title") and body.get("detail"), body
    return True


def _state(orchestrator: Orchestrator, lab: Lab) -> dict[str, Any]:
    """What a refused request must leave as it found it."""
    store = orchestrator.store
    state: dict[str, Any] = {"usage": repr(store.usage())}
    with store.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            if table.name not in UNCHECKED_TABLES:
                rows = connection.execute(select(table)).all()
                state[table.name] = sorted(repr(tuple(row)) for row in rows)
    state["lab faults"] = {domain: lab.faults(domain).pending for domain in (*lab.netconf, *lab.gnmi)}
    return state


def _stop_studies(api: Secured) -> None:
    """A capacity study the fuzzer started runs on in the background, writing its progress
    to the store: cancel it, so that the next request's before/after snapshots compare."""
    for state in (StudyState.QUEUED, StudyState.RUNNING):
        for study in studies.list_studies(api.orchestrator.store, state=state):
            with contextlib.suppress(ConflictError):  # it ended meanwhile
                api.app.state.studies.cancel(study.id)


def _settle(orchestrator: Orchestrator, lab: Lab, timeout_s: float = 30) -> None:
    """After an accepted change, let its operation end before the next snapshot; a fault
    the fuzzer injected (a hang, say) is cleared so that it cannot stall the next ones."""
    lab.clear_faults()
    deadline = time.monotonic() + timeout_s
    while any(
        op.state in MOVING and not op.held_for for op in orchestrator.store.list_operations(open_only=True)
    ):
        assert time.monotonic() < deadline, "an operation started by the fuzzer did not end"
        time.sleep(0.02)
