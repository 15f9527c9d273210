"""Operations on slices (instantiate, terminate) as persisted sagas."""

from nfvo.lifecycle.breaker import BreakerPolicy, BreakerState, BreakerStatus
from nfvo.lifecycle.orchestrator import Orchestrator
from nfvo.lifecycle.reconcile import Drift

__all__ = ["BreakerPolicy", "BreakerState", "BreakerStatus", "Drift", "Orchestrator"]
