"""Persistence: slice instances, operations and the capacity ledger (SQLAlchemy)."""

from nfvo.store import (
    events,  # registers its tables on the metadata
    outages,  # registers its table on the metadata
    studies,  # registers its table on the metadata
)
from nfvo.store import modify as modifications  # registers its table on the metadata
from nfvo.store.repository import Store, utcnow

__all__ = ["Store", "events", "modifications", "outages", "studies", "utcnow"]
