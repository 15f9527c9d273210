"""How long each controller's transactions took lately, from the operations' journals.

The live twin (observe.py) times a read of every controller, but a controller can answer
reads quickly and still take long to commit (a slow datastore, a busy commit queue). Every
push, undo and remove step is journalled with its start and end, named after its change
set, which is named after its domain ("push:transport"): the journals already hold real
transaction times, failed ones included (a transaction that timed out took at least the
timeout). Their median over the last few per controller is a floor for the twin's commit
latency, next to the read time and the substrate file's figure.
"""

from __future__ import annotations

import statistics

from nfvo.domain import Substrate
from nfvo.store import Store

TRANSACTION_STEPS = ("push", "undo", "remove")


def recent_transaction_ms(
    store: Store, substrate: Substrate, *, operations: int = 50, per_controller: int = 5
) -> dict[str, float]:
    """Controller name → median duration (ms) of its last `per_controller` transactions
    found in the last `operations` operations; controllers with none are left out."""
    by_domain = {c.domain.value: c.name for c in substrate.controllers}
    found: dict[str, list[float]] = {}
    for operation in reversed(store.list_operations(latest=operations)):
        for step in reversed(operation.steps):
            action, _, changeset = step.name.partition(":")
            name = by_domain.get(changeset)  # change sets are named after their domain
            if action not in TRANSACTION_STEPS or name is None or step.finished_at is None:
                continue
            durations = found.setdefault(name, [])
            if len(durations) < per_controller:
                durations.append((step.finished_at - step.started_at).total_seconds() * 1000.0)
    return {name: statistics.median(ms) for name, ms in found.items()}
