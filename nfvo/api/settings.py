"""How the API guards itself. Every request but /health (and the docs) needs an API key:
there is no setting that opens the API."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RateLimit:
    """A token bucket per client (per API key, or per address without one)."""

    per_second: float = 20.0  # tokens added each second
    burst: int = 40  # the bucket's size: requests allowed at once after a quiet spell
    max_clients: int = 10_000  # buckets kept; full ones are dropped first beyond this


@dataclass(frozen=True)
class Webhooks:
    """Delivery of events to subscribers' callback URLs (see webhooks.py)."""

    poll_s: float = 0.5  # how often the dispatcher (0: none) and each SSE stream look for new events
    timeout_s: float = 5.0  # a callback that has not answered by then has failed
    attempts: int = 6  # per event; after the last failed one the event is dropped for that subscriber
    backoff_s: float = 1.0  # wait after the first failure; doubled after each next one
    max_backoff_s: float = 300.0
    # Encrypts the subscriptions' signing secrets in the store. None: $NFVO_WEBHOOK_KEY,
    # else a key made at start (secrets then cannot be read by another process or after a restart).
    secret_key: str | None = None
    heartbeat_s: float = 15.0  # an SSE comment line this often keeps idle streams open


@dataclass(frozen=True)
class Security:
    rate_limit: RateLimit | None = field(default_factory=RateLimit)  # None: no limit
    key_cache_s: float = 2.0  # a verified key is trusted this long before the store is asked again
    audit_reads: bool = False  # audit every GET too (refused ones are always audited)
    expiry_sweep_s: float = 15.0  # how often expired slices are looked for
    idempotency_ttl_s: float = 24 * 3600.0  # how long an Idempotency-Key's answer is kept
    webhooks: Webhooks = field(default_factory=Webhooks)
