"""The contract every domain-controller connection honours (NAPALM's config vocabulary).

A connection is used as: open → stage(changeset) → [diff] → [validate] →
commit(confirm_timeout) → read(...) to verify → confirm; or discard() before commit /
rollback() after an unconfirmed commit. Every failure is raised as an `AdapterError`
subclass from `nfvo.domain` (temporary or permanent); no library exception leaks out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol, runtime_checkable

from nfvo.domain import ChangeSet, ConfigPath, Controller

# What `read` returns for one path: the subtree as JSON-like data (containers and list
# entries as dicts, lists as lists of dicts, leaf-lists as lists), or None when absent.
Json = object


@runtime_checkable
class DomainAdapter(Protocol):
    controller: Controller

    def open(self) -> None:
        """Connect and check the capabilities this adapter needs."""

    def close(self) -> None:
        """Release the session; safe to call twice."""

    def capabilities(self) -> Sequence[str]:
        """What the server advertises (NETCONF capability URIs, gNMI models/encodings)."""

    def stage(self, changeset: ChangeSet) -> None:
        """Load the change set into a candidate, not yet active."""

    def diff(self) -> str:
        """Human-readable difference between the candidate and the running config."""

    def validate(self) -> None:
        """Ask the server to validate the candidate (raise ConfigRejected if invalid)."""

    def commit(self, confirm_timeout: float | None = None) -> None:
        """Activate the candidate; with a timeout, revert unless confirmed in time."""

    def confirm(self) -> None:
        """Make a confirmed commit permanent."""

    def discard(self) -> None:
        """Drop a staged, uncommitted candidate."""

    def rollback(self) -> None:
        """Revert an unconfirmed commit (or drop the candidate if nothing was committed)."""

    def read(self, paths: Sequence[ConfigPath]) -> Mapping[str, Json]:
        """Running configuration under each path, keyed by `format_path(path)`."""

    def measure(self, paths: Sequence[ConfigPath]) -> Mapping[str, Json]:
        """Configuration *and* operational state (telemetry) under each path, keyed like
        `read`; what a controller measures, e.g. a configured path's latency."""
