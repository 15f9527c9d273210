"""Operations on slices (instantiate, terminate) as persisted sagas."""

from nfvo.lifecycle.orchestrator import Orchestrator

__all__ = ["Orchestrator"]
