"""How a diagnosis is put: the error naming the blocking constraint, and the wording of
lists and resources in its explanation."""

from __future__ import annotations

from collections.abc import Sequence

from nfvo.domain import BlockingConstraint, InfeasibleError, LatencyBudget, Resources
from nfvo.placement.problem import Problem


def fail(
    kind: str,
    subject: str,
    explanation: str,
    hint: str = "",
    *,
    required: float | None = None,
    best: float | None = None,
    unit: str = "",
    **details: str,
) -> InfeasibleError:
    blocking = BlockingConstraint(kind, subject, required, best, unit, explanation, dict(details))
    return InfeasibleError(blocking, hint=hint)


def need_text(res: Resources) -> str:
    return f"{res.cpu:g} vCPU and {res.memory_gb:g} GB"


def name_list(names: Sequence[str], most: int = 4) -> str:
    if len(names) <= most:
        return ", ".join(names)
    return f"{', '.join(names[:most])} and {len(names) - most} more"


def budget_of(p: Problem, b: int) -> LatencyBudget:
    return p.request.sla.latency_budgets[b]
