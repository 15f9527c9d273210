"""The vocabulary every part speaks: frozen dataclasses and enums, no I/O."""

from nfvo.domain.catalog import TemplateVersion
from nfvo.domain.errors import (
    AdapterError,
    BlockingConstraint,
    ConfigRejected,
    ConflictError,
    ControllerBusy,
    ControllerUnavailable,
    Diagnostic,
    InfeasibleError,
    InputError,
    NfvoError,
    NotFoundError,
    PermanentError,
    PlacementError,
    PlanError,
    PlanRejected,
    SubstrateError,
    TemplateError,
    TemporaryError,
    UnsupportedCapability,
    VerificationFailed,
)
from nfvo.domain.lifecycle import (
    ErrorInfo,
    Operation,
    OperationKind,
    OperationState,
    SliceInstance,
    SliceState,
    StepRecord,
    StepState,
)
from nfvo.domain.placement import BudgetOutcome, Placement, Placer, Route
from nfvo.domain.plan import (
    ChangeSet,
    ConfigEdit,
    ConfigPath,
    DeploymentPlan,
    EditOp,
    Leaf,
    PathElem,
    Scalar,
    StepTiming,
    Verdict,
    format_path,
    parse_path,
)
from nfvo.domain.slice import (
    SLA,
    Isolation,
    LatencyBudget,
    NetworkFunction,
    SliceRequest,
    SliceType,
    VirtualLink,
)
from nfvo.domain.substrate import (
    Controller,
    Domain,
    Link,
    Protocol,
    Resources,
    Site,
    SiteRole,
    Substrate,
    Usage,
    link_key,
)

__all__ = [
    "SLA", "AdapterError", "BlockingConstraint", "BudgetOutcome", "ChangeSet", "ConfigEdit",
    "ConfigPath", "ConfigRejected", "ConflictError", "Controller", "ControllerBusy", "ControllerUnavailable",
    "DeploymentPlan", "Diagnostic", "Domain", "EditOp", "ErrorInfo", "InfeasibleError",
    "InputError", "Isolation", "LatencyBudget", "Leaf", "Link", "NetworkFunction", "NfvoError",
    "NotFoundError", "Operation", "OperationKind", "OperationState", "PathElem",
    "PermanentError", "Placement", "PlacementError", "Placer", "PlanError", "PlanRejected",
    "Protocol", "Resources", "Route", "Scalar", "Site", "SiteRole", "SliceInstance",
    "SliceRequest", "SliceState", "SliceType", "StepRecord", "StepState", "StepTiming",
    "Substrate", "SubstrateError", "TemplateError", "TemplateVersion", "TemporaryError",
    "UnsupportedCapability",
    "Usage", "Verdict", "VerificationFailed", "VirtualLink", "format_path", "link_key",
    "parse_path",
]
