"""The project's error hierarchy.

One root (`NfvoError`), one family per layer, and an orthogonal marker
(`TemporaryError` / `PermanentError`) that decides whether an operation may be retried.
Engines branch on the class, never on the message. Every error carries a stable
`code` (used by the API's problem+json and by the CLI), a `detail` saying what went
wrong, and where possible a `hint` saying how to fix it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in user input (a template, a substrate file, a request)."""

    code: str
    message: str
    path: str = ""  # e.g. topology_template.node_templates.upf.properties.cpu
    hint: str = ""
    file: str = ""
    line: int | None = None
    column: int | None = None

    def render(self) -> str:
        where = self.file or "<input>"
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        text = f"{where}: [{self.code}] {self.message}"
        if self.path:
            text += f" (at {self.path})"
        if self.hint:
            text += f" — hint: {self.hint}"
        return text


class NfvoError(Exception):
    """Root of every error this project raises on purpose."""

    code = "nfvo-error"
    title = "Orchestrator error"
    http_status = 500

    def __init__(self, detail: str, *, hint: str = "") -> None:
        super().__init__(detail)
        self.detail = detail
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.detail} (hint: {self.hint})" if self.hint else self.detail


class TemporaryError(NfvoError):
    """Marker: the same request may succeed later (retry with backoff)."""

    def __init__(self, detail: str, *, hint: str = "", retry_after_s: float | None = None) -> None:
        super().__init__(detail, hint=hint)
        self.retry_after_s = retry_after_s


class PermanentError(NfvoError):
    """Marker: retrying the same request cannot help."""


# --- user input -----------------------------------------------------------------------


class InputError(PermanentError):
    """Bad user input, with every problem found listed as a Diagnostic."""

    code = "invalid-input"
    title = "Invalid input"
    http_status = 422

    def __init__(self, detail: str, diagnostics: Sequence[Diagnostic] = (), *, hint: str = "") -> None:
        super().__init__(detail, hint=hint)
        self.diagnostics = tuple(diagnostics)

    def __str__(self) -> str:
        lines = [self.detail, *(d.render() for d in self.diagnostics)]
        return "\n".join(lines)


class TemplateError(InputError):
    code = "invalid-template"
    title = "Invalid slice template"


class SubstrateError(InputError):
    code = "invalid-substrate"
    title = "Invalid substrate"


class NotFoundError(PermanentError):
    code = "not-found"
    title = "Not found"
    http_status = 404


class ConflictError(PermanentError):
    code = "conflict"
    title = "Conflict with the current state"
    http_status = 409


# --- placement ------------------------------------------------------------------------


@dataclass(frozen=True)
class BlockingConstraint:
    """The constraint that makes a slice unplaceable, with the numbers behind it."""

    kind: str  # "latency-budget" | "site-capacity" | "link-bandwidth" | "no-candidate-site"
    subject: str  # the budget, function or virtual link concerned
    required: float | None = None
    best_achievable: float | None = None
    unit: str = ""
    explanation: str = ""
    details: dict[str, str] = field(default_factory=dict)


class PlacementError(PermanentError):
    code = "placement-error"
    title = "Placement failed"
    http_status = 422


class InfeasibleError(PlacementError):
    """No placement satisfies every constraint; `blocking` says which one blocks."""

    code = "placement-infeasible"
    title = "Slice cannot be placed"

    def __init__(self, blocking: BlockingConstraint, *, hint: str = "") -> None:
        super().__init__(blocking.explanation, hint=hint)
        self.blocking = blocking


# --- plan and twin --------------------------------------------------------------------


class PlanError(PermanentError):
    code = "plan-error"
    title = "Deployment plan could not be built"
    http_status = 422


class PlanRejected(PermanentError):
    """The digital twin predicts that the plan would fail."""

    code = "plan-rejected-by-twin"
    title = "Deployment plan rejected by the digital twin"
    http_status = 422


# --- southbound -----------------------------------------------------------------------


class AdapterError(NfvoError):
    code = "adapter-error"
    title = "Domain controller error"
    http_status = 502

    def __init__(self, detail: str, *, controller: str = "", hint: str = "") -> None:
        super().__init__(detail, hint=hint)
        self.controller = controller


class ControllerUnavailable(AdapterError, TemporaryError):
    """Could not reach the controller, or the session dropped, or it timed out."""

    code = "controller-unavailable"
    title = "Domain controller unavailable"
    http_status = 503

    def __init__(self, detail: str, *, controller: str = "", hint: str = "") -> None:
        AdapterError.__init__(self, detail, controller=controller, hint=hint)
        self.retry_after_s = None


class CircuitOpen(ControllerUnavailable):
    """Not even tried: the controller failed too often lately and its circuit breaker is
    open; `retry_after_s` says when the next trial call is allowed."""

    code = "circuit-open"
    title = "Domain controller circuit breaker open"

    def __init__(self, detail: str, *, controller: str = "", hint: str = "", retry_after_s: float) -> None:
        super().__init__(detail, controller=controller, hint=hint)
        self.retry_after_s = retry_after_s


class ControllerBusy(ControllerUnavailable):
    """The controller answers but another session holds what we need (e.g. the NETCONF
    candidate lock): worth waiting for patiently, up to the controller's timeout."""

    code = "controller-busy"
    title = "Domain controller busy"


class ConfigRejected(AdapterError, PermanentError):
    """The controller refused the configuration (validation, commit error)."""

    code = "config-rejected"
    title = "Configuration rejected by the domain controller"
    http_status = 502


class UnsupportedCapability(AdapterError, PermanentError):
    code = "unsupported-capability"
    title = "Controller lacks a required capability"
    http_status = 502


class VerificationFailed(AdapterError, PermanentError):
    """What the controller holds after a commit differs from what was pushed."""

    code = "verification-failed"
    title = "Read-back verification failed"
    http_status = 502


class SlaNotMet(PermanentError):
    """The network, measured after a step, does not deliver what the slice's SLA promises."""

    code = "sla-not-met"
    title = "SLA not met by the measured network"
    http_status = 422


class OperationCancelled(PermanentError):
    """An operator cancelled the operation; it stopped at the next step boundary."""

    code = "cancelled"
    title = "Operation cancelled"
    http_status = 409


class LeftBehind(PermanentError):
    """A forced termination could not remove the slice from some domains: what is listed
    may still be configured there (reconciliation finds and removes it later)."""

    code = "left-behind"
    title = "Configuration left behind by a forced termination"
    http_status = 502
