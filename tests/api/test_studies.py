"""/api/v1/studies over the real API and store: studies run in worker processes (real
ones: python -m nfvo.cli.study_worker), are followed, reported, cancelled, and their
records stay in the store."""

from __future__ import annotations

import os
import time
from typing import Any

import pytest
from secured_api import Secured, is_problem

from nfvo.api.study_jobs import StudyJobs, StudyLimits, TooManyStudies
from nfvo.api.study_schemas import StudyCreate
from nfvo.store import Store, studies, utcnow
from nfvo.store.studies import Study, StudyState

SMALL = {"arrivals": 300, "replications": 2, "seed": 7}
BIG = {"arrivals": 1_000_000, "replications": 1}  # minutes of work: only ever cancelled here


def wait_for(api: Secured, study_id: str, states: tuple[str, ...], timeout_s: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        study: dict[str, Any] = api.call("operator", "GET", f"/api/v1/studies/{study_id}").json()
        if study["state"] in states:
            return study
        assert time.monotonic() < deadline, f"study stuck in {study['state']}: {study}"
        time.sleep(0.1)


def test_a_study_runs_in_the_background_and_its_report_is_kept(secured: Secured) -> None:
    api = secured
    reply = api.call("operator", "POST", "/api/v1/studies", json=SMALL)

    assert reply.status_code == 202, reply.text
    accepted = reply.json()
    assert reply.headers["location"] == f"/api/v1/studies/{accepted['id']}" == accepted["location"]
    assert accepted["state"] in ("queued", "running")
    assert accepted["arrivals_total"] == 2 * (300 + 30)  # warm-up: a tenth
    assert accepted["params"]["mix"] == "default" and accepted["params"]["substrate"] is None
    done = wait_for(api, accepted["id"], ("completed", "failed"))
    assert done["state"] == "completed", done
    assert done["fraction_done"] == 1.0 and done["arrivals_simulated"] == done["arrivals_total"]
    assert done["report"] == f"/api/v1/studies/{accepted['id']}/report"

    report = api.call("operator", "GET", done["report"])
    assert report.status_code == 200 and report.headers["content-type"] == "application/json"
    doc = report.json()
    assert doc["schema"] == "nfvo-study/1"
    assert doc["substrate"]["name"] == api.orchestrator.substrate.name
    assert doc["settings"]["replications"] == 2 and doc["settings"]["seed"] == 7
    markdown = api.call("operator", "GET", done["report"], headers={"Accept": "text/markdown"})
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert markdown.text.startswith(f"# Capacity study: {doc['substrate']['name']}")
    listed = api.call("operator", "GET", "/api/v1/studies", params={"state": "completed"}).json()
    assert [s["id"] for s in listed] == [accepted["id"]]

    # The record is in the store, for another process (another Store on the same database).
    other = Store(str(api.orchestrator.store.engine.url.render_as_string(hide_password=False)))
    try:
        kept = studies.get(other, accepted["id"])
    finally:
        other.close()
    assert kept.state is StudyState.COMPLETED and kept.report == doc


def test_running_and_queued_studies_can_be_cancelled(secured: Secured) -> None:
    api = secured
    jobs: StudyJobs = api.app.state.studies
    running = api.call("operator", "POST", "/api/v1/studies", json=BIG).json()
    queued = api.call("admin", "POST", "/api/v1/studies", json=BIG).json()
    wait_for(api, running["id"], ("running",))
    assert api.call("operator", "GET", f"/api/v1/studies/{queued['id']}").json()["state"] == "queued"
    worker = jobs._running[running["id"]].process  # to check it really stops

    cancelled = api.call("operator", "DELETE", f"/api/v1/studies/{queued['id']}")
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    wait_for(api, running["id"], ("running",))  # cancelling the queued one left it alone
    progressing = wait_for_progress(api, running["id"])
    assert 0 < progressing["fraction_done"] < 1

    stopped = api.call("operator", "DELETE", f"/api/v1/studies/{running['id']}")
    assert stopped.status_code == 200 and stopped.json()["state"] == "cancelled"
    assert worker.poll() is not None  # the process is gone
    assert not _alive(worker.pid)
    # Cancelled stays cancelled: again is the same answer, and there is no report.
    assert api.call("operator", "DELETE", f"/api/v1/studies/{running['id']}").json()["state"] == "cancelled"
    no_report = api.call("operator", "GET", f"/api/v1/studies/{running['id']}/report")
    assert no_report.status_code == 409 and is_problem(no_report)
    time.sleep(0.5)  # a late progress line or exit must not change the record
    assert studies.get(api.orchestrator.store, running["id"]).state is StudyState.CANCELLED


def wait_for_progress(api: Secured, study_id: str, timeout_s: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        study: dict[str, Any] = api.call("operator", "GET", f"/api/v1/studies/{study_id}").json()
        if study["arrivals_simulated"] > 0:
            return study
        assert time.monotonic() < deadline, f"no progress: {study}"
        time.sleep(0.1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_bad_study_input_is_refused_and_stores_nothing(secured: Secured) -> None:
    api = secured
    cases: list[tuple[dict[str, Any], str]] = [
        ({"substrate": "topohub:sndlib/no-such-net"}, "invalid-substrate"),
        ({"mix": "no-such-mix"}, "invalid-input"),
        ({"arrivals": 0}, "invalid-request"),
        ({"arrivals": -5}, "invalid-request"),
        ({"substrate": "/etc/passwd"}, "invalid-request"),  # no server files
        ({"mix": "../../etc/passwd"}, "invalid-request"),
        ({"arrivals": 2_000_000}, "invalid-input"),  # over the server's cap
        ({"replications": 50}, "invalid-input"),
        ({"arrivals": 1_000_000, "replications": 10}, "invalid-input"),
    ]
    for body, code in cases:
        reply = api.call("operator", "POST", "/api/v1/studies", json=body)
        assert reply.status_code == 422 and is_problem(reply), (body, reply.text)
        problem = reply.json()
        assert problem["code"] == code, (body, problem)
        assert problem["detail"] and problem["diagnostics"], problem
    over = api.call("operator", "POST", "/api/v1/studies", json={"arrivals": 2_000_000}).json()
    assert "over this server's limit of 1000000" in over["detail"]
    unknown = api.call("operator", "POST", "/api/v1/studies", json={"substrate": "topohub:sndlib/germany5"})
    assert "germany50" in unknown.text  # did you mean
    assert api.call("operator", "GET", "/api/v1/studies").json() == []
    assert studies.list_studies(api.orchestrator.store) == []
    missing = api.call("operator", "GET", "/api/v1/studies/study-000000000000")
    assert missing.status_code == 404 and is_problem(missing)


def test_only_operators_run_studies(secured: Secured) -> None:
    reply = secured.call("tenant-a", "POST", "/api/v1/studies", json=SMALL)
    assert reply.status_code == 403 and reply.json()["code"] == "forbidden"
    assert secured.call("tenant-a", "GET", "/api/v1/studies").status_code == 403


def test_studies_left_open_by_a_stopped_process_are_marked_interrupted(secured: Secured) -> None:
    store = secured.orchestrator.store
    for state in (StudyState.QUEUED, StudyState.RUNNING):
        studies.add(store, Study(f"study-left-{state.value}", state, utcnow(), {"mix": "default"}))

    jobs = StudyJobs(store, secured.orchestrator.substrate)  # what a restarted API process does
    jobs.close()

    for state in (StudyState.QUEUED, StudyState.RUNNING):
        left = studies.get(store, f"study-left-{state.value}")
        assert left.state is StudyState.FAILED and left.error is not None
        assert left.error["code"] == "study-interrupted"


def test_a_full_queue_refuses_more_studies_with_409(secured: Secured) -> None:
    store = secured.orchestrator.store
    jobs = StudyJobs(store, secured.orchestrator.substrate, StudyLimits(max_queued=0))
    try:
        with pytest.raises(TooManyStudies) as refused:
            jobs.submit("study-refused", StudyCreate.model_validate(SMALL), "tests")
    finally:
        jobs.close()
    assert refused.value.http_status == 409 and refused.value.code == "too-many-studies"
    assert studies.list_studies(store) == []


def test_an_idempotency_key_starts_a_study_once(secured: Secured) -> None:
    api = secured
    key = {"Idempotency-Key": "study-once-1"}
    first = api.call("operator", "POST", "/api/v1/studies", json=SMALL, headers=key)
    again = api.call("operator", "POST", "/api/v1/studies", json=SMALL, headers=key)
    assert first.status_code == again.status_code == 202, (first.text, again.text)
    assert again.json()["id"] == first.json()["id"] and again.headers["Idempotent-Replayed"] == "true"
    assert [s["id"] for s in api.call("operator", "GET", "/api/v1/studies").json()] == [first.json()["id"]]
    other = api.call("operator", "POST", "/api/v1/studies", json={**SMALL, "seed": 8}, headers=key)
    assert other.status_code == 422 and other.json()["code"] == "idempotency-key-reused"
    wait_for(api, first.json()["id"], ("completed", "failed"))
