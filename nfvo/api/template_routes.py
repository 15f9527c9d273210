"""Large templates are validated off the request path (nfvo/catalog/offload.py).

`POST /templates` and `POST /templates/validate` with content above the threshold answer
`202 Accepted` at once, with `Location: /api/v1/template-validations/{id}`; a worker
process parses the template, and `GET` on that location tells how it went. An upload that
validates is then stored, and the validation names the stored version. Smaller templates
keep the synchronous answers (201 / 200 / 422), which are faster than a round trip through
a worker.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from nfvo.api.auth import access
from nfvo.api.schemas import TemplateCheck, TemplateUpload, TemplateView
from nfvo.api.slice_routes import OrchestratorDep
from nfvo.catalog import offload
from nfvo.domain import NotFoundError
from nfvo.domain.access import Role, StoredResponse

PREFIX = "/api/v1"
ACCEPTED: dict[int | str, dict[str, Any]] = {
    202: {"description": "a large template: validated by a worker; poll the Location"}
}

router = APIRouter(prefix=PREFIX)


class DiagnosticView(BaseModel):
    code: str
    message: str
    path: str = ""
    hint: str = ""
    file: str = ""
    line: int | None = None
    column: int | None = None


class ValidationView(BaseModel):
    id: str
    state: offload.ValidationState
    location: str
    diagnostics: list[DiagnosticView] = []
    template: dict[str, object] | None = None  # the stored version, for an upload that validated
    detail: str = ""

    @classmethod
    def of(cls, job: offload.Validation) -> ValidationView:
        return cls(
            id=job.id,
            state=job.state,
            location=f"{PREFIX}/template-validations/{job.id}",
            diagnostics=[DiagnosticView(**d.__dict__) for d in job.diagnostics],
            template=job.outcome or None,
            detail=job.detail,
        )


@router.get("/template-validations/{validation_id}", tags=["catalog"], **access(Role.TENANT))
def get_validation(validation_id: str) -> ValidationView:
    """How the validation of a large template went: pending, running, valid, invalid (with
    every problem) or failed. The id is the capability: it is known only to the uploader."""
    job = offload.VALIDATIONS.get(validation_id)
    if job is None:
        raise NotFoundError(
            f"no template validation {validation_id!r}",
            hint="finished validations are kept for a limited time; validate the template again",
        )
    return ValidationView.of(job)


def defer_upload(orchestrator: OrchestratorDep, body: TemplateUpload) -> StoredResponse | None:
    """202 for a large upload (stored once a worker has validated it); None for a small one."""
    validations = offload.VALIDATIONS
    if not validations.is_large(body.content):
        return None

    def store() -> dict[str, object]:
        return TemplateView.of(orchestrator.store.add_template(body.name, body.content)).model_dump(
            mode="json"
        )

    # Named as a slice made from the stored template would name it: that load is a cache hit.
    job = validations.submit(body.content, {}, name=body.name, then=store)
    view = ValidationView.of(job)
    return StoredResponse(202, view.model_dump(mode="json"), view.location)


def defer_check(body: TemplateCheck) -> JSONResponse | None:
    """202 for a large template to check; None for a small one."""
    validations = offload.VALIDATIONS
    if not validations.is_large(body.content):
        return None
    view = ValidationView.of(validations.submit(body.content, body.inputs))
    return JSONResponse(view.model_dump(mode="json"), status_code=202, headers={"Location": view.location})
