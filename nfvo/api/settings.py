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
class Security:
    rate_limit: RateLimit | None = field(default_factory=RateLimit)  # None: no limit
    key_cache_s: float = 2.0  # a verified key is trusted this long before the store is asked again
    audit_reads: bool = False  # audit every GET too (refused ones are always audited)
    expiry_sweep_s: float = 15.0  # how often expired slices are looked for
    idempotency_ttl_s: float = 24 * 3600.0  # how long an Idempotency-Key's answer is kept
