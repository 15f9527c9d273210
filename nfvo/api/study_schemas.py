"""Bodies of /api/v1/studies: what a capacity study runs (like `nfvo study`'s options) and
what the API shows of it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from nfvo.store.studies import Study

PREFIX = "/api/v1"


class StudyCreate(BaseModel):
    """A capacity study: slices of a mix arrive on a substrate and each is really placed."""

    model_config = ConfigDict(extra="forbid")

    substrate: str | None = Field(
        None,
        max_length=200,
        pattern=r"^topohub:[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$",
        description="a real topology, topohub:GROUP/NAME (e.g. topohub:sndlib/germany50); "
        "default: the orchestrator's own substrate",
    )
    mix: str = Field(
        "default",
        max_length=100,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="a shipped mix (models/mixes/NAME.yaml: default, diurnal, waiting-room)",
    )
    arrivals: int = Field(2000, gt=0, description="counted arrivals per replication")
    replications: int = Field(3, ge=1, description="independent replications (for the intervals)")
    seed: int = Field(0, ge=0, le=2**32 - 1, description="same seed, same result")
    load: float = Field(1.0, gt=0, le=1000, description="scale every arrival rate by this factor")
    warmup: int | None = Field(None, ge=0, description="uncounted arrivals first (default: a tenth)")
    workers: int = Field(1, ge=1, description="processes for the replications (capped by the server)")
    engine: Literal["heuristic", "heuristic-memo", "first-fit", "milp"] = Field(
        "heuristic", description="placement engine"
    )


class StudyView(BaseModel):
    id: str
    state: str = Field(description="queued | running | completed | failed | cancelled")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    params: dict[str, Any]
    fraction_done: float
    arrivals_simulated: int
    arrivals_total: int
    error: dict[str, Any] | None
    location: str
    report: str | None = Field(description="where the report is, once completed")

    @classmethod
    def of(cls, study: Study) -> StudyView:
        location = f"{PREFIX}/studies/{study.id}"
        return cls(
            id=study.id,
            state=study.state.value,
            created_at=study.created_at,
            started_at=study.started_at,
            finished_at=study.finished_at,
            params=study.params,
            fraction_done=round(study.fraction_done, 4),
            arrivals_simulated=study.arrivals_done,
            arrivals_total=study.arrivals_total,
            error=study.error,
            location=location,
            report=f"{location}/report" if study.report is not None else None,
        )
