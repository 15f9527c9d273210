"""Domain objects ↔ JSON columns, with pydantic's dataclass support (no hand-written codecs)."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import TypeAdapter

from nfvo.domain import DeploymentPlan, ErrorInfo, Placement, SliceRequest, StepRecord, Verdict

T = TypeVar("T")

_ADAPTERS: dict[type[Any], TypeAdapter[Any]] = {
    cls: TypeAdapter(cls) for cls in (SliceRequest, Placement, DeploymentPlan, Verdict, StepRecord, ErrorInfo)
}


def dump(obj: object) -> dict[str, Any]:
    data = _ADAPTERS[type(obj)].dump_python(obj, mode="json")
    assert isinstance(data, dict)
    return data


def load(cls: type[T], data: dict[str, Any]) -> T:
    value: T = _ADAPTERS[cls].validate_python(data)
    return value
