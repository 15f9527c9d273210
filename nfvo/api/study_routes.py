"""/api/v1/studies: capacity studies (simulator.study) run in the background for operators.

POST checks and queues a study (202 + Location), GET shows its state and progress, GET
.../report its JSON report (Markdown with Accept: text/markdown), DELETE cancels it. The
runs themselves are in study_jobs.py; the records in nfvo.store.studies.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import JSONResponse

from nfvo.api.auth import PrincipalDep, access
from nfvo.api.idempotency import IdempotencyKey, fingerprint, run_once
from nfvo.api.study_jobs import StudyJobs
from nfvo.api.study_schemas import PREFIX, StudyCreate, StudyView
from nfvo.domain import ConflictError
from nfvo.domain.access import Role, StoredResponse
from nfvo.store import studies
from nfvo.store.studies import StudyState

router = APIRouter(prefix=PREFIX)
MARKDOWN = "text/markdown"
REPORT_MEDIA: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/json": {}, MARKDOWN: {}}, "description": "the study's report"}
}


def get_jobs(request: Request) -> StudyJobs:
    jobs: StudyJobs = request.app.state.studies
    return jobs


JobsDep = Annotated[StudyJobs, Depends(get_jobs)]


@router.post(
    "/studies",
    status_code=status.HTTP_202_ACCEPTED,
    tags=["studies"],
    response_model=StudyView,
    **access(Role.OPERATOR),
)
def create_study(
    body: StudyCreate, jobs: JobsDep, principal: PrincipalDep, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    """Check a capacity study and queue it (202; Location is where to follow it). A bad mix
    or topology, or a study over this server's limits, is refused (422) and not recorded.
    With an Idempotency-Key, a retried request answers the first one's study, not a new one."""

    def run() -> StoredResponse:
        study = jobs.submit(f"study-{uuid.uuid4().hex[:12]}", body, principal.key_id or "")
        view = StudyView.of(study)
        return StoredResponse(202, view.model_dump(mode="json"), view.location)

    request_body = body.model_dump(mode="json")
    return run_once(
        jobs.store, principal, idempotency_key, fingerprint("POST", "/studies", request_body), run
    )


@router.get("/studies", tags=["studies"], **access(Role.OPERATOR))
def list_studies(
    jobs: JobsDep, state: Annotated[StudyState | None, Query(description="only studies in this state")] = None
) -> list[StudyView]:
    """Studies, oldest first."""
    return [StudyView.of(s) for s in studies.list_studies(jobs.store, state=state)]


@router.get("/studies/{study_id}", tags=["studies"], **access(Role.OPERATOR))
def get_study(study_id: str, jobs: JobsDep) -> StudyView:
    """A study's state and progress (fraction done, arrivals simulated so far)."""
    return StudyView.of(studies.get(jobs.store, study_id))


@router.get(
    "/studies/{study_id}/report",
    tags=["studies"],
    response_class=Response,
    responses=REPORT_MEDIA,
    **access(Role.OPERATOR),
)
def study_report(study_id: str, request: Request, jobs: JobsDep) -> Response:
    """The report of a completed study: JSON (schema nfvo-study/1, docs/study.md), or
    Markdown when the Accept header asks for text/markdown. 409 until it has completed."""
    study = studies.get(jobs.store, study_id)
    if study.report is None or study.state is not StudyState.COMPLETED:
        raise ConflictError(
            f"study {study_id} is {study.state.value}: it has no report",
            hint="a report exists once the study is completed; GET the study to follow it",
        )
    if MARKDOWN in request.headers.get("accept", "") and study.report_markdown is not None:
        return Response(study.report_markdown, media_type=f"{MARKDOWN}; charset=utf-8")
    return JSONResponse(study.report)


@router.delete("/studies/{study_id}", tags=["studies"], **access(Role.OPERATOR))
def cancel_study(study_id: str, jobs: JobsDep) -> StudyView:
    """Cancel a queued or running study (its process is stopped). Cancelling a cancelled
    study answers it again; a completed or failed one is 409."""
    return StudyView.of(jobs.cancel(study_id))
