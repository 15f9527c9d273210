"""Capacity studies started through the API: what was asked, how far the run is, and its
report once done. One row per study; the row outlives the process that ran it.

States: QUEUED → RUNNING → COMPLETED | FAILED, and CANCELLED from QUEUED or RUNNING. A
final state is never left.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from nfvo.domain import ConflictError, NotFoundError
from nfvo.store.repository import Store, utcnow
from nfvo.store.tables import Base, UtcDateTime


class StudyState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def final(self) -> bool:
        return self in (StudyState.COMPLETED, StudyState.FAILED, StudyState.CANCELLED)


@dataclass(frozen=True)
class Study:
    id: str
    state: StudyState
    created_at: datetime
    params: dict[str, Any]  # the request as accepted (never a credential)
    requested_by: str = ""  # the API key's id
    started_at: datetime | None = None
    finished_at: datetime | None = None
    arrivals_done: int = 0  # arrivals simulated so far (warm-up included)
    arrivals_total: int = 0
    error: dict[str, Any] | None = None  # code, detail, hint
    report: dict[str, Any] | None = field(default=None, repr=False)  # schema nfvo-study/1
    report_markdown: str | None = field(default=None, repr=False)

    @property
    def fraction_done(self) -> float:
        if self.state is StudyState.COMPLETED:
            return 1.0
        return min(1.0, self.arrivals_done / self.arrivals_total) if self.arrivals_total else 0.0


class StudyRow(Base):
    __tablename__ = "studies"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    state: Mapped[str] = mapped_column(String(20), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    requested_by: Mapped[str] = mapped_column(String(40), default="")
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    arrivals_done: Mapped[int] = mapped_column(Integer, default=0)
    arrivals_total: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    report_markdown: Mapped[str | None] = mapped_column(Text, nullable=True)


def add(store: Store, study: Study) -> Study:
    with store.transaction() as session:
        session.add(
            StudyRow(
                id=study.id,
                state=study.state.value,
                created_at=study.created_at,
                requested_by=study.requested_by,
                params=study.params,
                arrivals_total=study.arrivals_total,
            )
        )
    return study


def get(store: Store, study_id: str) -> Study:
    with store.transaction() as session:
        row = session.get(StudyRow, study_id)
        if row is None:
            raise NotFoundError(f"no study with id {study_id!r}", hint="GET /api/v1/studies lists them")
        return _from_row(row)


def list_studies(store: Store, *, state: StudyState | None = None) -> list[Study]:
    """Oldest first."""
    query = select(StudyRow).order_by(StudyRow.created_at, StudyRow.id)
    if state is not None:
        query = query.where(StudyRow.state == state.value)
    with store.transaction() as session:
        return [_from_row(row) for row in session.scalars(query)]


def start(store: Store, study_id: str) -> bool:
    """QUEUED → RUNNING; False when it is no longer queued (cancelled meanwhile)."""
    with store.transaction() as session:
        row = _row(session, study_id)
        if row.state != StudyState.QUEUED.value:
            return False
        row.state, row.started_at = StudyState.RUNNING.value, utcnow()
        return True


def progress(store: Store, study_id: str, done: int) -> None:
    with store.transaction() as session:
        row = _row(session, study_id)
        if row.state == StudyState.RUNNING.value:
            row.arrivals_done = done


def finish(
    store: Store,
    study_id: str,
    state: StudyState,
    *,
    error: dict[str, Any] | None = None,
    report: dict[str, Any] | None = None,
    report_markdown: str | None = None,
) -> Study:
    """Put a study in a final state; raises ConflictError when it is in one already."""
    assert state.final
    with store.transaction() as session:
        row = _row(session, study_id)
        if StudyState(row.state).final:
            raise ConflictError(f"study {study_id} is already {row.state}", hint="a finished study stays so")
        row.state, row.finished_at = state.value, utcnow()
        row.error, row.report, row.report_markdown = error, report, report_markdown
        if state is StudyState.COMPLETED:
            row.arrivals_done = row.arrivals_total
        return _from_row(row)


def _row(session: Any, study_id: str) -> StudyRow:
    row = session.get(StudyRow, study_id)
    if row is None:
        raise NotFoundError(f"no study with id {study_id!r}")
    assert isinstance(row, StudyRow)
    return row


def _from_row(row: StudyRow) -> Study:
    return Study(
        id=row.id,
        state=StudyState(row.state),
        created_at=row.created_at,
        params=dict(row.params),
        requested_by=row.requested_by,
        started_at=row.started_at,
        finished_at=row.finished_at,
        arrivals_done=row.arrivals_done,
        arrivals_total=row.arrivals_total,
        error=row.error,
        report=row.report,
        report_markdown=row.report_markdown,
    )
