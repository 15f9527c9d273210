"""Persistence: slice instances, operations and the capacity ledger (SQLAlchemy)."""

from nfvo.store.repository import Store, utcnow

__all__ = ["Store", "utcnow"]
